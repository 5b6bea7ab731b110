/**
 * The contract between the simulator's HTTP front (router, protocol codecs, fault injection, counters)
 * and each simulated AWS service. A service sees decoded input and returns plain output; the router
 * owns the wire format (JSON 1.0/1.1, EC2 query, AWS query) and error serialization.
 */

/** Wire protocols the router speaks. */
export type AwsProtocol = "json1.0" | "json1.1" | "ec2query" | "query";

export interface SimRequestContext {
  /** From the SigV4 credential scope, e.g. "us-east-1". */
  region: string;
  /** Always the simulated account, "000000000000". */
  accountId: string;
  protocol: AwsProtocol;
  /** Size of the raw request body in bytes (PutMetricData's 1 MB limit applies to it). */
  bodyBytes?: number;
  /** The server's base URL as the client reached it, e.g. "http://127.0.0.1:4566" (SQS queue URLs use it). */
  endpoint?: string;
}

/**
 * Decoded input. For JSON protocols it is the request body. For the query protocols, flattened keys are
 * folded into nested objects and lists: `Filter.1.Name=x&Filter.1.Value.1=y` → `{ Filter: [{ Name: "x", Value: ["y"] }] }`,
 * and AWS query's `.member.N` segments likewise become lists.
 */
export type OperationInput = Record<string, unknown>;

/**
 * Handlers return plain objects. `Date` values are encoded by the codec: epoch seconds for JSON protocols,
 * ISO 8601 for XML. `undefined`/`null` members are omitted. Query-protocol input values arrive as strings
 * (use the helpers in `sim/aws/input.ts` to coerce).
 */
export type OperationHandler = (input: OperationInput, ctx: SimRequestContext) => unknown | Promise<unknown>;

export interface SimService {
  /** SigV4 signing name: "ecs", "ec2", "ssm", "monitoring", "servicediscovery", "sqs". */
  signingName: string;
  /** X-Amz-Target prefix for JSON protocols, e.g. "AmazonEC2ContainerServiceV20141113". */
  targetPrefix?: string;
  /** Query API version, e.g. "2016-11-15" for EC2, "2010-08-01" for CloudWatch. */
  queryVersion?: string;
  /** XML namespace for query responses. */
  xmlNamespace?: string;
  operations: Record<string, OperationHandler>;
  /**
   * awsQueryCompatible JSON services (CloudWatch, SQS): SDK error shape name → query error code, e.g.
   * `{ QueueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue" }`. Handlers throw the shape name; the
   * JSON codec adds the `x-amzn-query-error` header and the query codec sends the query code.
   */
  queryCompatErrors?: Record<string, string>;
  /** Smithy namespace used in JSON `__type` for query-compatible services, e.g. "com.amazonaws.cloudwatch". */
  jsonErrorNamespace?: string;
}

/**
 * An error AWS would return. `code` is the exact AWS error code (what the SDK maps to a typed exception,
 * e.g. "ClusterNotFoundException", "ParameterNotFound", "InvalidParameterValue"); `status` its HTTP status.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Query-protocol error type: "Sender" for client faults, "Receiver" for server faults. */
    readonly senderFault = status < 500,
    /** Extra members of the error shape, sent in JSON error bodies (e.g. Cloud Map's `NamespaceId`). */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AwsError";
  }
}

/**
 * A JSON protocol response body that is already serialized (timestamps as epoch seconds). Handlers use it
 * for large, cacheable outputs (DescribeTasks); the JSON codec sends `text` as is.
 */
export class RawJsonBody {
  constructor(readonly text: string) {}
}
