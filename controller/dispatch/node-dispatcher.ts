import { type JobsOptions, Queue, type QueueOptions } from "bullmq";
import {
  BULL_PREFIX,
  KEY_PREFIX,
  NodeSyncJob,
  nodeQueueName,
  nodeSyncJobId,
  POOL_QUEUE,
  type RedisKeys,
  redisKeys,
} from "../../crds-like-schemas/index.js";
import type { Logger } from "../../lib/logger.js";
import type { RedisClient } from "../../lib/redis.js";
import { poolNodeId, syncJobHash, type UnversionedSyncJob } from "./sync-job.js";

/**
 * INCR the node's generation; a counter that did not exist (first dispatch, or Redis lost its data) starts at
 * the current epoch second instead of 1, so generations stay monotonic across a Redis data loss and agents,
 * which skip generations not newer than the applied one, accept the new jobs. This holds while a node's
 * payload changes at most once per second on average (the reconcile interval is ≥ 1 s).
 */
const NEXT_GENERATION = `
local g = redis.call('INCR', KEYS[1])
if g == 1 then
  g = tonumber(ARGV[1])
  redis.call('SET', KEYS[1], g)
end
return g`;

/** What the dispatcher needs from the cluster's lease: the token to stamp and a check right before writing. */
export interface DispatchFence {
  /** Checks in Redis that the lease is still ours; throws otherwise. Returns the fencing token. */
  assertHeld(): Promise<number>;
}

export interface NodeDispatcherOptions {
  redis: RedisClient;
  logger: Logger;
  /** Prefix of ecsmon's own keys. @defaultValue "ecsmon" */
  keyPrefix?: string;
  /** BullMQ key prefix (queues live under `<bullPrefix>:<queue>`). @defaultValue "bull" */
  bullPrefix?: string;
  /** Completed jobs kept per queue. @defaultValue 10 */
  keepCompleted?: number;
  /** Failed jobs kept per queue. @defaultValue 50 */
  keepFailed?: number;
  now?: () => Date;
}

export interface DispatchResult {
  /** Whether a job was added (false: the payload was unchanged). */
  sent: boolean;
  /** The node's current generation (the new one when sent). */
  generation: number;
  /** The current job id for the node. */
  jobId: string | undefined;
}

/**
 * BullMQ producer of desired-state sync jobs: one queue {@link nodeQueueName} per node (plus {@link POOL_QUEUE}),
 * job name "sync", job id `sync-<node>-g<generation>`. A job is added only when the node's payload hash differs
 * from the last one sent (kept in Redis, so a failed-over replica does not resend the same state). The node's
 * keys share one hash tag, so the MGET, the generation script and the MULTI below each touch one slot.
 */
export class NodeDispatcher {
  private readonly redis: RedisClient;
  private readonly logger: Logger;
  private readonly keys: RedisKeys;
  private readonly now: () => Date;
  /** Connection and prefix of every queue. */
  private readonly queueOptions: QueueOptions;
  /** Retention and retries of every sync job (the job id is added per job). */
  private readonly jobOptions: JobsOptions;
  private readonly queues = new Map<string, Queue>();
  /** Last hash sent per node, mirrored from Redis. */
  private readonly sentHashes = new Map<string, { hash: string; generation: number; jobId: string }>();

  constructor(options: NodeDispatcherOptions) {
    this.redis = options.redis;
    this.logger = options.logger;
    this.keys = redisKeys(options.keyPrefix ?? KEY_PREFIX);
    this.now = options.now ?? (() => new Date());
    this.queueOptions = { connection: options.redis, prefix: options.bullPrefix ?? BULL_PREFIX };
    this.jobOptions = {
      removeOnComplete: { count: options.keepCompleted ?? 10 },
      removeOnFail: { count: options.keepFailed ?? 50 },
      attempts: 3,
      backoff: { type: "exponential", delay: 1_000 },
    };
  }

  /** The queue a job goes to: the pool queue for pool node ids, else the node's own queue. */
  queueNameFor(job: UnversionedSyncJob): string {
    return job.nodeId === poolNodeId(job.cluster) ? POOL_QUEUE : nodeQueueName(job.nodeId);
  }

  /**
   * Sends the node's whole desired state when it changed. Validates the full job against the NodeSyncJob schema
   * and checks the lease right before adding it; a lost lease throws and nothing is written.
   */
  async sync(job: UnversionedSyncJob, fence: DispatchFence): Promise<DispatchResult> {
    const keys = this.keys.node(job.nodeId);
    const hash = syncJobHash(job);
    let last = this.sentHashes.get(job.nodeId);
    if (!last) {
      const [storedHash, latest, generation] = await this.redis.mget(keys.hash, keys.latest, keys.generation);
      if (storedHash && latest) {
        last = { hash: storedHash, jobId: latest, generation: Number(generation ?? 0) };
        this.sentHashes.set(job.nodeId, last);
      }
    }
    if (last?.hash === hash) return { sent: false, generation: last.generation, jobId: last.jobId };

    const fencingToken = await fence.assertHeld();
    const generation = Number(
      await this.redis.eval(NEXT_GENERATION, 1, keys.generation, String(Math.floor(this.now().getTime() / 1_000))),
    );
    const full = NodeSyncJob.parse({ ...job, generation, fencingToken, issuedAt: this.now().toISOString() });
    const jobId = nodeSyncJobId(job.nodeId, generation);
    await this.queue(this.queueNameFor(job)).add("sync", full, { ...this.jobOptions, jobId });
    await this.redis.multi().set(keys.latest, jobId).set(keys.job, JSON.stringify(full)).set(keys.hash, hash).exec();
    this.sentHashes.set(job.nodeId, { hash, generation, jobId });
    this.logger.debug({ nodeId: job.nodeId, generation, targets: full.scrape.targets.length }, "sync job dispatched");
    return { sent: true, generation, jobId };
  }

  /** Forgets the cached hashes (after a lease change another replica may have sent newer state). */
  forget(nodeIds?: Iterable<string>): void {
    if (!nodeIds) this.sentHashes.clear();
    else for (const id of nodeIds) this.sentHashes.delete(id);
  }

  /** Jobs waiting (not yet picked up) in a queue. */
  async waiting(queueName: string): Promise<number> {
    const counts = await this.queue(queueName).getJobCounts("wait", "prioritized", "delayed");
    return (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0);
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, this.queueOptions);
      queue.on("error", (error) => this.logger.warn({ err: error, queue: name }, "queue error"));
      this.queues.set(name, queue);
    }
    return queue;
  }
}
