import { describe, expect, it } from "vitest";
import { CapacityList } from "../crds-like-schemas/contracts/status-api.js";
import { type ApiAnswer, ApiCallError, formatIssuePath, readAnswer } from "./status-api-client.js";

const answer = (body: unknown): ApiAnswer => ({
  endpoint: "GET /api/v1/capacity",
  status: 200,
  body,
  text: JSON.stringify(body),
});

const totals = {
  cluster: "demo",
  observedAt: "2026-01-01T00:00:00.000Z",
  remainingEnis: 3,
  remainingCpu: 1024,
  remainingMemory: 2048,
  schedulable: { small: 4 },
};

/** The message readAnswer throws for `body`. */
function failure(body: unknown): string {
  try {
    readAnswer(answer(body), CapacityList);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiCallError);
    return (error as Error).message;
  }
  throw new Error("the answer was accepted");
}

describe("readAnswer", () => {
  it("returns both kinds of capacity entry parsed", () => {
    const missing = { cluster: "other", capacity: null, message: "capacity disabled or not computed yet" };
    expect(readAnswer(answer({ clusters: [totals, missing], stale: [] }), CapacityList).clusters).toEqual([
      totals,
      missing,
    ]);
  });

  it.each([
    [{ ...totals, remainingCpu: "lots" }, 'clusters[0].remainingCpu: expected number, got "lots"'],
    [{ cluster: "other", capacity: null }, "clusters[0].message: expected string, got nothing"],
    [{ cluster: "other", capacity: 0, message: "m" }, "clusters[0].capacity: expected null, got number 0"],
  ])("names the field of the entry's own kind: %j", (entry, says) => {
    expect(failure({ clusters: [entry], stale: [] })).toContain(says);
  });

  it("lists the first three issues and counts the rest", () => {
    const message = failure({ clusters: [], stale: [1, 2, 3, 4, 5] });
    expect(message.match(/stale\[\d\]: expected object, got number \d/g)).toEqual([
      "stale[0]: expected object, got number 1",
      "stale[1]: expected object, got number 2",
      "stale[2]: expected object, got number 3",
    ]);
    expect(message).toContain("and 2 more");
  });

  it.each([
    [[], "(body)"],
    [["clusters", 0, "conditions", 1, "status"], "clusters[0].conditions[1].status"],
    [[2, "a"], "[2].a"],
  ])("formats the path %j as %s", (path, text) => {
    expect(formatIssuePath(path)).toBe(text);
  });
});
