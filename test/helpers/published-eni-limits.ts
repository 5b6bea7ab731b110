/**
 * The test reference for ENI limits: rows copied by hand from AWS's published tables, independent of the data
 * modules the code reads (lib/aws/data/*.txt) and of the simulator's catalogue.
 *
 * - `maxEnis`: EC2 user guide, "IP addresses per network interface per instance type", column "Maximum network
 *   interfaces" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#AvailableIpPerENI).
 * - `trunkTasks`: ECS developer guide, "Supported Amazon EC2 instance types" for ENI trunking, column "Task limit
 *   with ENI trunking" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/eni-trunking-supported-instance-types.html);
 *   0 where the guide names the type or its family as not supported, or does not list it (burstable t3).
 */
export const PUBLISHED_ENI_LIMITS: Readonly<Record<string, { maxEnis: number; trunkTasks: number }>> = {
  "t3.medium": { maxEnis: 3, trunkTasks: 0 },
  "c5.xlarge": { maxEnis: 4, trunkTasks: 20 },
  "m5.2xlarge": { maxEnis: 4, trunkTasks: 40 },
  "c6g.medium": { maxEnis: 2, trunkTasks: 4 },
  "m6i.8xlarge": { maxEnis: 8, trunkTasks: 90 },
  "c5n.large": { maxEnis: 3, trunkTasks: 0 },
};

/** awsvpc task slots of `type` per the published tables: branch ENIs with a trunk, else maximum ENIs − 1. */
export function publishedTaskSlots(type: string, hasTrunk: boolean): number {
  const row = PUBLISHED_ENI_LIMITS[type];
  if (!row) throw new Error(`no published ENI row for ${type} in test/helpers/published-eni-limits.ts`);
  return hasTrunk && row.trunkTasks > 0 ? row.trunkTasks : row.maxEnis - 1;
}
