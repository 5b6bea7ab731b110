import { LRUCache } from "lru-cache";
import { awsErrorCode, classifyAwsError } from "../../lib/aws/instrument.js";
import { mapLimit } from "../../lib/map-limit.js";
import type { ObservedTask, ObservedTaskDefinition } from "../model.js";
import type { EcsApi } from "./aws-apis.js";
import type { CallRecorder } from "./call-stats.js";
import { toObservedTaskDefinition } from "./ecs-mappers.js";
import type { ObserveCachePort } from "./shared-cache.js";

export interface TaskDefinitionCacheOptions {
  /** Definitions kept beyond those in use. @defaultValue 2000 */
  size?: number | undefined;
  concurrency: number;
  /** The replicas' shared cache in Redis (ADR 0068), asked before DescribeTaskDefinition. */
  shared?: ObserveCachePort | undefined;
}

/**
 * Task definitions by ARN. They are immutable, so each is read once: those in use by the last committed cycle,
 * a bounded LRU of others, then the shared cache in Redis (what any replica already read), and only then
 * DescribeTaskDefinition, whose answers go to the shared cache for the next replica. A definition the API refuses
 * with a client error (deleted) is remembered as missing; its tasks yield no targets.
 */
export class TaskDefinitionCache {
  private readonly lru: LRUCache<string, ObservedTaskDefinition>;
  private readonly missing = new Set<string>();
  private inUse = new Map<string, ObservedTaskDefinition>();

  constructor(
    private readonly ecs: EcsApi,
    private readonly options: TaskDefinitionCacheOptions,
  ) {
    this.lru = new LRUCache({ max: Math.max(1, options.size ?? 2000) });
  }

  /** The definitions of the last committed cycle. */
  current(): Map<string, ObservedTaskDefinition> {
    return this.inUse;
  }

  commit(definitions: Map<string, ObservedTaskDefinition>): void {
    this.inUse = definitions;
  }

  /** The definition of every task (those known missing left out). Throws when a required call fails. */
  async load(
    tasks: ReadonlyMap<string, ObservedTask>,
    recorder: CallRecorder,
  ): Promise<Map<string, ObservedTaskDefinition>> {
    const result = new Map<string, ObservedTaskDefinition>();
    const unknown = new Set<string>();
    for (const task of tasks.values()) {
      const arn = task.taskDefinitionArn;
      if (result.has(arn) || this.missing.has(arn)) continue;
      const known = this.inUse.get(arn) ?? this.lru.get(arn);
      if (known) result.set(arn, known);
      else unknown.add(arn);
    }
    if (unknown.size === 0) return result;
    const shared = (await this.options.shared?.taskDefinitions([...unknown])) ?? new Map();
    for (const definition of shared.values()) this.keep(result, definition);
    const fetched: ObservedTaskDefinition[] = [];
    const toFetch = [...unknown].filter((arn) => !shared.has(arn));
    await mapLimit(toFetch, this.options.concurrency, async (arn) => {
      try {
        const out = await recorder.call("ecs:DescribeTaskDefinition", () =>
          this.ecs.describeTaskDefinition({ taskDefinition: arn }),
        );
        const definition = out.taskDefinition ? toObservedTaskDefinition(out.taskDefinition) : undefined;
        if (definition) {
          this.keep(result, definition);
          fetched.push(definition);
        }
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (
          classifyAwsError(cause) === "client_error" &&
          /ClientException|InvalidParameter/.test(awsErrorCode(cause))
        ) {
          this.missing.add(arn);
          return;
        }
        throw error;
      }
    });
    await this.options.shared?.storeTaskDefinitions(fetched);
    return result;
  }

  private keep(result: Map<string, ObservedTaskDefinition>, definition: ObservedTaskDefinition): void {
    result.set(definition.taskDefinitionArn, definition);
    this.lru.set(definition.taskDefinitionArn, definition);
  }
}
