import type { Registry } from "prom-client";
import { RequestBudget } from "../lib/aws/budget.js";
import { registerBudgetMetrics } from "../lib/aws/budget-metrics.js";
import { awsClientOptions } from "../lib/aws/clients.js";
import { createAwsRequestCounter } from "../lib/aws/instrument.js";
import { createLazyAwsClients, type LazyAwsClients } from "../lib/aws/lazy-clients.js";
import type { Config } from "../lib/config.js";

/**
 * The AWS operations the agent calls: the stats publisher's PutMetricData and the capacity handler's
 * DescribeInstanceTypes (only for a type newer than the EC2 guide's table). Their `ecsmon_aws_requests_total`
 * series start at 0 when the service's client is built.
 */
export const AGENT_AWS_OPERATIONS = {
  cloudwatch: ["PutMetricData"],
  ec2: ["DescribeInstanceTypes"],
} as const;

/**
 * The agent's AWS clients, in the agent's region: built on first use (a pool agent builds none, a sidecar only
 * CloudWatch), each behind the same request budget and instrumentation as the controller's
 * (`ecsmon_aws_requests_total`, `ecsmon_aws_budget_*` on the agent's /metrics). The agent destroys them on stop.
 */
export function createAgentAwsClients(aws: Config["aws"], registry: Registry): LazyAwsClients {
  const budget = new RequestBudget({ requestsPerSecond: aws.requestsPerSecond, burst: aws.burst });
  registerBudgetMetrics(registry, () => [[aws.region, budget]]);
  const clients = createLazyAwsClients(awsClientOptions(aws), {
    budget,
    counter: createAwsRequestCounter(registry),
    operations: AGENT_AWS_OPERATIONS,
  });
  // Wrapped in place: the clients are non-enumerable getters, which a spread would not copy.
  const destroyClients = clients.destroy;
  clients.destroy = () => {
    destroyClients();
    budget.close();
  };
  return clients;
}
