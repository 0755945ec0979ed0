/** Aligned plain-text tables for the human reports. */
export function table(header: string[], rows: Array<Array<string | number>>, rightAligned: number[] = []): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => [...r[c]!].length)));
  return cells
    .map((r) => r.map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}
