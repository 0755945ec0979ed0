/** The installed project's root (where package.json is), from sources or from dist/ alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('gfsck: cannot find the project root (package.json)');
    dir = up;
  }
  return dir;
}

/** True when this process runs the TypeScript sources (through tsx), false when it runs dist/. */
export const runningSources = import.meta.url.endsWith('.ts');
