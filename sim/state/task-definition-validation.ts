import { AwsError } from "../aws/service.js";
import type { TaskDefinitionInput } from "./inputs.js";
import type { LaunchType, NetworkMode, SimContainerDefinition, SimTaskDefinition } from "./model.js";

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const NETWORK_MODES: readonly NetworkMode[] = ["bridge", "host", "awsvpc", "none"];

export type NormalizedTaskDefinition = Omit<
  SimTaskDefinition,
  "taskDefinitionArn" | "revision" | "status" | "registeredAt"
>;

function clientError(message: string): AwsError {
  return new AwsError("ClientException", message);
}

/**
 * RegisterTaskDefinition's validation, with ECS's messages: family and container names, memory
 * reservations, Fargate's requirements (awsvpc, task-level cpu/memory), and host/container port agreement
 * for awsvpc and host modes. Returns the definition with defaults applied (bridge, tcp, essential).
 */
export function validateTaskDefinition(input: TaskDefinitionInput): NormalizedTaskDefinition {
  if (typeof input.family !== "string" || !FAMILY.test(input.family)) {
    throw clientError(
      "Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.",
    );
  }
  const requires = input.requiresCompatibilities ?? [];
  const fargate = requires.includes("FARGATE");
  const networkMode: NetworkMode = input.networkMode ?? (fargate ? "awsvpc" : "bridge");
  if (!NETWORK_MODES.includes(networkMode)) throw clientError(`Invalid networkMode: ${String(networkMode)}`);
  if (fargate && networkMode !== "awsvpc") {
    throw clientError("Fargate only supports network mode 'awsvpc'.");
  }
  if (fargate && input.cpu === undefined)
    throw clientError("Fargate requires that 'cpu' be defined at the task level.");
  if (fargate && input.memory === undefined)
    throw clientError("Fargate requires that 'memory' be defined at the task level.");
  if (!Array.isArray(input.containerDefinitions) || input.containerDefinitions.length === 0) {
    throw clientError("Container list cannot be empty.");
  }
  const names = new Set<string>();
  const containers: SimContainerDefinition[] = input.containerDefinitions.map((c) => {
    if (typeof c.name !== "string" || !CONTAINER_NAME.test(c.name)) {
      throw clientError(
        "Container name should be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.",
      );
    }
    if (names.has(c.name)) throw clientError(`Duplicate container name: ${c.name}`);
    names.add(c.name);
    if (typeof c.image !== "string" || c.image === "")
      throw clientError("Container.image should not be null or empty.");
    if (input.memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw clientError(
        `Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
    if (c.memory !== undefined && c.memoryReservation !== undefined && c.memoryReservation > c.memory) {
      throw clientError(
        `Invalid setting for container '${c.name}'. The value for 'memoryReservation' must be less than or equal to 'memory'.`,
      );
    }
    const portMappings = (c.portMappings ?? []).map((m) => {
      if (!Number.isInteger(m.containerPort) || m.containerPort < 1 || m.containerPort > 65535) {
        throw clientError(`Invalid containerPort ${String(m.containerPort)} for container '${c.name}'.`);
      }
      if (m.hostPort !== undefined && (!Number.isInteger(m.hostPort) || m.hostPort < 0 || m.hostPort > 65535)) {
        throw clientError(`Invalid hostPort ${String(m.hostPort)} for container '${c.name}'.`);
      }
      if ((networkMode === "awsvpc" || networkMode === "host") && m.hostPort && m.hostPort !== m.containerPort) {
        throw clientError(
          `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
        );
      }
      const protocol: "tcp" | "udp" = m.protocol === "udp" ? "udp" : "tcp";
      const hostPort = networkMode === "awsvpc" || networkMode === "host" ? m.containerPort : m.hostPort;
      return { containerPort: m.containerPort, hostPort, protocol };
    });
    return {
      name: c.name,
      image: c.image,
      cpu: c.cpu,
      memory: c.memory,
      memoryReservation: c.memoryReservation,
      essential: c.essential ?? true,
      portMappings,
      dockerLabels: { ...(c.dockerLabels ?? {}) },
      environment: [...(c.environment ?? [])],
      failure: c.failure,
      series: c.series,
    };
  });
  const compatibilities: LaunchType[] = ["EC2"];
  if (networkMode === "awsvpc" && input.cpu !== undefined && input.memory !== undefined)
    compatibilities.push("FARGATE");
  return {
    family: input.family,
    networkMode,
    requiresCompatibilities: [...requires],
    cpu: input.cpu,
    memory: input.memory,
    containerDefinitions: containers,
    taskRoleArn: input.taskRoleArn,
    executionRoleArn: input.executionRoleArn,
    compatibilities,
  };
}
