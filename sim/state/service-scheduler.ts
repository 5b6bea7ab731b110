import type { RunTaskInput, RunTaskResult } from "./inputs.js";
import type { SimContainerInstance, SimService, SimTask } from "./model.js";

/** What the scheduler needs from the store (ClusterStore implements it). */
export interface SchedulerStore {
  liveServiceTasks(serviceArn: string): SimTask[];
  stopTask(taskArnOrId: string, reason?: string, stopCode?: SimTask["stopCode"]): SimTask;
  runTask(input: RunTaskInput): RunTaskResult;
  serviceEvent(service: SimService, message: string): void;
  instances(clusterArn?: string): SimContainerInstance[];
}

const REASON_TEXT: Record<string, string> = {
  "RESOURCE:CPU": "insufficient CPU units available",
  "RESOURCE:MEMORY": "insufficient memory available",
  "RESOURCE:ENI": "insufficient free elastic network interfaces available",
  "RESOURCE:PORTS": "the ports required by the task are already in use",
};

/**
 * The service scheduler for one service, level-triggered: it compares the service's live tasks (desired
 * RUNNING) with what the service wants and starts or stops the difference. REPLICA services keep
 * `desiredCount` tasks of the current task definition (replacing outdated ones); DAEMON services keep one
 * task on every ACTIVE, connected instance. Placement failures become service events, as in ECS.
 */
export function reconcileService(store: SchedulerStore, service: SimService): void {
  const live = store.liveServiceTasks(service.serviceArn);
  if (service.status !== "ACTIVE") {
    for (const task of live) store.stopTask(task.taskArn, "Service deleted", "ServiceSchedulerInitiated");
    return;
  }
  const current: SimTask[] = [];
  const outdated: SimTask[] = [];
  for (const task of live) (task.taskDefinitionArn === service.taskDefinitionArn ? current : outdated).push(task);

  if (service.schedulingStrategy === "DAEMON") {
    reconcileDaemon(store, service, current);
  } else {
    if (current.length < service.desiredCount) {
      const result = store.runTask({
        cluster: service.clusterArn,
        taskDefinition: service.taskDefinitionArn,
        count: service.desiredCount - current.length,
        launchType: service.launchType,
        serviceName: service.serviceName,
        startedBy: service.deploymentId,
      });
      report(store, service, result.tasks, result.failures);
    } else if (current.length > service.desiredCount) {
      const excess = [...current]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .slice(0, current.length - service.desiredCount);
      for (const task of excess) {
        store.stopTask(
          task.taskArn,
          "Scaling activity initiated by (deployment " + service.deploymentId + ")",
          "ServiceSchedulerInitiated",
        );
      }
      if (excess.length > 0) {
        store.serviceEvent(
          service,
          `has stopped ${excess.length} running tasks: ${excess.map((t) => `(task ${t.id})`).join(" ")}.`,
        );
      }
    }
  }
  if (outdated.length > 0) {
    for (const task of outdated) {
      store.stopTask(task.taskArn, "Deployment replaced the task definition", "ServiceSchedulerInitiated");
    }
  }
}

function reconcileDaemon(store: SchedulerStore, service: SimService, current: SimTask[]): void {
  const covered = new Set(current.map((t) => t.containerInstanceArn));
  const eligible = store.instances(service.clusterArn).filter((i) => i.status === "ACTIVE" && i.agentConnected);
  service.desiredCount = eligible.length;
  const missing = eligible.filter((i) => !covered.has(i.containerInstanceArn));
  if (missing.length === 0) return;
  const result = store.runTask({
    cluster: service.clusterArn,
    taskDefinition: service.taskDefinitionArn,
    containerInstances: missing.map((i) => i.containerInstanceArn),
    launchType: "EC2",
    serviceName: service.serviceName,
    startedBy: service.deploymentId,
  });
  report(store, service, result.tasks, result.failures);
}

function report(
  store: SchedulerStore,
  service: SimService,
  started: SimTask[],
  failures: { arn?: string | undefined; reason: string }[],
): void {
  if (started.length > 0) {
    store.serviceEvent(
      service,
      `has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(" ")}.`,
    );
  }
  const first = failures[0];
  if (first) {
    const closest = first.arn
      ? `The closest matching (container-instance ${first.arn.split("/").pop()}) has ${REASON_TEXT[first.reason] ?? first.reason}. `
      : "";
    store.serviceEvent(
      service,
      `was unable to place a task because no container instance met all of its requirements. ${closest}For more information, see the Troubleshooting section.`,
    );
  }
}
