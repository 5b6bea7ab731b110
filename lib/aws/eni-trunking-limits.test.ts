import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { maxNetworkInterfaces, publishedMaxNetworkInterfaces } from "./ec2-network-interfaces.js";
import { createUnlistedTrunkTypeWarning, trunkBranchEnis, trunkListing } from "./eni-trunking-limits.js";
import { loadInstanceTypeTable, parseInstanceTypeTable } from "./instance-type-table.js";

/**
 * Rows copied by hand from the ECS developer guide's "Supported Amazon EC2 instance types" table for ENI trunking
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/eni-trunking-supported-instance-types.html), column
 * "Task limit with ENI trunking". They pin the data module to the guide, including every case the former per-size
 * pattern got wrong.
 */
const GUIDE_SUPPORTED: [string, number][] = [
  ["c5.large", 10],
  ["c5.xlarge", 20],
  ["m5.2xlarge", 40],
  ["r5.4xlarge", 60],
  ["m5.24xlarge", 120],
  // Graviton .medium: 4, where the pattern said 10.
  ["c6g.medium", 4],
  ["m6g.medium", 4],
  ["r6g.medium", 4],
  ["c7g.medium", 4],
  ["m7g.medium", 4],
  ["r7g.medium", 4],
  ["is4gen.medium", 4],
  // …but not every .medium: a1.medium and x2gd.medium are 10.
  ["a1.medium", 10],
  ["x2gd.medium", 10],
  // 6th-generation Intel/AMD 8xlarge and 12xlarge: 90 and 120, where the pattern said 60.
  ["m6i.8xlarge", 90],
  ["m6i.12xlarge", 120],
  ["c6i.8xlarge", 90],
  ["c6a.12xlarge", 120],
  ["r6a.8xlarge", 90],
  ["r6id.12xlarge", 120],
  // Graviton 8xlarge/12xlarge stay at 60.
  ["c6g.8xlarge", 60],
  ["m7g.12xlarge", 60],
  // Supported families the pattern did not know.
  ["m6in.large", 10],
  ["c6in.8xlarge", 90],
  ["r6idn.32xlarge", 120],
  ["im4gn.large", 10],
  ["g5g.xlarge", 20],
  ["g4ad.xlarge", 12],
  ["trn1.2xlarge", 19],
  ["vt1.3xlarge", 40],
  ["dl1.24xlarge", 120],
  ["hpc6a.48xlarge", 120],
  ["mac2.metal", 12],
  ["p4de.24xlarge", 120],
  ["x2iezn.2xlarge", 64],
  ["u-3tb1.56xlarge", 12],
  // Irregular published figures.
  ["g5.xlarge", 6],
  ["x2iedn.xlarge", 13],
  ["i4i.xlarge", 8],
];

/** Named by the guide as not supported: the families c5n, d3, g4dn, inf1, m5n, … and single types such as c5.metal. */
const GUIDE_UNSUPPORTED = [
  "c5n.large",
  "c5n.18xlarge",
  "m5n.large",
  "m5dn.xlarge",
  "m5zn.large",
  "r5n.large",
  "r5b.16xlarge",
  "r5dn.16xlarge",
  "g4dn.xlarge",
  "inf1.xlarge",
  "d3.xlarge",
  "i3en.large",
  "z1d.large",
  "u-6tb1.56xlarge",
  "c5.metal",
  "m5.metal",
  "r5.8xlarge",
  "c5a.8xlarge",
  "p3dn.24xlarge",
  // Published with a trunk figure of −2: no task fits.
  "i4i.large",
];

/** Not in the guide at all: burstable, older generations, types newer than the table, and nonsense. */
const UNLISTED = ["t3.medium", "t4g.large", "m4.large", "c4.xlarge", "m7i.large", "c8g.medium", "mystery", ""];

