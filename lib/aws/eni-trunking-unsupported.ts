/**
 * The types and families the Amazon ECS developer guide names as not supported for ENI trunking, beside its table
 * "Supported Amazon EC2 instance types" (data/ecs-eni-trunking.txt, which names the source and its date).
 */

/**
 * The guide's "Important" note: "Although other instance types are supported in the same instance family, the …
 * instance types are not supported."
 */
export const ECS_TRUNKING_UNSUPPORTED_TYPES: readonly string[] = [
  "a1.metal",
  "c5.metal",
  "c5a.8xlarge",
  "c5ad.8xlarge",
  "c5d.metal",
  "m5.metal",
  "p3dn.24xlarge",
  "r5.metal",
  "r5.8xlarge",
  "r5d.metal",
];

/** The same note: "The … instance families are not supported." */
export const ECS_TRUNKING_UNSUPPORTED_FAMILIES: readonly string[] = [
  "c5n",
  "d3",
  "d3en",
  "g3",
  "g3s",
  "g4dn",
  "i3",
  "i3en",
  "inf1",
  "m5dn",
  "m5n",
  "m5zn",
  "mac1",
  "r5b",
  "r5n",
  "r5dn",
  "u-12tb1",
  "u-6tb1",
  "u-9tb1",
  "z1d",
];
