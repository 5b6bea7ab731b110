import { z } from "zod";
import { NodeSyncJob } from "./contracts/node-sync.js";
import { CapacityReport, Heartbeat, TargetHealthReport } from "./contracts/reports.js";
import {
  AgentList,
  ApiErrorBody,
  CapacityList,
  ClusterSummary,
  ExplainNotFound,
  StatusDocument,
  TargetList,
  TargetView,
  TaskExplanation,
} from "./contracts/status-api.js";
import { MonitoringSpec } from "./monitoring-spec.js";

/**
 * The JSON Schema documents derived from the zod schemas, one per contract, as committed under
 * `crds-like-schemas/generated/`. The MonitoringSpec is rendered for input (what a user writes: fields with
 * defaults are optional and carry `default`); the Redis contracts and the status API's answers for output (what
 * a producer must send).
 */
export const SCHEMA_CONTRACTS = {
  "monitoring-spec": { schema: MonitoringSpec, io: "input", title: "MonitoringSpec (ecsmon.dev/v1alpha1)" },
  "node-sync": { schema: NodeSyncJob, io: "output", title: "Node sync job (ecsmon.dev/node-sync/v1)" },
  "target-health": {
    schema: TargetHealthReport,
    io: "output",
    title: "Target health report (ecsmon.dev/target-health/v1)",
  },
  capacity: { schema: CapacityReport, io: "output", title: "Capacity report (ecsmon.dev/capacity/v1)" },
  heartbeat: { schema: Heartbeat, io: "output", title: "Agent heartbeat (ecsmon.dev/heartbeat/v1)" },
  "cluster-summary": {
    schema: ClusterSummary,
    io: "output",
    title: "Cluster summary (Redis <prefix>:status:<cluster>; an entry of GET /api/v1/status)",
  },
  "api-status": { schema: StatusDocument, io: "output", title: "Status API: GET /api/v1/status" },
  "api-targets": { schema: TargetList, io: "output", title: "Status API: GET /api/v1/targets" },
  "api-target": { schema: TargetView, io: "output", title: "Status API: GET /api/v1/targets/<id>" },
  "api-agents": { schema: AgentList, io: "output", title: "Status API: GET /api/v1/agents" },
  "api-capacity": { schema: CapacityList, io: "output", title: "Status API: GET /api/v1/capacity" },
  "api-explain": { schema: TaskExplanation, io: "output", title: "Status API: GET /api/v1/explain (200)" },
  "api-explain-not-found": {
    schema: ExplainNotFound,
    io: "output",
    title: "Status API: GET /api/v1/explain (404, task not found)",
  },
  "api-error": { schema: ApiErrorBody, io: "output", title: "Status API: the error body of every status >= 400" },
} as const;

export type SchemaContractName = keyof typeof SCHEMA_CONTRACTS;

export const SCHEMA_CONTRACT_NAMES = Object.keys(SCHEMA_CONTRACTS) as SchemaContractName[];

/** The file name of a contract's generated schema, e.g. `monitoring-spec.schema.json`. */
export function schemaFileName(name: SchemaContractName): string {
  return `${name}.schema.json`;
}

/** The JSON Schema (draft 2020-12) of one contract. */
export function contractJsonSchema(name: SchemaContractName): Record<string, unknown> {
  const contract = SCHEMA_CONTRACTS[name];
  const generated = z.toJSONSchema(contract.schema, { io: contract.io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `https://ecsmon.dev/schemas/${schemaFileName(name)}`, title: contract.title, ...rest };
}

/** The exact text of a generated file: 2-space JSON with a trailing newline. */
export function renderJsonSchema(name: SchemaContractName): string {
  return `${JSON.stringify(contractJsonSchema(name), null, 2)}\n`;
}
