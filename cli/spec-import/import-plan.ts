/**
 * What one importer makes of a replaced tool's configuration: spec values with the source of each, notes for
 * the reader, the values that cannot be carried over (with the reason), and companion files that live outside
 * the spec (a Prometheus config, a CloudWatch alarm). Importers are pure: text in, plan out.
 */

/** The five tools ecsmon replaces, by the name `--from` takes. */
export type ToolName = "esp" | "prometheus-for-ecs" | "service-metrics-exporter" | "prometheus-ecs-sd" | "eni-monitor";

/** A path inside a spec, e.g. `["stats", "period"]` relative to the cluster entry. */
export type SpecPath = readonly (string | number)[];

export interface SpecValue {
  path: SpecPath;
  value: unknown;
  /** Where the value came from and what it replaces; becomes the YAML comment above the key. */
  from: string;
}

export interface Unconverted {
  /** The input value as the user wrote it, e.g. `HTTP_LISTEN_PORT=9102`. */
  value: string;
  reason: string;
}

export interface Companion {
  /** File name written next to the spec, e.g. `ecsmon-prometheus.yml`. */
  fileName: string;
  /** One line saying what the file is for. */
  description: string;
  text: string;
}

export interface ImportPlan {
  tool: ToolName;
  /** The cluster the input names (seed 003's `-c`); otherwise `--cluster`, then ECS's "default". */
  cluster?: { name: string; from: string } | undefined;
  /** Values under `spec.clusters[i]`. */
  clusterValues: SpecValue[];
  /** Values under `spec.outputs`. */
  outputValues: SpecValue[];
  /** Short lines for the header comment and the summary (behaviour changes, what can be removed). */
  notes: string[];
  unconverted: Unconverted[];
  companions: Companion[];
}

/** One input of an importer: a file's text and how to name it in messages. */
export interface ImportInput {
  name: string;
  text: string;
}

/** Input that cannot be read: names the input and the 1-based line. */
export class ImportParseError extends Error {
  constructor(
    readonly input: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${input}:${line}: ${detail}`);
    this.name = "ImportParseError";
  }
}

/** Options every importer may use besides its inputs. */
export interface ImportOptions {
  /** `--cluster`: the cluster to write the values to. */
  cluster?: string | undefined;
}

export function emptyPlan(tool: ToolName): ImportPlan {
  return { tool, clusterValues: [], outputValues: [], notes: [], unconverted: [], companions: [] };
}
