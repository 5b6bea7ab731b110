import type { ObservedService, ObservedServiceLabels, ObservedTask } from "../model.js";
import type { EcsApi } from "./aws-apis.js";
import { type CallRecorder, chunk, mapLimit } from "./call-stats.js";
import { toResourceTags } from "./resource-tags.js";

/** What one read of a cluster's services produced. */
export interface ServicesRead {
  figures: ObservedService[];
  /** By service name; see {@link ObservedServiceLabels}. */
  labels: Map<string, ObservedServiceLabels>;
}

/**
 * ListServices (all pages) + DescribeServices (≤10 per call): every ACTIVE/DRAINING service, figures sorted by
 * name. DescribeServices asks for `include: ["TAGS"]`, so the tag_service_* labels cost no extra call. A service
 * whose ARN, status and tags did not change keeps its `previous` labels object, so plan() memoization (by
 * identity) is not invalidated every service period.
 */
export async function readServices(
  ecs: EcsApi,
  clusterArn: string,
  recorder: CallRecorder,
  concurrency: number,
  previous?: ReadonlyMap<string, ObservedServiceLabels>,
): Promise<ServicesRead> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await recorder.call("ecs:ListServices", () =>
      ecs.listServices({ cluster: clusterArn, maxResults: 100, nextToken: token }),
    );
    arns.push(...(page.serviceArns ?? []));
    token = page.nextToken;
  } while (token);
  const figures: ObservedService[] = [];
  const labels = new Map<string, ObservedServiceLabels>();
  await mapLimit(chunk(arns, 10), concurrency, async (batch) => {
    const out = await recorder.call("ecs:DescribeServices", () =>
      ecs.describeServices({ cluster: clusterArn, services: batch, include: ["TAGS"] }),
    );
    for (const s of out.services ?? []) {
      if (!s.serviceName || !s.serviceArn || s.status === "INACTIVE") continue;
      figures.push({
        serviceName: s.serviceName,
        serviceArn: s.serviceArn,
        desiredCount: s.desiredCount ?? 0,
        runningCount: s.runningCount ?? 0,
        pendingCount: s.pendingCount ?? 0,
      });
      const tags = toResourceTags(s.tags ?? []);
      const known = previous?.get(s.serviceName);
      const same = known?.serviceArn === s.serviceArn && known.status === s.status && known.tags === tags;
      labels.set(s.serviceName, same && known ? known : { serviceArn: s.serviceArn, status: s.status, tags });
    }
  });
  return { figures: figures.sort((a, b) => (a.serviceName < b.serviceName ? -1 : 1)), labels };
}

/** Running and pending counts per service from the task cache, desired counts as last described. */
export function countFromCache(
  services: readonly ObservedService[],
  tasks: ReadonlyMap<string, ObservedTask>,
): ObservedService[] {
  const running = new Map<string, number>();
  const pending = new Map<string, number>();
  for (const task of tasks.values()) {
    if (!task.serviceName || task.desiredStatus === "STOPPED") continue;
    if (task.lastStatus === "RUNNING") running.set(task.serviceName, (running.get(task.serviceName) ?? 0) + 1);
    else if (task.lastStatus === "PENDING" || task.lastStatus === "PROVISIONING" || task.lastStatus === "ACTIVATING") {
      pending.set(task.serviceName, (pending.get(task.serviceName) ?? 0) + 1);
    }
  }
  return services.map((s) => ({
    ...s,
    runningCount: running.get(s.serviceName) ?? 0,
    pendingCount: pending.get(s.serviceName) ?? 0,
  }));
}
