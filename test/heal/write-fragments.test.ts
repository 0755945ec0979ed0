/**
 * rewriteFragments on real encoded 2+1 and 4+2 sets: corrupted, shorter, longer and
 * filled-in sinks end byte-equal to a fresh encode and decode to the data, holes stay holes,
 * and undo puts back every byte, hole, xattr and nanosecond time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codecFor } from '../../core/ec/codec.ts';
import { getXattr, setXattr } from '../../core/fs/xattr.ts';
import { FragmentRewriter } from '../../core/heal/write/fragments.ts';

/** One rewriter for every case, as heal --apply uses it: its buffers, grown by one file, serve the next. */
const rewriter = new FragmentRewriter();
import { undoRepair } from '../../core/repair/session.ts';
import { snapshotDiff, snapshotTree, type Snapshot } from '../repair/snapshot.ts';
import { beginSession, encodeAll, extentsOf, filledHoles, setTimesNs, sparseData, mtimeNs, writeSparse } from './fragment-set.ts';

const withoutBlocks = (s: Snapshot): Snapshot => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.replace(/ blocks=\d+/, '')]));

type Damage = [member: number, how: (path: string, truth: Buffer) => void];

const corrupt = (path: string) => {
  const b = readFileSync(path);
  for (let i = 700; i < b.length; i += 9000) b[i] = b[i]! ^ 0x5a;
  writeFileSync(path, b);
};
const shorten = (path: string, truth: Buffer) => truncateSync(path, Math.floor(truth.length / 3));
const lengthen = (path: string) => appendFileSync(path, Buffer.alloc(70000, 7));
/** Written without holes: every zero granule of the truth is allocated data. */
const fillHoles = (path: string, truth: Buffer) => writeFileSync(path, truth);

async function healCase(k: number, r: number, size: number, damage: Damage[]): Promise<void> {
  const root = mkdtempSync('/var/tmp/gfsck-write-fragments-');
  try {
    const bricks = Array.from({ length: k + r }, (_, i) => join(root, 'bricks', `brick${i}`));
    mkdirSync(join(root, 'bricks'));
    const file = (member: number) => join(bricks[member]!, 'file');
    const data = sparseData(k * 1000 + size, size);
    const truth = encodeAll(k, r, data);
    bricks.forEach((b, i) => {
      mkdirSync(b);
      writeSparse(file(i), truth[i]!);
      setXattr(file(i), 'trusted.ec.version', Buffer.from(`v${i}`));
    });
    for (const [member, how] of damage) {
      how(file(member), truth[member]!);
      setTimesNs(file(member), 1_700_000_000 + member, 123_456_789);
    }
    const before = snapshotTree(join(root, 'bricks'));
    const timesBefore = damage.map(([m]) => mtimeNs(file(m)));
    const extentsBefore = damage.map(([m]) => extentsOf(file(m)));

    const sinkMembers = damage.map(([m]) => m);
    const sources = bricks.map((_, member) => ({ member, path: Buffer.from(file(member)) })).filter((s) => !sinkMembers.includes(s.member));
    const sinks = sinkMembers.map((member) => ({ member, path: Buffer.from(file(member)) }));
    const session = beginSession(join(root, 'journals'), bricks);
    let reported = 0;
    let outcome;
    try {
      outcome = await rewriter.rewrite(session, { k, r, sources, sinks, fragmentBytes: truth[0]!.length, step: 'data-heal /file' }, (n) => (reported += n));
    } finally {
      session.end();
    }
    assert.equal(reported, truth[0]!.length * sinks.length);
    assert.equal(outcome.bytesWritten + outcome.bytesPunched + outcome.bytesUnchanged, truth[0]!.length * sinks.length);
    for (const m of sinkMembers) {
      assert.ok(readFileSync(file(m)).equals(truth[m]!), `sink ${m} equals a fresh encode`);
      assert.deepEqual(filledHoles(file(m), truth[m]!), [], `sink ${m} keeps every zero granule a hole`);
      assert.deepEqual(getXattr(file(m), 'trusted.ec.version'), Buffer.from(`v${m}`));
    }
    // The sinks alone (with the lowest sources making up K) decode to the data.
    const present = [...sinkMembers, ...sources.map((s) => s.member)].slice(0, k);
    const fragments = bricks.map((_, m) => (present.includes(m) ? readFileSync(file(m)) : null));
    assert.ok(Buffer.from(codecFor(k, r).reconstruct(fragments, data.length)).equals(data), 'decoded from the healed sinks');

    const undo = undoRepair(session.journal.file, false);
    assert.deepEqual(undo.conflicts, []);
    assert.deepEqual(damage.map(([m]) => extentsOf(file(m))), extentsBefore, 'hole map comes back');
    assert.deepEqual(damage.map(([m]) => mtimeNs(file(m))), timesBefore, 'mtimes come back to the nanosecond');
    // Holes are compared by their SEEK_DATA map above: st_blocks also counts ext4's extent-tree
    // blocks, which a file that was more fragmented for a while keeps.
    assert.deepEqual(snapshotDiff(withoutBlocks(before), withoutBlocks(snapshotTree(join(root, 'bricks')))), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('2+1: a corrupted sink is rewritten in place, holes kept, undo exact', () => healCase(2, 1, 3 * 1024 * 1024 + 5000, [[2, corrupt]]));

test('2+1: a data sink written without holes gets them punched', () => healCase(2, 1, 2 * 1024 * 1024, [[0, fillHoles]]));

test('4+2: a shortened and a lengthened sink, across several blocks', () => healCase(4, 2, 40 * 1024 * 1024 + 12345, [[1, shorten], [4, lengthen]]));

test('4+2: an empty sink is filled, still sparse', () => healCase(4, 2, 9 * 1024 * 1024, [[5, (p) => truncateSync(p, 0)], [0, corrupt]]));

test('a sink that is a hard link keeps its inode', async () => {
  const root = mkdtempSync('/var/tmp/gfsck-write-fragments-');
  try {
    const bricks = [0, 1, 2].map((i) => join(root, `brick${i}`));
    const truth = encodeAll(2, 1, sparseData(9, 1024 * 1024));
    bricks.forEach((b, i) => { mkdirSync(b); writeSparse(join(b, 'file'), truth[i]!); });
    corrupt(join(bricks[1]!, 'file'));
    const { linkSync } = await import('node:fs');
    linkSync(join(bricks[1]!, 'file'), join(bricks[1]!, 'handle'));
    const ino = lstatSync(join(bricks[1]!, 'file')).ino;
    const session = beginSession(join(root, 'journals'), bricks);
    try {
      await new FragmentRewriter().rewrite(session, {
        k: 2, r: 1, sources: [0, 2].map((member) => ({ member, path: Buffer.from(join(bricks[member]!, 'file')) })),
        sinks: [{ member: 1, path: Buffer.from(join(bricks[1]!, 'file')) }], fragmentBytes: truth[0]!.length, step: 'data-heal /file',
      });
    } finally {
      session.end();
    }
    assert.equal(lstatSync(join(bricks[1]!, 'handle')).ino, ino);
    assert.ok(readFileSync(join(bricks[1]!, 'handle')).equals(truth[1]!));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
