import type { Logger } from "../../lib/logger.js";
import type { AwsServer } from "../aws/server.js";
import { createSqsService } from "../aws/services/sqs.js";
import { SqsStore } from "../aws/services/sqs-store.js";
import type { ClusterStore } from "../state/cluster-store.js";
import { type EventDelivery, type EventFaults, startEventDelivery } from "./event-bridge.js";

export interface AttachEventsOptions {
  /** The rule's target queue. @defaultValue "ecsmon-ecs-events" */
  queueName?: string | undefined;
  /** Dead-letter queue for messages received `maxReceiveCount` times. @defaultValue `<queueName>-dlq` */
  dlqName?: string | undefined;
  /** @defaultValue 5 */
  maxReceiveCount?: number | undefined;
  /** @defaultValue 30 */
  visibilityTimeoutSeconds?: number | undefined;
  /** Only this cluster's events; all clusters when unset. */
  clusterArn?: string | undefined;
  faults?: EventFaults | undefined;
  seed?: number | undefined;
  /** Reuse an SQS store already served by `server`; otherwise one is created and added to the server. */
  sqs?: SqsStore | undefined;
  logger?: Logger | undefined;
}

export interface AttachedEvents {
  sqs: SqsStore;
  delivery: EventDelivery;
  /** `<server url>/000000000000/<queueName>`: what `spec.clusters[].events.queueUrl` points at. */
  queueUrl: string;
  dlqUrl: string;
  /** Stops delivery and ends open long polls. */
  stop(): void;
}

/**
 * Adds the issue-10 event path to a running simulator: SQS on the same endpoint, a target queue with a
 * redrive policy to a DLQ, and EventBridge-style delivery of the store's ECS state changes into it.
 */
export function attachEventPipeline(
  target: { store: ClusterStore; server: AwsServer },
  options: AttachEventsOptions = {},
): AttachedEvents {
  const sqs = options.sqs ?? new SqsStore();
  if (!options.sqs) target.server.addService(createSqsService(sqs));
  const region = target.store.region;
  const queueName = options.queueName ?? "ecsmon-ecs-events";
  const dlqName = options.dlqName ?? `${queueName}-dlq`;
  const dlq = sqs.create(dlqName, region);
  sqs.create(queueName, region, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: options.maxReceiveCount ?? 5 }),
  });
  const queueUrl = sqs.queueUrl(target.server.url, queueName);
  const delivery = startEventDelivery(target.store, sqs, {
    region,
    seed: options.seed,
    faults: options.faults,
    logger: options.logger,
    targets: [{ queueUrl, clusterArn: options.clusterArn }],
  });
  return {
    sqs,
    delivery,
    queueUrl,
    dlqUrl: sqs.queueUrl(target.server.url, dlqName),
    stop() {
      delivery.stop();
      sqs.close();
    },
  };
}
