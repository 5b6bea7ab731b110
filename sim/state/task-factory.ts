import type { SeededRng } from "../../lib/rng.js";
import type { AddressAllocator } from "./addresses.js";
import { allocateDynamicPort } from "./addresses.js";
import type { ArnBuilder } from "./arns.js";
import type {
  LaunchType,
  SimContainer,
  SimContainerInstance,
  SimNetworkBinding,
  SimTask,
  SimTaskDefinition,
} from "./model.js";
import type { InstanceBook } from "./store-state.js";

export interface BuildTaskArgs {
  def: SimTaskDefinition;
  clusterArn: string;
  clusterName: string;
  launchType: LaunchType;
  group: string;
  serviceName?: string | undefined;
  startedBy?: string | undefined;
  instance?: SimContainerInstance | undefined;
  book?: InstanceBook | undefined;
  availabilityZone: string;
  createdAt: Date;
  arns: ArnBuilder;
  rng: SeededRng;
  addresses: AddressAllocator;
}

/**
 * Creates a task in PROVISIONING and reserves what it takes on its instance (CPU, memory, an ENI slot,
 * host ports). The caller has already checked that it fits; {@link releaseTask} gives everything back.
 */
export function buildTask(a: BuildTaskArgs): SimTask {
  const id = a.rng.hex(32);
  const taskArn = a.arns.task(a.clusterName, id);
  const awsvpc = a.def.networkMode === "awsvpc" || a.launchType === "FARGATE";
  const eni = awsvpc
    ? {
        attachmentId: a.rng.uuid(),
        eniId: a.addresses.eniId(),
        privateIpv4Address: a.addresses.eniIp(),
        macAddress: a.addresses.macAddress(),
      }
    : undefined;
  const containers: SimContainer[] = a.def.containerDefinitions.map((c) => {
    const bindings: SimNetworkBinding[] = [];
    if (a.book && a.instance && (a.def.networkMode === "bridge" || a.def.networkMode === "host")) {
      for (const m of c.portMappings) {
        const hostPort =
          a.def.networkMode === "host"
            ? m.hostPort || m.containerPort
            : m.hostPort ||
              allocateDynamicPort(
                m.protocol === "udp" ? a.book.udpPorts : a.book.tcpPorts,
                m.protocol === "udp" ? a.book.udpCursor : a.book.portCursor,
              );
        if (hostPort === undefined) continue;
        (m.protocol === "udp" ? a.book.udpPorts : a.book.tcpPorts).add(hostPort);
        bindings.push({ bindIP: "0.0.0.0", containerPort: m.containerPort, hostPort, protocol: m.protocol });
      }
    }
    return {
      containerArn: a.arns.container(a.clusterName, id, a.rng.uuid()),
      name: c.name,
      runtimeId: a.addresses.runtimeId(),
      image: c.image,
      lastStatus: "PENDING",
      networkBindings: bindings,
      privateIpv4Address: eni?.privateIpv4Address,
      failure: c.failure ?? "none",
      series: c.series,
    };
  });
  const task: SimTask = {
    taskArn,
    id,
    clusterArn: a.clusterArn,
    taskDefinitionArn: a.def.taskDefinitionArn,
    containerInstanceArn: a.instance?.containerInstanceArn,
    launchType: a.launchType,
    group: a.group,
    serviceName: a.serviceName,
    lastStatus: "PROVISIONING",
    desiredStatus: "RUNNING",
    version: 0,
    createdAt: a.createdAt,
    containers,
    eni,
    cpu: a.def.cpu,
    memory: a.def.memory,
    startedBy: a.startedBy,
    availabilityZone: a.availabilityZone,
    connectivity: undefined,
    platformVersion: a.launchType === "FARGATE" ? "1.4.0" : undefined,
  };
  if (a.book) {
    a.book.tasks.add(task);
    if (a.def.networkMode === "awsvpc") a.book.enis++;
  }
  return task;
}

/** Gives back a stopped task's reservations and addresses. */
export function releaseTask(
  task: SimTask,
  book: InstanceBook | undefined,
  reserved: { cpu: number; memory: number },
  addresses: AddressAllocator,
): void {
  if (book?.tasks.delete(task)) {
    book.cpu -= reserved.cpu;
    book.memory -= reserved.memory;
    if (task.eni) book.enis--;
    for (const c of task.containers) {
      for (const b of c.networkBindings) (b.protocol === "udp" ? book.udpPorts : book.tcpPorts).delete(b.hostPort);
    }
  }
  if (task.eni) addresses.releaseEniIp(task.eni.privateIpv4Address);
}
