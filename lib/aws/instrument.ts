import type {
  FinalizeRequestHandlerOptions,
  FinalizeRequestMiddleware,
  RelativeMiddlewareOptions,
} from "@smithy/types";
import type { Counter, Registry } from "prom-client";
import { counter } from "../prom-metrics.js";
import type { RequestBudget } from "./budget.js";
import type { AwsClients } from "./clients.js";

/** How one AWS request attempt ended. */
export type AwsOutcome = "success" | "throttled" | "client_error" | "server_error" | "network_error";
export const AWS_OUTCOMES: readonly AwsOutcome[] = [
  "success",
  "throttled",
  "client_error",
  "server_error",
  "network_error",
];

/** Error codes AWS services use for throttling (the SDK's own list plus service-specific ones). */
const THROTTLING_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException",
]);

interface AwsErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** The AWS error code of an SDK error (`name` for typed exceptions). */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as AwsErrorLike;
  return e.Code ?? e.code ?? e.name ?? "Error";
}

/** The HTTP status of the response that carried an SDK error, or undefined when none arrived. */
export function awsErrorStatus(error: unknown): number | undefined {
  const e = (error ?? {}) as AwsErrorLike;
  return e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
}

/** Classifies a failed attempt: throttling codes (or HTTP 429) first, then by HTTP status; no status = network. */
export function classifyAwsError(error: unknown): Exclude<AwsOutcome, "success"> {
  const e = (error ?? {}) as AwsErrorLike;
  const status = awsErrorStatus(error);
  if (THROTTLING_CODES.has(awsErrorCode(error)) || e.$retryable?.throttling === true || status === 429) {
    return "throttled";
  }
  if (status === undefined) return "network_error";
  return status >= 500 ? "server_error" : "client_error";
}

export type AwsRequestCounter = Counter<"service" | "operation" | "outcome">;

/** `ecsmon_aws_requests_total{service,operation,outcome}`, registered on `registry` (idempotent per registry). */
export function createAwsRequestCounter(registry: Registry): AwsRequestCounter {
  return counter(registry, {
    name: "ecsmon_aws_requests_total",
    help: "AWS API request attempts (each retry counts), by service, operation and outcome.",
    labelNames: ["service", "operation", "outcome"],
  });
}

/**
 * Initialises every outcome of the given operations at 0, so that dashboards and rate() see the series
 * before the first failure.
 */
export function initAwsRequestCounter(counter: AwsRequestCounter, operations: Record<string, readonly string[]>): void {
  for (const [service, ops] of Object.entries(operations)) {
    for (const operation of ops) for (const outcome of AWS_OUTCOMES) counter.labels(service, operation, outcome).inc(0);
  }
}

export interface InstrumentOptions {
  /** Every attempt waits for a token. Omit to count without limiting. */
  budget?: RequestBudget | undefined;
  counter?: AwsRequestCounter | undefined;
}

const MIDDLEWARE_NAME = "ecsmonBudgetAndCount";

/** Client keys of {@link AwsClients} and the `service` label each gets. */
export const SERVICE_LABELS = {
  ecs: "ecs",
  ec2: "ec2",
  ssm: "ssm",
  cloudwatch: "cloudwatch",
  serviceDiscovery: "servicediscovery",
  sqs: "sqs",
} as const;

interface StackClient {
  middlewareStack: {
    addRelativeTo(middleware: FinalizeRequestMiddleware<object, object>, options: RelativeMiddlewareOptions): void;
  };
}

/**
 * Adds one middleware to each client, in the finalizeRequest step right after the SDK's retry middleware, so
 * that it runs once per attempt: it waits for a budget token, then counts the attempt's outcome. The SDK's
 * adaptive retry stays in charge of retrying. Adding it twice replaces the first (override).
 */
export function instrumentAwsClients<T extends Partial<AwsClients>>(clients: T, options: InstrumentOptions): T {
  for (const [key, service] of Object.entries(SERVICE_LABELS)) {
    const client = clients[key as keyof AwsClients] as StackClient | undefined;
    if (client && typeof client === "object" && "middlewareStack" in client) instrumentClient(client, service, options);
  }
  return clients;
}

/** Instruments a single SDK client; `service` becomes the metric's `service` label. */
export function instrumentClient(client: StackClient, service: string, options: InstrumentOptions): void {
  const middleware: FinalizeRequestMiddleware<object, object> = (next, context) => async (args) => {
    const operation = String((context as { commandName?: string }).commandName ?? "Unknown").replace(/Command$/, "");
    if (options.budget) await options.budget.acquire();
    try {
      const result = await next(args);
      options.counter?.labels(service, operation, "success").inc();
      return result;
    } catch (error) {
      options.counter?.labels(service, operation, classifyAwsError(error)).inc();
      throw error;
    }
  };
  const placement: RelativeMiddlewareOptions & FinalizeRequestHandlerOptions = {
    name: MIDDLEWARE_NAME,
    relation: "after",
    toMiddleware: "retryMiddleware",
    override: true,
    step: "finalizeRequest",
  };
  client.middlewareStack.addRelativeTo(middleware, placement);
}
