import type { ClusterObserver } from "../observe/cluster-observer.js";
import type { EcsEventSink } from "./sqs-event-consumer.js";

export { type EcsEvent, type ParseResult, parseEcsEvent } from "./ecs-events.js";
export { EventDrivenObserver, type EventDrivenObserverOptions } from "./event-driven-observer.js";
export {
  type EcsEventSink,
  type EventConsumerOptions,
  type EventConsumerStatus,
  type MessageOutcome,
  type SqsApi,
  SqsEventConsumer,
  sqsApiFromClient,
} from "./sqs-event-consumer.js";

/** A {@link ClusterObserver} is the sink of its cluster's events (checked at compile time here). */
export function observerSink(observer: ClusterObserver): EcsEventSink {
  return observer;
}
