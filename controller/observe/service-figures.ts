import type { ObservedService, ObservedTask } from "../model.js";
import type { EcsApi } from "./aws-apis.js";
import { type CallRecorder, chunk, mapLimit } from "./call-stats.js";

/** ListServices (all pages) + DescribeServices (≤10 per call): every ACTIVE/DRAINING service, sorted by name. */
export async function readServices(
  ecs: EcsApi,
  clusterArn: string,
  recorder: CallRecorder,
  concurrency: number,
): Promise<ObservedService[]> {
  const arns: string[] = [];
  let token: string | undefined;
  do {
    const page = await recorder.call("ecs:ListServices", () =>
      ecs.listServices({ cluster: clusterArn, maxResults: 100, nextToken: token }),
    );
    arns.push(...(page.serviceArns ?? []));
    token = page.nextToken;
  } while (token);
  const services: ObservedService[] = [];
  await mapLimit(chunk(arns, 10), concurrency, async (batch) => {
    const out = await recorder.call("ecs:DescribeServices", () =>
      ecs.describeServices({ cluster: clusterArn, services: batch }),
    );
    for (const s of out.services ?? []) {
      if (!s.serviceName || !s.serviceArn || s.status === "INACTIVE") continue;
      services.push({
        serviceName: s.serviceName,
        serviceArn: s.serviceArn,
        desiredCount: s.desiredCount ?? 0,
        runningCount: s.runningCount ?? 0,
        pendingCount: s.pendingCount ?? 0,
      });
    }
  });
  return services.sort((a, b) => (a.serviceName < b.serviceName ? -1 : 1));
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
