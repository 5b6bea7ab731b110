import type { LeaseStatus } from "../leases/lease-manager.js";
import type { AgentView, TargetView } from "../machines/views.js";
import type { Condition } from "../model.js";
import type { TaskExplanation } from "../plan/index.js";
import type { ClusterSummary } from "../reconcile/cluster-reconciler.js";

/**
 * Data in an answer that is older than it should be: a Redis read that did not complete within the read budget
 * (Redis stalled or gone), or a held cluster whose reconcile has not completed for several intervals.
 */
export interface StaleNote {
  /** What is stale: `leases`, `cluster <name>` (its summary) or `cluster <name> machines` (targets, agents). */
  what: string;
  /** How old the data served is; null when nothing was ever read (the answer then lacks it). */
  ageMs: number | null;
  /** ISO-8601 time the data served was current; null when nothing was ever read. */
  asOf: string | null;
  reason: string;
}

/** `GET /api/v1/status`. */
export interface StatusDocument {
  replica: string;
  ready: boolean;
  /** Everything in this answer that is older than it should be; empty when all of it is current. */
  stale: StaleNote[];
  leases: LeaseStatus[];
  spec: {
    loaded: boolean;
    name: string | undefined;
    version: number | undefined;
    generation: number | undefined;
    conditions: Condition[];
  };
  /** One summary per cluster of the spec: live for clusters this replica holds, the owner's last write otherwise. */
  clusters: (ClusterSummary | { cluster: string; holder: string | undefined; pending: true })[];
}

export interface TargetFilter {
  cluster?: string | undefined;
  service?: string | undefined;
  state?: string | undefined;
}

export type ExplainAnswer =
  | { status: 200; body: TaskExplanation }
  | {
      status: 404;
      body: { error: string; message: string; heldElsewhere?: { cluster: string; holder: string | undefined }[] };
    };

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
  capacity(): Promise<Listing<unknown>>;
  explain(task: string): Promise<ExplainAnswer>;
  /** The http_sd document (all clusters): a JSON array of target groups, serialised and gzipped. */
  sd(): Buffer;
  metrics(): Promise<{ contentType: string; body: string }>;
}
