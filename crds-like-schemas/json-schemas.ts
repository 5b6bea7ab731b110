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

/** A contract rendered as what its producer must send. */
function output(schema: z.ZodType, title: string) {
  return { schema, io: "output", title } as const;
}

/**
 * The JSON Schema documents derived from the zod schemas, one per contract, as committed under
 * `crds-like-schemas/generated/`. The MonitoringSpec is rendered for input (what a user writes: fields with
 * defaults are optional and carry `default`); the Redis contracts and the status API's answers for output (what
 * a producer must send).
 */
export const SCHEMA_CONTRACTS = {
  "monitoring-spec": { schema: MonitoringSpec, io: "input", title: "MonitoringSpec (ecsmon.dev/v1alpha1)" },
  "node-sync": output(NodeSyncJob, "Node sync job (ecsmon.dev/node-sync/v1)"),
  "target-health": output(TargetHealthReport, "Target health report (ecsmon.dev/target-health/v1)"),
  capacity: output(CapacityReport, "Capacity report (ecsmon.dev/capacity/v1)"),
  heartbeat: output(Heartbeat, "Agent heartbeat (ecsmon.dev/heartbeat/v1)"),
  "cluster-summary": output(
    ClusterSummary,
    "Cluster summary (Redis <prefix>:status:<cluster>; an entry of GET /api/v1/status)",
  ),
  "api-status": output(StatusDocument, "Status API: GET /api/v1/status"),
  "api-targets": output(TargetList, "Status API: GET /api/v1/targets"),
  "api-target": output(TargetView, "Status API: GET /api/v1/targets/<id>"),
  "api-agents": output(AgentList, "Status API: GET /api/v1/agents"),
  "api-capacity": output(CapacityList, "Status API: GET /api/v1/capacity"),
  "api-explain": output(TaskExplanation, "Status API: GET /api/v1/explain (200)"),
  "api-explain-not-found": output(ExplainNotFound, "Status API: GET /api/v1/explain (404, task not found)"),
  "api-error": output(ApiErrorBody, "Status API: the error body of every status >= 400"),
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
