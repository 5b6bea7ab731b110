import type { SimInstanceType, SimTaskDefinition } from "./model.js";

/** What one task needs from a container instance. */
export interface TaskRequirements {
  cpu: number;
  memory: number;
  /** Static host ports (bridge with a fixed hostPort, or host mode). */
  staticTcpPorts: number[];
  staticUdpPorts: number[];
  /** Bridge mappings without hostPort: one ephemeral port each. */
  dynamicTcpPorts: number;
  dynamicUdpPorts: number;
  /** awsvpc on EC2: one ENI slot (a branch ENI with trunking). */
  eni: boolean;
}

/** What is already taken on a container instance. */
export interface InstanceUsage {
  cpu: number;
  memory: number;
  enis: number;
  tcpPorts: ReadonlySet<number>;
  udpPorts: ReadonlySet<number>;
}

export interface InstanceCapacity {
  cpu: number;
  memory: number;
  type: SimInstanceType | undefined;
  trunking: boolean;
}

export type PlacementReason = "RESOURCE:CPU" | "RESOURCE:MEMORY" | "RESOURCE:ENI" | "RESOURCE:PORTS";

/**
 * Placement demand of a task definition, per the ECS rules: task-level cpu/memory when set, else the sum
 * of the container reservations (memoryReservation, else memory); host ports depend on the network mode.
 */
export function taskRequirements(def: SimTaskDefinition): TaskRequirements {
  let cpu = 0;
  let memory = 0;
  const req: TaskRequirements = {
    cpu: 0,
    memory: 0,
    staticTcpPorts: [],
    staticUdpPorts: [],
    dynamicTcpPorts: 0,
    dynamicUdpPorts: 0,
    eni: def.networkMode === "awsvpc",
  };
  for (const c of def.containerDefinitions) {
    cpu += c.cpu ?? 0;
    memory += c.memoryReservation ?? c.memory ?? 0;
    if (def.networkMode !== "bridge" && def.networkMode !== "host") continue;
    for (const m of c.portMappings) {
      const hostPort = def.networkMode === "host" ? m.hostPort || m.containerPort : m.hostPort;
      if (hostPort) {
        (m.protocol === "udp" ? req.staticUdpPorts : req.staticTcpPorts).push(hostPort);
      } else if (m.protocol === "udp") {
        req.dynamicUdpPorts++;
      } else {
        req.dynamicTcpPorts++;
      }
    }
  }
  req.cpu = def.cpu ?? cpu;
  req.memory = def.memory ?? memory;
  return req;
}

/** ENI slots an instance offers awsvpc tasks: maxEnis − 1 (the primary), or the trunk branch limit. */
export function eniSlots(capacity: InstanceCapacity): number {
  const type = capacity.type;
  if (!type) return 0;
  if (capacity.trunking && type.trunkBranchEnis > 0) return type.trunkBranchEnis;
  return Math.max(0, type.maxEnis - 1);
}

/**
 * Why `req` does not fit on an instance, checked in the order ECS reports them (CPU, MEMORY, ENI, PORTS),
 * or undefined when it fits.
 */
export function placementFailure(
  req: TaskRequirements,
  capacity: InstanceCapacity,
  usage: InstanceUsage,
  ephemeralFree: number,
): PlacementReason | undefined {
  if (usage.cpu + req.cpu > capacity.cpu) return "RESOURCE:CPU";
  if (usage.memory + req.memory > capacity.memory) return "RESOURCE:MEMORY";
  if (req.eni && usage.enis + 1 > eniSlots(capacity)) return "RESOURCE:ENI";
  if (hasDuplicates(req.staticTcpPorts) || hasDuplicates(req.staticUdpPorts)) return "RESOURCE:PORTS";
  for (const p of req.staticTcpPorts) if (usage.tcpPorts.has(p)) return "RESOURCE:PORTS";
  for (const p of req.staticUdpPorts) if (usage.udpPorts.has(p)) return "RESOURCE:PORTS";
  if (req.dynamicTcpPorts + req.dynamicUdpPorts > ephemeralFree) return "RESOURCE:PORTS";
  return undefined;
}

function hasDuplicates(ports: number[]): boolean {
  return ports.length > 1 && new Set(ports).size !== ports.length;
}
