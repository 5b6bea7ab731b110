import { describe, expect, it } from "vitest";
import { parseBody } from "./parse-body.js";

describe("series identity inside one body (label order and empty labels do not matter)", () => {
  const cases: Array<[string, string, number]> = [
    ["same order twice", 'a{x="1",y="2"} 1\na{x="1",y="2"} 2\n', 1],
    ["reference order, then another order", 'a{y="2",x="1"} 1\na{x="1",y="2"} 2\n', 1],
    ["sorted first, then unsorted", 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n', 1],
    ["an empty label equals no label", 'a{x="1"} 1\na{x="1",z=""} 2\na{z="",x="1"} 3\n', 2],
    ["another name set in two orders", 'a{x="1"} 1\na{y="2",w="3"} 2\na{w="3",y="2"} 3\n', 1],
    ["blanks and a trailing comma", 'a{x="1",y="2"} 1\na { y = "2" , x = "1" , } 2\n', 1],
    ["different values are different series", 'a{x="1",y="2"} 1\na{y="3",x="1"} 2\n', 0],
    ["same labels, other metric names", 'a{x="1"} 1\nb{x="1"} 2\n', 0],
    ["no labels", "a 1\na{} 2\n", 1],
  ];
  for (const [name, body, duplicates] of cases) {
    it(name, () => {
      expect(parseBody(body, "text", { job: "j" }).duplicates).toBe(duplicates);
    });
  }
});
