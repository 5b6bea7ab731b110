import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ServiceDiscoveryClient } from "@aws-sdk/client-servicediscovery";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SSMClient } from "@aws-sdk/client-ssm";

/** Connection settings shared by every AWS client of one region. */
export interface AwsClientOptions {
  region: string;
  /** Overrides every service endpoint (the simulator, LocalStack, a VPC endpoint). */
  endpointUrl?: string | undefined;
  /** Total attempts per call, including the first (SDK adaptive retry). @defaultValue 3 */
  maxAttempts?: number;
  /** Explicit credentials; otherwise the SDK's default provider chain (or test credentials with an endpoint override). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
}

/** The SDK clients ecsmon uses, built with adaptive retry. */
export interface AwsClients {
  ecs: ECSClient;
  ec2: EC2Client;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  serviceDiscovery: ServiceDiscoveryClient;
  sqs: SQSClient;
  destroy(): void;
}

/**
 * Builds one client per service. With an explicit endpoint, credentials fall back to static test
 * credentials when none are configured (the simulator does not verify signatures), and Cloud Map's
 * `data-` host prefix for DiscoverInstances is disabled so that the call reaches the same endpoint.
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const base = {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: "adaptive" as const,
    ...(options.endpointUrl
      ? {
          endpoint: options.endpointUrl,
          credentials: options.credentials ?? { accessKeyId: "test", secretAccessKey: "test" },
        }
      : options.credentials
        ? { credentials: options.credentials }
        : {}),
  };
  const clients = {
    ecs: new ECSClient(base),
    ec2: new EC2Client(base),
    ssm: new SSMClient(base),
    cloudwatch: new CloudWatchClient(base),
    serviceDiscovery: new ServiceDiscoveryClient({ ...base, disableHostPrefix: Boolean(options.endpointUrl) }),
    sqs: new SQSClient(base),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
