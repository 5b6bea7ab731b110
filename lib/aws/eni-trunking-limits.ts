import type { Logger } from "../logger.js";
import { ECS_TRUNKING_UNSUPPORTED_FAMILIES, ECS_TRUNKING_UNSUPPORTED_TYPES } from "./eni-trunking-unsupported.js";
import { loadInstanceTypeTable } from "./instance-type-table.js";

/**
 * Branch ENIs (awsvpc tasks) of a trunked container instance, from the ECS developer guide's "Supported Amazon EC2
 * instance types" table for ENI trunking (data/ecs-eni-trunking.txt, which names the source and its date).
 * DescribeInstanceTypes has no such figure.
 *
 * These figures apply only to an instance that has a trunk, i.e. carries the `ecs.awsvpc-trunk-id` attribute;
 * whether one does is the caller's question (docs/capacity.md).
 */

const ROWS = loadInstanceTypeTable("ecs-eni-trunking.txt", 2);
const UNSUPPORTED_TYPES = new Set(ECS_TRUNKING_UNSUPPORTED_TYPES);
const UNSUPPORTED_FAMILIES = new Set(ECS_TRUNKING_UNSUPPORTED_FAMILIES);

/**
 * What the guide says about `instanceType`:
 * - `supported`: listed with a positive task limit with trunking;
 * - `unsupported`: named as not supported (type or family), or listed with a limit below 1;
 * - `unlisted`: not mentioned (burstable families, older generations, types newer than the table).
 */
export type TrunkListing = "supported" | "unsupported" | "unlisted";

function familyOf(instanceType: string): string {
  const dot = instanceType.indexOf(".");
  return dot > 0 ? instanceType.slice(0, dot) : instanceType;
}

export function trunkListing(instanceType: string): TrunkListing {
  if (UNSUPPORTED_TYPES.has(instanceType) || UNSUPPORTED_FAMILIES.has(familyOf(instanceType))) return "unsupported";
  const row = ROWS.get(instanceType);
  if (!row) return "unlisted";
  return (row[1] ?? 0) > 0 ? "supported" : "unsupported";
}

/** Branch ENIs a trunk gives `instanceType`, or 0 when the guide does not list it as supported. */
export function trunkBranchEnis(instanceType: string | undefined): number {
  if (!instanceType || trunkListing(instanceType) !== "supported") return 0;
  return ROWS.get(instanceType)?.[1] ?? 0;
}

/**
 * The one rule for a node's ENI limit, used by the controller and the agent: when the node has a trunk (`hasTrunk`,
 * its `ecs.awsvpc-trunk-id` attribute) and the guide lists its type as supported, the limit is the trunk's branch
 * ENIs, returned here. Otherwise this returns undefined and the node counts by its maximum network interfaces
 * (maxNetworkInterfaces, the primary included). A trunked node whose type the guide does not list is reported to
 * `onUnlistedTrunkType` (it then counts without trunking, the conservative figure).
 */
export function trunkEniLimit(
  instanceType: string,
  hasTrunk: boolean,
  onUnlistedTrunkType?: (instanceType: string) => void,
): number | undefined {
  if (!hasTrunk) return undefined;
  const branch = trunkBranchEnis(instanceType);
  if (branch > 0) return branch;
  if (trunkListing(instanceType) === "unlisted") onUnlistedTrunkType?.(instanceType);
  return undefined;
}

/**
 * Warns once per instance type that an instance has a trunk but its type is not in the guide's table, so it is
 * counted without trunking (maximum ENIs − 1): the conservative figure. Later calls for the same type are silent.
 */
export function createUnlistedTrunkTypeWarning(logger: Logger): (instanceType: string) => void {
  const warned = new Set<string>();
  return (instanceType) => {
    if (warned.has(instanceType)) return;
    warned.add(instanceType);
    logger.warn(
      { instanceType },
      "instance has an ENI trunk (ecs.awsvpc-trunk-id) but its type is not in the ECS guide's ENI-trunking table; counting it without trunking",
    );
  };
}
