import type {
  AgentView,
  CapacityEntry,
  ExplainNotFound,
  StaleNote,
  StatusDocument,
  TargetView,
  TaskExplanation,
} from "../../crds-like-schemas/contracts/status-api.js";

/**
 * The answers' types are the status API contract's (crds-like-schemas/contracts/status-api.ts), inferred from
 * the zod schemas the CLI parses them with; re-exported for the server's callers.
 */
export type { StaleNote, StatusDocument } from "../../crds-like-schemas/contracts/status-api.js";

export interface TargetFilter {
  cluster?: string | undefined;
  service?: string | undefined;
  state?: string | undefined;
}

export type ExplainAnswer = { status: 200; body: TaskExplanation } | { status: 404; body: ExplainNotFound };

/** A list answer and what in it is stale. */
export interface Listing<T> {
  items: T[];
  stale: StaleNote[];
}

/**
 * What the status API reads; the controller implements it, tests fake it. Every method answers from the
 * replica's memory, or from a Redis read bounded in time whose lateness is reported as a {@link StaleNote}.
 */
export interface StatusView {
  ready(): boolean;
  status(): Promise<StatusDocument>;
  targets(filter: TargetFilter): Promise<Listing<TargetView>>;
  target(id: string): Promise<TargetView | undefined>;
  agents(cluster?: string): Promise<Listing<AgentView>>;
  capacity(): Promise<Listing<CapacityEntry>>;
  explain(task: string): Promise<ExplainAnswer>;
  /** The http_sd document (all clusters): a JSON array of target groups, serialised and gzipped. */
  sd(): Buffer;
  metrics(): Promise<{ contentType: string; body: string }>;
}
