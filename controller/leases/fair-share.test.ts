import { describe, expect, it } from "vitest";
import { planShare, type ShareInput } from "./fair-share.js";

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${String(i).padStart(2, "0")}`);

/**
 * Runs whole rounds of planShare for every replica in turn against one shared holder table (what Redis would
 * hold), until a round changes nothing; returns the clusters each replica holds and the rounds it took.
 */
function converge(clusters: string[], replicas: string[], initial: Map<string, string | undefined>) {
  const holders = new Map(initial);
  for (let round = 1; round <= 50; round++) {
    let changed = false;
    for (const me of replicas) {
      const mine = clusters.filter((c) => holders.get(c) === me);
      const input: ShareInput = { me, clusters, live: replicas, holders, mine };
      const plan = planShare(input);
      for (const c of plan.release) holders.set(c, undefined);
      let taken = 0;
      for (const c of plan.acquire) {
        if (taken >= plan.room) break;
        if (holders.get(c) === undefined) {
          holders.set(c, me);
          taken++;
        }
      }
      changed ||= plan.release.length > 0 || taken > 0;
    }
    if (!changed) {
      const counts = replicas.map((r) => clusters.filter((c) => holders.get(c) === r).length);
      return { counts, rounds: round, unowned: clusters.filter((c) => holders.get(c) === undefined) };
    }
  }
  throw new Error("did not converge in 50 rounds");
}

describe("planShare", () => {
  it("caps at ⌈clusters/replicas⌉ and sheds all the excess in one round", () => {
    const clusters = names(20);
    const plan = planShare({
      me: "a",
      clusters,
      live: ["a", "b", "c"],
      holders: new Map(clusters.map((c) => [c, "a"])),
      mine: clusters,
    });
    expect(plan.cap).toBe(7);
    expect(plan.release).toEqual(clusters.slice(7));
    expect(plan.acquire).toEqual([]);
  });

  it("takes free clusters only up to the cap", () => {
    const clusters = names(12);
    const plan = planShare({ me: "b", clusters, live: ["a", "b", "c"], holders: new Map(), mine: [] });
    expect(plan.acquire).toEqual(clusters);
    expect(plan.room).toBe(4);
  });

  it.each([
    [20, 3],
    [12, 3],
    [12, 5],
    [7, 4],
    [50, 7],
  ])("%i clusters on %i replicas, all first taken by one: every cluster owned, counts within one", (n, r) => {
    const clusters = names(n);
    const replicas = Array.from({ length: r }, (_, i) => `r${i}`);
    const result = converge(clusters, replicas, new Map(clusters.map((c) => [c, "r0"])));
    expect(result.unowned).toEqual([]);
    expect(result.counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(Math.max(...result.counts) - Math.min(...result.counts)).toBeLessThanOrEqual(1);
  });

  it("moves one lease per round from the fullest replica to a starved one (3,3,3,3,0 → within one)", () => {
    const clusters = names(12);
    const replicas = ["a", "b", "c", "d", "e"];
    const initial = new Map(clusters.map((c, i) => [c, replicas[Math.floor(i / 3)]]));
    const first = planShare({
      me: "a",
      clusters,
      live: replicas,
      holders: initial,
      mine: clusters.slice(0, 3),
    });
    expect(first.release).toEqual(["c02"]);
    const notDonor = planShare({ me: "b", clusters, live: replicas, holders: initial, mine: clusters.slice(3, 6) });
    expect(notDonor.release).toEqual([]);
    const result = converge(clusters, replicas, initial);
    expect(result.unowned).toEqual([]);
    expect([...result.counts].sort()).toEqual([2, 2, 2, 3, 3]);
  });

  it("leaves clusters of a dead holder alone until their leases expire, then the survivors split them", () => {
    const clusters = names(20);
    const holders = new Map(clusters.map((c, i) => [c, ["a", "b", "dead"][i % 3]]));
    const a = planShare({
      me: "a",
      clusters,
      live: ["a", "b"],
      holders,
      mine: clusters.filter((c) => holders.get(c) === "a"),
    });
    expect(a.acquire).toEqual([]);
    for (const [c, h] of holders) if (h === "dead") holders.set(c, undefined);
    const result = converge(clusters, ["a", "b"], holders);
    expect(result.counts).toEqual([10, 10]);
  });
});
