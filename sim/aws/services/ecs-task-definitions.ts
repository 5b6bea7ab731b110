import type { ClusterStore } from "../../state/cluster-store.js";
import type { ContainerDefinitionInput } from "../../state/inputs.js";
import type { LaunchType, NetworkMode } from "../../state/model.js";
import { AwsError, type OperationHandler } from "../service.js";
import { ecsReader, invalid, parseCpuOrMemory } from "./ecs-input.js";
import { shapeTaskDefinition } from "./ecs-shapes.js";

function num(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Decodes one API `ContainerDefinition` into the store's input shape. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function containerInput(raw: unknown, index: number): ContainerDefinitionInput {
  if (!isRecord(raw)) throw invalid(`containerDefinitions[${index}] must be a structure.`);
  const labels = raw.dockerLabels;
  const env = Array.isArray(raw.environment) ? raw.environment.filter(isRecord) : [];
  const mappings = Array.isArray(raw.portMappings) ? raw.portMappings : [];
  if (!mappings.every(isRecord))
    throw invalid(`containerDefinitions[${index}].portMappings must be a list of structures.`);
  return {
    name: raw.name as string,
    image: raw.image as string,
    cpu: num(raw.cpu),
    memory: num(raw.memory),
    memoryReservation: num(raw.memoryReservation),
    essential: raw.essential === undefined ? true : raw.essential === true || raw.essential === "true",
    dockerLabels:
      labels && typeof labels === "object" && !Array.isArray(labels)
        ? Object.fromEntries(Object.entries(labels as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
        : {},
    environment: env.map((e) => ({ name: String(e.name), value: String(e.value ?? "") })),
    portMappings: mappings.map((m) => ({
      containerPort: num(m.containerPort) as number,
      hostPort: num(m.hostPort),
      protocol: m.protocol === "udp" ? "udp" : "tcp",
    })),
  };
}

/** DescribeTaskDefinition (ecsmon's observer); RegisterTaskDefinition (tests that add a definition as a user would). */
export function taskDefinitionOperations(store: ClusterStore): Record<string, OperationHandler> {
  const RegisterTaskDefinition: OperationHandler = (input) => {
    const r = ecsReader(input);
    const family = r.reqStr("family");
    const containers = r.list<unknown>("containerDefinitions") ?? r.missing("containerDefinitions");
    const def = store.registerTaskDefinition({
      family,
      networkMode: r.oneOf("networkMode", ["bridge", "host", "awsvpc", "none"] as const) as NetworkMode | undefined,
      requiresCompatibilities: r.list<LaunchType>("requiresCompatibilities"),
      cpu: parseCpuOrMemory(input.cpu, "cpu"),
      memory: parseCpuOrMemory(input.memory, "memory"),
      taskRoleArn: r.str("taskRoleArn"),
      executionRoleArn: r.str("executionRoleArn"),
      containerDefinitions: containers.map(containerInput),
    });
    return { taskDefinition: shapeTaskDefinition(def), tags: [] };
  };

  const DescribeTaskDefinition: OperationHandler = (input) => {
    const r = ecsReader(input);
    const ref = r.reqStr("taskDefinition");
    const def = store.resolveTaskDefinition(ref);
    if (!def) throw new AwsError("ClientException", "Unable to describe task definition.");
    return { taskDefinition: shapeTaskDefinition(def), tags: [] };
  };

  return { RegisterTaskDefinition, DescribeTaskDefinition };
}
