/**
 * The Amazon ECS developer guide's table "Supported Amazon EC2 instance types" for ENI trunking, as data.
 *
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/eni-trunking-supported-instance-types.html
 * (formerly container-instance-eni.html#eni-trunking-supported-instance-types). Transcribed on 2026-12-06 from the
 * guide's published Markdown source, github.com/awsdocs/amazon-ecs-developer-guide, file
 * doc_source/container-instance-eni.md at commit 021abe8ca185a054dea7bab21e631f9461e05bd6: the guide's last
 * public source revision (2023, after the m7g/r7g launches; AWS archived that repository afterwards). Types
 * launched since (7th-generation Intel/AMD, 8th-generation Graviton, …) are not in it and count as not listed.
 *
 * Each row is `instance-type  task-limit-without-trunking  task-limit-with-trunking`, exactly as published, in the
 * guide's order (general purpose, compute, memory, storage, accelerated). The guide defines the ENI limit as the
 * first figure + 1 (the primary ENI) and the second + 2 (primary and trunk), so the second figure is the number of
 * branch ENIs, i.e. awsvpc tasks, a trunked instance takes.
 *
 * The guide contradicts itself in places; they are kept verbatim here and resolved in eni-trunking-limits.ts:
 * - rows of families or types it also lists as not supported (m5n, m5zn, r5b, r5dn, u-6tb1, c5a.8xlarge):
 *   the "not supported" statement wins;
 * - i4i.large's published trunk figure is −2, which allows no task: it counts as not supported.
 */
