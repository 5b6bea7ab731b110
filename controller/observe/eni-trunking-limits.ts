/**
 * Branch ENIs (awsvpc tasks) per container instance with `awsvpcTrunking` on, from the ECS developer guide's
 * "Supported Amazon EC2 instance types" table for ENI trunking. DescribeInstanceTypes has no such figure.
 * The table follows a per-size pattern for every supported family; burstable families (t2, t3, t4g…) do
 * not support trunking.
 */

/** Instance families that support ENI trunking (ECS developer guide, "ENI trunking considerations"). */
const TRUNKING_FAMILIES = new Set([
  "a1",
  "c5",
  "c5a",
  "c5ad",
  "c5d",
  "c5n",
  "c6a",
  "c6g",
  "c6gd",
  "c6gn",
  "c6i",
  "c6id",
  "c7g",
  "d3",
  "d3en",
  "g4dn",
  "g5",
  "i3en",
  "i4i",
  "inf1",
  "m5",
  "m5a",
  "m5ad",
  "m5d",
  "m5dn",
  "m5n",
  "m5zn",
  "m6a",
  "m6g",
  "m6gd",
  "m6i",
  "m6id",
  "m7g",
  "p3",
  "p3dn",
  "p4d",
  "r5",
  "r5a",
  "r5ad",
  "r5b",
  "r5d",
  "r5dn",
  "r5n",
  "r6g",
  "r6gd",
  "r6i",
  "r6id",
  "r7g",
  "x2gd",
  "x2idn",
  "x2iedn",
]);

/** Branch ENIs by instance size for the supported families. */
const BRANCH_ENIS_BY_SIZE: Readonly<Record<string, number>> = {
  medium: 10,
  large: 10,
  xlarge: 20,
  "2xlarge": 40,
  "3xlarge": 40,
  "4xlarge": 60,
  "6xlarge": 60,
  "8xlarge": 60,
  "9xlarge": 60,
  "12xlarge": 60,
  "16xlarge": 120,
  "18xlarge": 120,
  "24xlarge": 120,
  "32xlarge": 120,
  metal: 120,
};

/** Figures that differ from the per-size pattern. */
const OVERRIDES: Readonly<Record<string, number>> = {
  "c5n.large": 10,
  "p3dn.24xlarge": 120,
  "p4d.24xlarge": 120,
};

/** Branch ENIs available with trunking for `instanceType`, or 0 when the type does not support trunking. */
export function trunkBranchEnis(instanceType: string | undefined): number {
  if (!instanceType) return 0;
  const override = OVERRIDES[instanceType];
  if (override !== undefined) return override;
  const dot = instanceType.indexOf(".");
  if (dot <= 0) return 0;
  const family = instanceType.slice(0, dot);
  const size = instanceType.slice(dot + 1);
  if (!TRUNKING_FAMILIES.has(family)) return 0;
  return BRANCH_ENIS_BY_SIZE[size] ?? 0;
}
