/**
 * ARN parsing, written once. ECS ARNs come in two formats (the ECS developer guide, "Amazon Resource Names"):
 * the old `arn:aws:ecs:region:account:task/<id>` and the new `arn:aws:ecs:region:account:task/<cluster>/<id>`;
 * both end in the resource id. Callers may hold either a bare name or a full ARN.
 */

/** The last segment of an ARN's resource part (`…:task/cluster/abc` → `abc`, `…:log-group:x` → `x`); a bare id is returned as is. */
export function arnId(arn: string): string {
  const slash = arn.lastIndexOf("/");
  return slash >= 0 ? arn.slice(slash + 1) : arn.slice(arn.lastIndexOf(":") + 1);
}

/** A cluster name from a cluster name or a cluster ARN (`arn:aws:ecs:r:a:cluster/name` → `name`). */
export function clusterNameOf(clusterOrArn: string): string {
  return clusterOrArn.startsWith("arn:") ? arnId(clusterOrArn) : clusterOrArn;
}