export const ECS_TRUNKING_TABLE = `
a1.medium 1 10
a1.large 2 10
a1.xlarge 3 20
a1.2xlarge 3 40
a1.4xlarge 7 60
m5.large 2 10
m5.xlarge 3 20
m5.2xlarge 3 40
m5.4xlarge 7 60
m5.8xlarge 7 60
m5.12xlarge 7 60
m5.16xlarge 14 120
m5.24xlarge 14 120
m5a.large 2 10
m5a.xlarge 3 20
m5a.2xlarge 3 40
m5a.4xlarge 7 60
m5a.8xlarge 7 60
m5a.12xlarge 7 60
m5a.16xlarge 14 120
m5a.24xlarge 14 120
m5ad.large 2 10
m5ad.xlarge 3 20
m5ad.2xlarge 3 40
m5ad.4xlarge 7 60
m5ad.8xlarge 7 60
m5ad.12xlarge 7 60
m5ad.16xlarge 14 120
m5ad.24xlarge 14 120
m5d.large 2 10
m5d.xlarge 3 20
m5d.2xlarge 3 40
m5d.4xlarge 7 60
m5d.8xlarge 7 60
m5d.12xlarge 7 60
m5d.16xlarge 14 120
m5d.24xlarge 14 120
m5d.metal 14 120
m5n.large 2 10
m5n.xlarge 3 20
m5n.2xlarge 3 40
m5n.4xlarge 7 60
m5n.8xlarge 7 60
m5n.12xlarge 7 60
m5n.16xlarge 14 120
m5zn.large 2 14
m5zn.xlarge 3 31
m5zn.2xlarge 3 64
m5zn.3xlarge 7 98
m5zn.6xlarge 7 120
m6a.large 2 10
m6a.xlarge 3 20
m6a.2xlarge 3 40
m6a.4xlarge 7 60
m6a.8xlarge 7 90
m6a.12xlarge 7 120
m6a.16xlarge 14 120
m6a.24xlarge 14 120
m6a.32xlarge 14 120
m6a.48xlarge 14 120
m6a.metal 14 120
m6g.medium 1 4
m6g.large 2 10
m6g.xlarge 3 20
m6g.2xlarge 3 40
m6g.4xlarge 7 60
m6g.8xlarge 7 60
m6g.12xlarge 7 60
m6g.16xlarge 14 120
m6g.metal 14 120
m6gd.medium 1 4
m6gd.large 2 10
m6gd.xlarge 3 20
m6gd.2xlarge 3 40
m6gd.4xlarge 7 60
m6gd.8xlarge 7 60
m6gd.12xlarge 7 60
m6gd.16xlarge 14 120
m6gd.metal 14 120
m6i.large 2 10
m6i.xlarge 3 20
m6i.2xlarge 3 40
m6i.4xlarge 7 60
m6i.8xlarge 7 90
m6i.12xlarge 7 120
m6i.16xlarge 14 120
m6i.24xlarge 14 120
m6i.32xlarge 14 120
m6i.metal 14 120
m6id.large 2 10
m6id.xlarge 3 20
m6id.2xlarge 3 40
m6id.4xlarge 7 60
m6id.8xlarge 7 90
m6id.12xlarge 7 120
m6id.16xlarge 14 120
m6id.24xlarge 14 120
m6id.32xlarge 14 120
m6id.metal 14 120
m6idn.large 2 10
m6idn.xlarge 3 20
m6idn.2xlarge 3 40
m6idn.4xlarge 7 60
m6idn.8xlarge 7 90
m6idn.12xlarge 7 120
m6idn.16xlarge 14 120
m6idn.24xlarge 14 120
m6idn.32xlarge 13 120
m6idn.metal 13 120
m6in.large 2 10
m6in.xlarge 3 20
m6in.2xlarge 3 40
m6in.4xlarge 7 60
m6in.8xlarge 7 90
m6in.12xlarge 7 120
m6in.16xlarge 14 120
m6in.24xlarge 14 120
m6in.32xlarge 13 120
m6in.metal 13 120
m7g.medium 1 4
m7g.large 2 10
m7g.xlarge 3 20
m7g.2xlarge 3 40
m7g.4xlarge 7 60
m7g.8xlarge 7 60
m7g.12xlarge 7 60
m7g.16xlarge 14 120
m7g.metal 14 120
mac2.metal 7 12
c5.large 2 10
c5.xlarge 3 20
c5.2xlarge 3 40
c5.4xlarge 7 60
c5.9xlarge 7 60
c5.12xlarge 7 60
c5.18xlarge 14 120
c5.24xlarge 14 120
c5a.large 2 10
c5a.xlarge 3 20
c5a.2xlarge 3 40
c5a.4xlarge 7 60
c5a.8xlarge 7 60
c5a.12xlarge 7 60
c5a.16xlarge 14 120
c5a.24xlarge 14 120
c5ad.large 2 10
c5ad.xlarge 3 20
c5ad.2xlarge 3 40
c5ad.4xlarge 7 60
c5ad.12xlarge 7 60
c5ad.16xlarge 14 120
c5ad.24xlarge 14 120
c5d.large 2 10
c5d.xlarge 3 20
c5d.2xlarge 3 40
c5d.4xlarge 7 60
c5d.9xlarge 7 60
c5d.12xlarge 7 60
c5d.18xlarge 14 120
c5d.24xlarge 14 120
c6a.large 2 10
c6a.xlarge 3 20
c6a.2xlarge 3 40
c6a.4xlarge 7 60
c6a.8xlarge 7 90
c6a.12xlarge 7 120
c6a.16xlarge 14 120
c6a.24xlarge 14 120
c6a.32xlarge 14 120
c6a.48xlarge 14 120
c6a.metal 14 120
c6g.medium 1 4
c6g.large 2 10
c6g.xlarge 3 20
c6g.2xlarge 3 40
c6g.4xlarge 7 60
c6g.8xlarge 7 60
c6g.12xlarge 7 60
c6g.16xlarge 14 120
c6g.metal 14 120
c6gd.medium 1 4
c6gd.large 2 10
c6gd.xlarge 3 20
c6gd.2xlarge 3 40
c6gd.4xlarge 7 60
c6gd.8xlarge 7 60
c6gd.12xlarge 7 60
c6gd.16xlarge 14 120
c6gd.metal 14 120
c6gn.medium 1 4
c6gn.large 2 10
c6gn.xlarge 3 20
c6gn.2xlarge 3 40
c6gn.4xlarge 7 60
c6gn.8xlarge 7 60
c6gn.12xlarge 7 60
c6gn.16xlarge 14 120
c6i.large 2 10
c6i.xlarge 3 20
c6i.2xlarge 3 40
c6i.4xlarge 7 60
c6i.8xlarge 7 90
c6i.12xlarge 7 120
c6i.16xlarge 14 120
c6i.24xlarge 14 120
c6i.32xlarge 14 120
c6i.metal 14 120
c6id.large 2 10
c6id.xlarge 3 20
c6id.2xlarge 3 40
c6id.4xlarge 7 60
c6id.8xlarge 7 90
c6id.12xlarge 7 120
c6id.16xlarge 14 120
c6id.24xlarge 14 120
c6id.32xlarge 14 120
c6id.metal 14 120
c6in.large 2 10
c6in.xlarge 3 20
c6in.2xlarge 3 40
c6in.4xlarge 7 60
c6in.8xlarge 7 90
c6in.12xlarge 7 120
c6in.16xlarge 14 120
c6in.24xlarge 14 120
c6in.32xlarge 13 120
c6in.metal 13 120
c7g.medium 1 4
c7g.large 2 10
c7g.xlarge 3 20
c7g.2xlarge 3 40
c7g.4xlarge 7 60
c7g.8xlarge 7 60
c7g.12xlarge 7 60
c7g.16xlarge 14 120
c7g.metal 14 120
hpc6a.48xlarge 1 120
hpc6id.32xlarge 1 120
r5.large 2 10
r5.xlarge 3 20
r5.2xlarge 3 40
r5.4xlarge 7 60
r5.12xlarge 7 60
r5.16xlarge 14 120
r5.24xlarge 14 120
r5a.large 2 10
r5a.xlarge 3 20
r5a.2xlarge 3 40
r5a.4xlarge 7 60
r5a.8xlarge 7 60
r5a.12xlarge 7 60
r5a.16xlarge 14 120
r5a.24xlarge 14 120
r5ad.large 2 10
r5ad.xlarge 3 20
r5ad.2xlarge 3 40
r5ad.4xlarge 7 60
r5ad.8xlarge 7 60
r5ad.12xlarge 7 60
r5ad.16xlarge 14 120
r5ad.24xlarge 14 120
r5b.16xlarge 14 120
r5d.large 2 10
r5d.xlarge 3 20
r5d.2xlarge 3 40
r5d.4xlarge 7 60
r5d.8xlarge 7 60
r5d.12xlarge 7 60
r5d.16xlarge 14 120
r5d.24xlarge 14 120
r5dn.16xlarge 14 120
r6a.large 2 10
r6a.xlarge 3 20
r6a.2xlarge 3 40
r6a.4xlarge 7 60
r6a.8xlarge 7 90
r6a.12xlarge 7 120
r6a.16xlarge 14 120
r6a.24xlarge 14 120
r6a.32xlarge 14 120
r6a.48xlarge 14 120
r6a.metal 14 120
r6g.medium 1 4
r6g.large 2 10
r6g.xlarge 3 20
r6g.2xlarge 3 40
r6g.4xlarge 7 60
r6g.8xlarge 7 60
r6g.12xlarge 7 60
r6g.16xlarge 14 120
r6g.metal 14 120
r6gd.medium 1 4
r6gd.large 2 10
r6gd.xlarge 3 20
r6gd.2xlarge 3 40
r6gd.4xlarge 7 60
r6gd.8xlarge 7 60
r6gd.12xlarge 7 60
r6gd.16xlarge 14 120
r6gd.metal 14 120
r6i.large 2 10
r6i.xlarge 3 20
r6i.2xlarge 3 40
r6i.4xlarge 7 60
r6i.8xlarge 7 90
r6i.12xlarge 7 120
r6i.16xlarge 14 120
r6i.24xlarge 14 120
r6i.32xlarge 14 120
r6i.metal 14 120
r6idn.large 2 10
r6idn.xlarge 3 20
r6idn.2xlarge 3 40
r6idn.4xlarge 7 60
r6idn.8xlarge 7 90
r6idn.12xlarge 7 120
r6idn.16xlarge 14 120
r6idn.24xlarge 14 120
r6idn.32xlarge 13 120
r6idn.metal 13 120
r6in.large 2 10
r6in.xlarge 3 20
r6in.2xlarge 3 40
r6in.4xlarge 7 60
r6in.8xlarge 7 90
r6in.12xlarge 7 120
r6in.16xlarge 14 120
r6in.24xlarge 14 120
r6in.32xlarge 13 120
r6in.metal 13 120
r6id.large 2 10
r6id.xlarge 3 20
r6id.2xlarge 3 40
r6id.4xlarge 7 60
r6id.8xlarge 7 90
r6id.12xlarge 7 120
r6id.16xlarge 14 120
r6id.24xlarge 14 120
r6id.32xlarge 14 120
r6id.metal 14 120
r7g.medium 1 4
r7g.large 2 10
r7g.xlarge 3 20
r7g.2xlarge 3 40
r7g.4xlarge 7 60
r7g.8xlarge 7 60
r7g.12xlarge 7 60
r7g.16xlarge 14 120
r7g.metal 14 120
u-3tb1.56xlarge 7 12
u-6tb1.56xlarge 14 12
u-18tb1.metal 14 12
u-24tb1.metal 14 12
x2gd.medium 1 10
x2gd.large 2 10
x2gd.xlarge 3 20
x2gd.2xlarge 3 40
x2gd.4xlarge 7 60
x2gd.8xlarge 7 60
x2gd.12xlarge 7 60
x2gd.16xlarge 14 120
x2gd.metal 14 120
x2idn.16xlarge 14 120
x2idn.24xlarge 14 120
x2idn.32xlarge 14 120
x2idn.metal 14 120
x2iedn.xlarge 3 13
x2iedn.2xlarge 3 29
x2iedn.4xlarge 7 60
x2iedn.8xlarge 7 120
x2iedn.16xlarge 14 120
x2iedn.24xlarge 14 120
x2iedn.32xlarge 14 120
x2iedn.metal 14 120
x2iezn.2xlarge 3 64
x2iezn.4xlarge 7 120
x2iezn.6xlarge 7 120
x2iezn.8xlarge 7 120
x2iezn.12xlarge 14 120
x2iezn.metal 14 120
i4i.large 2 -2
i4i.xlarge 3 8
i4i.2xlarge 3 28
i4i.4xlarge 7 58
i4i.8xlarge 7 118
i4i.16xlarge 14 248
i4i.32xlarge 14 498
i4i.metal 14 498
im4gn.large 2 10
im4gn.xlarge 3 20
im4gn.2xlarge 3 40
im4gn.4xlarge 7 60
im4gn.8xlarge 7 60
im4gn.16xlarge 14 120
is4gen.medium 1 4
is4gen.large 2 10
is4gen.xlarge 3 20
is4gen.2xlarge 3 40
is4gen.4xlarge 7 60
is4gen.8xlarge 7 60
dl1.24xlarge 59 120
g4ad.xlarge 1 12
g4ad.2xlarge 1 12
g4ad.4xlarge 2 12
g4ad.8xlarge 3 12
g4ad.16xlarge 7 12
g5.xlarge 3 6
g5.2xlarge 3 19
g5.4xlarge 7 40
g5.8xlarge 7 90
g5.12xlarge 14 120
g5.16xlarge 7 120
g5.24xlarge 14 120
g5.48xlarge 6 120
g5g.xlarge 3 20
g5g.2xlarge 3 40
g5g.4xlarge 7 60
g5g.8xlarge 7 60
g5g.16xlarge 14 120
g5g.metal 14 120
p3.2xlarge 3 40
p3.8xlarge 7 60
p3.16xlarge 7 120
p4d.24xlarge 59 120
p4de.24xlarge 59 120
trn1.2xlarge 3 19
trn1.32xlarge 39 120
vt1.3xlarge 3 40
vt1.6xlarge 7 60
vt1.24xlarge 14 120
`;

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
