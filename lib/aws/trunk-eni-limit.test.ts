import { describe, expect, it } from "vitest";
import { maxNetworkInterfaces } from "./ec2-network-interfaces.js";
import { trunkEniLimit } from "./eni-trunking-limits.js";

/**
 * The node ENI-limit rule against figures copied by hand from AWS's published tables: the ECS developer guide's
 * ENI-trunking table ("Task limit with ENI trunking") and the EC2 user guide's "Maximum network interfaces".
 */
describe("trunkEniLimit: the trunk's branch ENIs, else the maximum network interfaces", () => {
  it.each([
    // type, has a trunk, ECS guide's branch ENIs (undefined: not applicable), EC2 guide's maximum interfaces
    ["c5.large", true, 10, 3],
    ["m6i.large", true, 10, 3],
    ["c6g.medium", true, 4, 2],
    ["c5.large", false, undefined, 3],
    ["c6g.medium", false, undefined, 2],
    // m5n rows are in the trunking table but the guide also names m5n as not supported: no trunk limit.
    ["m5n.large", true, undefined, 3],
    // Burstable types are not in the trunking table.
    ["t3.medium", true, undefined, 3],
  ] as const)("%s (trunk: %s) → branch %s, else %s interfaces", (type, hasTrunk, branch, interfaces) => {
    expect(trunkEniLimit(type, hasTrunk)).toBe(branch);
    expect(maxNetworkInterfaces(type)).toBe(interfaces);
  });

  it("reports a trunked node whose type the guide does not list, and only that", () => {
    const unlisted: string[] = [];
    const report = (type: string) => unlisted.push(type);
    trunkEniLimit("t3.medium", true, report); // unlisted, trunked
    trunkEniLimit("t3.medium", false, report); // unlisted, no trunk: nothing to report
    trunkEniLimit("m5n.large", true, report); // named as not supported: counted without trunking, not "unlisted"
    trunkEniLimit("c5.large", true, report); // supported
    expect(unlisted).toEqual(["t3.medium"]);
  });
});
