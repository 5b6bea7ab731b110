import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { Config } from "../config.js";

/** Default time allowed to open a connection. */
export const DEFAULT_AWS_CONNECT_TIMEOUT_MS = 5_000;
/** Default time allowed for one attempt to get a response once connected. */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 15_000;

/** Connection settings shared by every AWS client of one region. */
export interface AwsClientOptions {
  region: string;
  /** Overrides every service endpoint (the simulator, LocalStack, a VPC or FIPS endpoint, a proxy). */
  endpointUrl?: string | undefined;
  /** Total attempts per call, including the first. @defaultValue 3 */
  maxAttempts?: number | undefined;
  /** SDK retry strategy; "adaptive" adds client-side rate limiting on throttling. @defaultValue "adaptive" */
  retryMode?: "standard" | "adaptive" | undefined;
  /** Milliseconds allowed to open a TCP (and TLS) connection. @defaultValue 5000 */
  connectTimeoutMs?: number | undefined;
  /**
   * Milliseconds allowed for one attempt to receive the response once the request is sent; the attempt then
   * fails with a `TimeoutError` (retried like any transient fault). @defaultValue 15000
   */
  requestTimeoutMs?: number | undefined;
}

/** The SDK clients ecsmon uses. */
export interface AwsClients {
  ecs: ECSClient;
  ec2: EC2Client;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  serviceDiscovery: ServiceDiscoveryClient;
  sqs: SQSClient;
  destroy(): void;
}

/** The client options for `region` (default: the configured one) from the typed config. */
export function awsClientOptions(aws: Config["aws"], region: string = aws.region): AwsClientOptions {
  return {
    region,
    endpointUrl: aws.endpointUrl,
    maxAttempts: aws.maxAttempts,
    retryMode: aws.retryMode,
    connectTimeoutMs: aws.connectTimeoutMs,
    requestTimeoutMs: aws.requestTimeoutMs,
  };
}

/**
 * Builds one client per service. Credentials always come from the SDK's default provider chain (environment,
 * shared config and credentials files with AWS_PROFILE, SSO, web identity, container credentials, IMDS), with
 * or without an endpoint override: a custom endpoint such as a VPC endpoint still needs the real identity.
 * The simulator and LocalStack take any static keys, which their users put in the environment.
 * Every client gets the connect and request timeouts (the SDK has none by default, so a silent endpoint would
 * hang a call until the OS gives up). With an endpoint override, Cloud Map's `data-` host prefix for
 * DiscoverInstances is disabled so that the call reaches the same endpoint.
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const clients = {
    ecs: createAwsClient("ecs", options),
    ec2: createAwsClient("ec2", options),
    ssm: createAwsClient("ssm", options),
    cloudwatch: createAwsClient("cloudwatch", options),
    serviceDiscovery: createAwsClient("serviceDiscovery", options),
    sqs: createAwsClient("sqs", options),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** The services of {@link AwsClients}, by client key. */
export type AwsService = Exclude<keyof AwsClients, "destroy">;

/** Every {@link AwsService}. */
export const AWS_SERVICES: readonly AwsService[] = ["ecs", "ec2", "ssm", "cloudwatch", "serviceDiscovery", "sqs"];

/** One client of `service`, configured as {@link createAwsClients} configures them all. */
export function createAwsClient<K extends AwsService>(service: K, options: AwsClientOptions): AwsClients[K] {
  const base = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: options.retryMode ?? "adaptive",
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_AWS_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_AWS_REQUEST_TIMEOUT_MS,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
  const constructors: { [S in AwsService]: () => AwsClients[S] } = {
    ecs: () => new ECSClient(base),
    ec2: () => new EC2Client(base),
    ssm: () => new SSMClient(base),
    cloudwatch: () => new CloudWatchClient(base),
    serviceDiscovery: () => new ServiceDiscoveryClient({ ...base, disableHostPrefix: Boolean(options.endpointUrl) }),
    sqs: () => new SQSClient(base),
  };
  return constructors[service]();
}
