import { describe, expect, it } from "vitest";
import { evaluateExpression, type Series } from "./cloudwatch-expression.js";

const a: Series = new Map([
  [1, 2],
  [2, 4],
]);
const b: Series = new Map([
  [1, 1],
  [3, 9],
]);
const scope = {
  byId: new Map([
    ["a", a],
    ["b", b],
  ]),
  metrics: [
    { label: "cpu a", series: a },
    { label: "mem b", series: b },
  ],
};

describe("evaluateExpression", () => {
  it.each([
    [
      "a * 2 + 1",
      [
        [
          [1, 5],
          [2, 9],
        ],
      ],
    ],
    ["a + b", [[[1, 3]]]],
    [
      "-(a - 1) ^ 2",
      [
        [
          [1, -1],
          [2, -9],
        ],
      ],
    ],
    [
      "SUM(METRICS())",
      [
        [
          [1, 3],
          [2, 4],
          [3, 9],
        ],
      ],
    ],
    [
      "MAX([a, b])",
      [
        [
          [1, 2],
          [2, 4],
          [3, 9],
        ],
      ],
    ],
    [
      "METRICS('cpu')",
      [
        [
          [1, 2],
          [2, 4],
        ],
      ],
    ],
    [
      "a / SUM(a)",
      [
        [
          [1, 2 / 6],
          [2, 4 / 6],
        ],
      ],
    ],
  ])("%s", (src, expected) => {
    expect(evaluateExpression(src, scope).map((s) => [...s])).toEqual(expected);
  });

  it.each([
    ["c + 1", /Unrecognized id/],
    ["1 + 2", /time series/],
    ["FOO(a)", /Unsupported function/],
    ["a +", /end of expression/],
    ["a $", /Unexpected character/],
  ])("rejects %s", (src, message) => {
    expect(() => evaluateExpression(src, scope)).toThrow(message);
  });
});
