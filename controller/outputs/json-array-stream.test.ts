import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipJsonArray, jsonArrayElements } from "./json-array-stream.js";

async function elements(chunks: Array<Buffer | string>): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const out: string[] = [];
  for await (const element of jsonArrayElements(source())) out.push(element);
  return out;
}

/** The bytes of `text` cut at every position in turn: boundaries must never matter. */
function everySplit(text: string): Buffer[][] {
  const bytes = Buffer.from(text, "utf8");
  return Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]);
}

describe("jsonArrayElements", () => {
  const values = [
    { targets: ["10.0.0.1:80"], labels: { a: '],[{}\\"x', b: "ü — 🚀" } },
    [1, [2, { c: "," }]],
    "plain, string ]",
    42,
    null,
    { empty: {} },
  ];
  const text = ` [ ${values.map((v) => JSON.stringify(v)).join(" ,\n ")} ]\n`;

  it("yields each top-level element whatever the chunk boundaries", async () => {
    for (const chunks of everySplit(text)) {
      expect((await elements(chunks)).map((e) => JSON.parse(e))).toEqual(values);
    }
  });

  it("yields nothing for an empty array and rejects what is not one whole array", async () => {
    expect(await elements([" [ ", "\n]"])).toEqual([]);
    await expect(elements(['{"a": 1}'])).rejects.toThrow("not a JSON array");
    await expect(elements(['[{"a": 1}'])).rejects.toThrow("incomplete");
    await expect(elements(['["a"', ', "b'])).rejects.toThrow("incomplete");
    await expect(elements(["[1] x"])).rejects.toThrow("after the end");
    await expect(elements([])).rejects.toThrow("incomplete");
  });
});

describe("gzipJsonArray", () => {
  it("gzips the array of the elements as they come, across chunk boundaries", async () => {
    const values = Array.from({ length: 3_000 }, (_, i) => ({ i, text: "x".repeat(i % 300) }));
    async function* source() {
      for (const v of values) yield JSON.stringify(v);
    }
    expect(JSON.parse(gunzipSync(await gzipJsonArray(source())).toString("utf8"))).toEqual(values);
    expect(gunzipSync(await gzipJsonArray([])).toString("utf8")).toBe("[]");
  });
});