describe("ENI trunking limits (ECS developer guide)", () => {
  it.each(GUIDE_SUPPORTED)("%s: %d branch ENIs", (type, branch) => {
    expect(trunkListing(type)).toBe("supported");
    expect(trunkBranchEnis(type)).toBe(branch);
  });

  it.each(GUIDE_UNSUPPORTED)("%s: not supported", (type) => {
    expect(trunkListing(type)).toBe("unsupported");
    expect(trunkBranchEnis(type)).toBe(0);
  });

  it.each(UNLISTED)("%j: not listed, so no trunking", (type) => {
    expect(trunkListing(type)).toBe("unlisted");
    expect(trunkBranchEnis(type)).toBe(0);
  });

  it("treats an undefined type as no trunking", () => {
    expect(trunkBranchEnis(undefined)).toBe(0);
  });

  it("warns once per unlisted type", () => {
    const lines: { instanceType: string; msg: string }[] = [];
    const warn = createUnlistedTrunkTypeWarning(pino({}, { write: (l: string) => void lines.push(JSON.parse(l)) }));
    warn("m7i.large");
    warn("m7i.large");
    warn("t3.medium");
    expect(lines.map((l) => l.instanceType)).toEqual(["m7i.large", "t3.medium"]);
    expect(lines[0]?.msg).toMatch(/not in the ECS guide's ENI-trunking table; counting it without trunking/);
  });
});

describe("maximum network interfaces (EC2 user guide)", () => {
  // Rows copied by hand from "IP addresses per network interface per instance type", column "Maximum network
  // interfaces" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#AvailableIpPerENI).
  it.each([
    ["t3.nano", 2],
    ["t3.medium", 3],
    ["t3.xlarge", 4],
    ["t2.2xlarge", 3],
    ["c5.large", 3],
    ["c5.xlarge", 4],
    ["m5.2xlarge", 4],
    ["m5.4xlarge", 8],
    ["c5.18xlarge", 15],
    ["c6g.medium", 2],
    ["m6i.8xlarge", 8],
    ["c5n.large", 3],
    ["m4.large", 2],
    ["d3.8xlarge", 3],
    ["p4d.24xlarge", 60],
  ])("%s: %d", (type, max) => {
    expect(publishedMaxNetworkInterfaces(type)).toBe(max);
    expect(maxNetworkInterfaces(type, 999)).toBe(max);
  });

  it("falls back to DescribeInstanceTypes' figure for a type newer than the table, and to nothing without one", () => {
    expect(publishedMaxNetworkInterfaces("m7i.large")).toBeUndefined();
    expect(maxNetworkInterfaces("m7i.large", 3)).toBe(3);
    expect(maxNetworkInterfaces("m7i.large", 0)).toBeUndefined();
    expect(maxNetworkInterfaces("m7i.large")).toBeUndefined();
  });

  it("agrees with the ECS guide's 'task limit without trunking' + 1 wherever both list a type", () => {
    const ecs = loadInstanceTypeTable("ecs-eni-trunking.txt", 2);
    const compared: string[] = [];
    const disagree: string[] = [];
    for (const [type, [without]] of ecs) {
      const max = publishedMaxNetworkInterfaces(type);
      if (max === undefined) continue;
      compared.push(type);
      if ((without ?? 0) + 1 !== max) disagree.push(`${type}: ECS ${without} + 1, EC2 ${max}`);
    }
    expect(compared.length).toBeGreaterThan(250);
    // The one place the two guides differ: the ECS guide gives g5.48xlarge 6 tasks without trunking.
    expect(disagree).toEqual(["g5.48xlarge: ECS 6 + 1, EC2 15"]);
  });
});

describe("parseInstanceTypeTable", () => {
  it("names the table and line of a malformed or repeated row", () => {
    expect(() => parseInstanceTypeTable("T", "\nc5.large 3\nc5.xlarge four\n", 1)).toThrow(
      'T line 3: expected "<instance-type>" and 1 integer(s), got "c5.xlarge four"',
    );
    expect(() => parseInstanceTypeTable("T", "c5.large 3\nc5.large 3", 1)).toThrow(
      "T line 2: c5.large is listed twice",
    );
    expect(() => parseInstanceTypeTable("T", "c5.large 3 4", 1)).toThrow(/line 1:/);
    expect(parseInstanceTypeTable("T", "# c5.large is a comment\nc5.large 3", 1)).toEqual(new Map([["c5.large", [3]]]));
  });
});
