/**
 * Which leases one replica should give up or try to take in a round, from a survey of who holds what (ADR 0070).
 * Pure: the lease manager supplies the survey and acts on the answer.
 *
 * With C clusters and R live replicas, every replica may hold at most ⌈C/R⌉ ("cap"). A replica above the cap gives up
 * the excess at once (a replica that started alone and took everything sheds to its share in one round, not one
 * lease per round). When every replica is at or under the cap but one holds fewer than ⌊C/R⌋ (e.g. 3,3,3,3,0 for 12
 * clusters on 5 replicas), exactly one donor, the fullest live replica (ties: the smallest id), gives one lease up
 * per round, so the fleet converges to counts that differ by at most one without several donors releasing at once
 * and taking their leases straight back.
 */
export interface ShareInput {
  /** This replica's id. */
  me: string;
  /** Every cluster of the spec, sorted. */
  clusters: readonly string[];
  /** Live replicas (the registry, this replica included). */
  live: readonly string[];
  /** The holder of each cluster's lease as surveyed (undefined: free). */
  holders: ReadonlyMap<string, string | undefined>;
  /** Clusters this replica holds (its local view, which wins over the survey for its own leases). */
  mine: readonly string[];
}

export interface SharePlan {
  /** ⌈clusters / live replicas⌉. */
  cap: number;
  /** Leases to give up this round (the last ones in cluster order). */
  release: string[];
  /** Free clusters to try to take this round, in order (another replica may win some of them). */
  acquire: string[];
  /** How many of {@link acquire} to take at most: the room under the cap. */
  room: number;
}

export function planShare(input: ShareInput): SharePlan {
  const live = [...new Set([...input.live, input.me])].sort();
  const total = input.clusters.length;
  const cap = Math.ceil(total / live.length);
  const floor = Math.floor(total / live.length);
  const mine = input.clusters.filter((c) => input.mine.includes(c));
  if (mine.length > cap) return { cap, release: mine.slice(cap), acquire: [], room: 0 };

  const counts = new Map<string, number>(live.map((id) => [id, 0]));
  for (const cluster of input.clusters) {
    const holder = input.mine.includes(cluster) ? input.me : input.holders.get(cluster);
    if (holder !== undefined && counts.has(holder)) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  }
  const starved = live.some((id) => (counts.get(id) ?? 0) < floor);
  const free = input.clusters.filter((c) => !input.mine.includes(c) && input.holders.get(c) === undefined);
  if (starved && free.length === 0 && mine.length > floor && donor(counts) === input.me) {
    return { cap, release: mine.slice(-1), acquire: [], room: 0 };
  }
  const room = Math.max(0, cap - mine.length);
  return { cap, release: [], acquire: room > 0 ? free : [], room };
}

/** The replica that gives a lease up to a starved one: the fullest, ties broken by the smallest id. */
function donor(counts: ReadonlyMap<string, number>): string | undefined {
  let best: [string, number] | undefined;
  for (const [id, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!best || n > best[1]) best = [id, n];
  }
  return best?.[0];
}
