import type { LeaseStatus } from "../leases/lease-manager.js";
import type { AgentView, TargetView } from "../machines/views.js";
import type { Condition } from "../model.js";
import type { TaskExplanation } from "../plan/index.js";
import type { ClusterSummary } from "../reconcile/cluster-reconciler.js";

/** `GET /api/v1/status`. */
export interface StatusDocument {
  replica: string;
  ready: boolean;
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

/** What the status API reads; the controller implements it, tests fake it. */
export interface StatusView {
  ready(): boolean;
  status(): Promise<StatusDocument>;
  targets(filter: TargetFilter): Promise<TargetView[]>;
  target(id: string): Promise<TargetView | undefined>;
  agents(cluster?: string): Promise<AgentView[]>;
  capacity(): Promise<unknown[]>;
  explain(task: string): Promise<ExplainAnswer>;
  /** The http_sd document (all clusters): a JSON array of target groups, serialised and gzipped. */
  sd(): Buffer;
  metrics(): Promise<{ contentType: string; body: string }>;
}
