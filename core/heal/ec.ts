/**
 * How GlusterFS picks EC data sources (heal-sources.md §1.4): group the bricks by the exact
 * (data version, ec.size) pair, take the largest group (the first to reach the top count
 * in brick order wins a tie), then drop members whose fragment length does not match
 * ec.size. Fewer than K left: GlusterFS cannot heal the data.
 */

export interface EcBrickState {
  member: number;          // index in the disperse set
  version: string;         // data version as stored, heal bit included (such a brick never groups with others)
  size: string;            // ec.size ('' for directories)
  fragmentOk: boolean;     // on-disk length matches ec.size
}

export interface EcGroup { version: string; size: string; members: number[] }

export interface EcDataDecision {
  groups: EcGroup[];
  sources: number[];
  sinks: number[];
  reason: 'ok' | 'no-quorum' | 'fragment-length';
}

export function ecDataGroups(bricks: EcBrickState[], k: number): EcDataDecision {
  const ordered = [...bricks].sort((a, b) => a.member - b.member);
  const groups = new Map<string, EcGroup>();
  let best: EcGroup | null = null;
  for (const b of ordered) {
    const key = `${b.version}/${b.size}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { version: b.version, size: b.size, members: [] }));
    g.members.push(b.member);
    if (!best || g.members.length > best.members.length) best = g;
  }
  const all = ordered.map((b) => b.member);
  if (!best || best.members.length < k) {
    return { groups: [...groups.values()], sources: [], sinks: all, reason: 'no-quorum' };
  }
  const fragmentOk = new Map(ordered.map((b) => [b.member, b.fragmentOk]));
  const sources = best.members.filter((m) => fragmentOk.get(m));
  const reason = sources.length < k ? 'fragment-length' : 'ok';
  return {
    groups: [...groups.values()],
    sources: reason === 'ok' ? sources : [],
    sinks: reason === 'ok' ? all.filter((m) => !sources.includes(m)) : all,
    reason,
  };
}
