/**
 * inspect's human report on bricks real GlusterFS 10.3 wrote: it opens with the verdict per
 * set that heal --sources gives (one judge), lists each finding once per entry with the
 * bricks it was found on, says when a set was not given whole, and --json stays one object
 * per brick finding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { extractBrickArchive, type ExtractedArchive } from '../../core/archive/brick-archive.ts';
import { gfsck } from '../support/cli.ts';

function withFixture(name: string, body: (a: ExtractedArchive) => void): void {
  const a = extractBrickArchive(fileURLToPath(new URL(`../../testdata/${name}.tar.gz`, import.meta.url)));
  try {
    body(a);
  } finally {
    a.remove();
  }
}

interface JsonFinding { type: 'finding'; code: string; brick: string | null; path: string | null; gfid: string | null }
interface SetJson { set: number; bricks: string[]; given: number; size: number; complete: boolean; compared: boolean; stale: Record<string, number>; verdict: string }
interface JsonSummary { type: 'summary'; bricks: Array<{ position: number; root: string }>; sets: SetJson[]; warnings: number }

function inspectJson(args: string[]): { status: number | null; findings: JsonFinding[]; summary: JsonSummary } {
  const r = gfsck(['inspect', '--json', ...args]);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as JsonFinding | JsonSummary);
  return { status: r.status, findings: lines.filter((l): l is JsonFinding => l.type === 'finding'), summary: lines.at(-1) as JsonSummary };
}

test('ec-4p2-two-down: the report opens with the set verdict heal gives, and the command that heals it', () => {
  withFixture('ec-4p2-two-down', (a) => {
    const r = gfsck(['inspect', '--volinfo', a.volinfo!, ...a.bricks]);
    assert.equal(r.status, 4, r.stderr);
    const heal = JSON.parse(gfsck(['heal', '--json', '--volinfo', a.volinfo!, ...a.bricks]).stdout.trim().split('\n').at(-1)!);
    const stale = heal.sets[0].stale as Record<string, number>;
    assert.deepEqual(Object.keys(stale), ['#1', '#4']);
    const [header, verdict, command] = r.stdout.split('\n');
    assert.match(header!, /^Volume "gfsckt-ec-4p2-two-down": disperse 4\+2, layout from volinfo \S+; 6 bricks in 1 set\.$/);
    assert.equal(verdict, `set 0 (#0,#1,#2,#3,#4,#5): #1 stale for ${stale['#1']} entries, #4 stale for ${stale['#4']} entries`);
    assert.equal(command, `heal them with the volume stopped: gfsck heal --apply --volinfo ${a.volinfo} ${a.bricks.join(' ')}`);
  });
});

test('ec-4p2-two-down: one line per entry naming its bricks; group headers count entries and brick findings; --json keeps every brick finding', () => {
  withFixture('ec-4p2-two-down', (a) => {
    const text = gfsck(['inspect', '--volinfo', a.volinfo!, ...a.bricks]).stdout;
    const { findings, summary } = inspectJson(['--volinfo', a.volinfo!, ...a.bricks]);
    const label = new Map(summary.bricks.map((b) => [b.root, `#${b.position}`]));
    for (const code of ['EC_DIRTY', 'HEAL_PENDING']) {
      const ofCode = findings.filter((f) => f.code === code);
      assert.ok(ofCode.every((f) => f.brick !== null), `${code}: one JSON object per brick`);
      const bricksByGfid = new Map<string, string[]>();
      for (const f of ofCode) bricksByGfid.set(f.gfid!, [...(bricksByGfid.get(f.gfid!) ?? []), label.get(f.brick!)!]);
      assert.ok(ofCode.length > bricksByGfid.size, `${code} is found on several bricks per entry`);
      const all = text.split('\n');
      const start = all.findIndex((l) => l.startsWith(`WARNING ${code} `));
      assert.match(all[start]!, new RegExp(`^WARNING ${code} \\(${bricksByGfid.size} entries, ${ofCode.length} brick findings\\)`));
      const lines: string[] = [];
      for (const l of all.slice(start + 2)) { // after the group's header and its table's header
        if (!l.startsWith('  #')) break;
        lines.push(l);
      }
      assert.equal(lines.length, Math.min(5, bricksByGfid.size));
      for (const line of lines) {
        const [bricks, gfid] = line.trim().split(/\s+/);
        assert.equal(bricks, bricksByGfid.get(gfid!)!.sort().join(','), `${code} ${gfid}: the line names every brick it was found on`);
        assert.equal(all.filter((l) => l.includes(gfid!) && l.includes(code === 'EC_DIRTY' ? 'trusted.ec.dirty' : 'indices/')).length, 1, `${code} ${gfid}: one line`);
      }
    }
    assert.equal(summary.sets[0]!.verdict, `set 0 (#0,#1,#2,#3,#4,#5): #1 stale for ${summary.sets[0]!.stale['#1']} entries, #4 stale for ${summary.sets[0]!.stale['#4']} entries`);
    assert.deepEqual([summary.sets[0]!.complete, summary.sets[0]!.compared], [true, true]);
  });
});

test('one brick of a 4+2 set: "1 of 6 bricks of set 0 given: the set was not compared", never a bare clean', () => {
  withFixture('ec-4p2-two-down', (a) => {
    const down = a.bricks[1]!; // the brick that was down: nothing is wrong with it alone
    const r = gfsck(['inspect', down]);
    assert.equal(r.status, 4, 'an uncompared set is not reported clean');
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'Volume: disperse 4+2, layout inferred from the bricks; 1 brick in 1 set.');
    assert.equal(lines[1], '1 of 6 bricks of set 0 given: the set was not compared');
    assert.notEqual(lines.at(-1), 'No problems found.');
    assert.match(lines.at(-1)!, /^No problems found on the bricks given, but not on whole sets: 1 of 6 bricks of set 0 given: the set was not compared\./);
    const { status, findings, summary } = inspectJson([down]);
    assert.equal(status, 4);
    assert.deepEqual(findings, []);
    assert.deepEqual(summary.sets.map((s) => [s.given, s.size, s.complete, s.compared, s.verdict]),
      [[1, 6, false, false, '1 of 6 bricks of set 0 given: the set was not compared']]);
  });
});

test('clean sets exit 0 with a verdict and "No problems found."; --layout is named in the header', () => {
  withFixture('ec-2p1-clean', (a) => {
    const r = gfsck(['inspect', '--layout', 'disperse:2+1', ...a.bricks]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'Volume: disperse 2+1, layout from --layout disperse:2+1; 3 bricks in 1 set.');
    assert.equal(lines[1], 'set 0 (#0,#1,#2): no brick needs healing');
    assert.equal(lines.at(-1), 'No problems found.');
  });
});

test('rep3-brick-down: the stale replica is named, and the one command that heals it', () => {
  withFixture('rep3-brick-down', (a) => {
    const lines = gfsck(['inspect', '--volinfo', a.volinfo!, ...a.bricks]).stdout.split('\n');
    assert.match(lines[1]!, /^set 0 \(#0,#1,#2\): #2 stale for \d+ entries$/);
    assert.equal(lines[2], `heal them with the volume stopped: gfsck heal --apply --volinfo ${a.volinfo} ${a.bricks.join(' ')}`);
  });
});
