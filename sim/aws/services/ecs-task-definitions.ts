import type { ClusterStore } from "../../state/cluster-store.js";
import type { ContainerDefinitionInput } from "../../state/inputs.js";
import type { LaunchType, NetworkMode } from "../../state/model.js";
import { AwsError, type OperationHandler } from "../service.js";
import { ecsReader, invalid, paginate, parseCpuOrMemory } from "./ecs-input.js";
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

/** RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies, DeregisterTaskDefinition. */
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

  const DeregisterTaskDefinition: OperationHandler = (input) => {
    const r = ecsReader(input);
    const ref = r.reqStr("taskDefinition");
    if (!ref.startsWith("arn:") && !ref.includes(":")) throw invalid("A revision must be specified.");
    const def = store.resolveTaskDefinition(ref);
    if (!def) throw new AwsError("ClientException", "The specified task definition does not exist.");
    def.status = "INACTIVE";
    store.generation++;
    return { taskDefinition: shapeTaskDefinition(def) };
  };

  const ListTaskDefinitions: OperationHandler = (input) => {
    const r = ecsReader(input);
    const prefix = r.str("familyPrefix");
    const status = r.oneOf("status", ["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"] as const) ?? "ACTIVE";
    const sort = r.oneOf("sort", ["ASC", "DESC"] as const) ?? "ASC";
    const defs = store
      .taskDefinitions()
      .filter((d) => d.status === status && (prefix === undefined || d.family === prefix))
      .sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1))
      .map((d) => d.taskDefinitionArn);
    if (sort === "DESC") defs.reverse();
    const { page, nextToken } = paginate(r, defs, `${prefix}|${status}|${sort}`, { max: 100, default: 100 });
    return { taskDefinitionArns: page, nextToken };
  };

  const ListTaskDefinitionFamilies: OperationHandler = (input) => {
    const r = ecsReader(input);
    const prefix = r.str("familyPrefix") ?? "";
    const status = r.oneOf("status", ["ACTIVE", "INACTIVE", "ALL"] as const) ?? "ACTIVE";
    const families = new Set<string>();
    for (const d of store.taskDefinitions()) {
      if (!d.family.startsWith(prefix)) continue;
      if (status === "ALL" || d.status === status) families.add(d.family);
    }
    const { page, nextToken } = paginate(r, [...families].sort(), `${prefix}|${status}`, { max: 100, default: 100 });
    return { families: page, nextToken };
  };

  return {
    RegisterTaskDefinition,
    DescribeTaskDefinition,
    DeregisterTaskDefinition,
    ListTaskDefinitions,
    ListTaskDefinitionFamilies,
  };
}
