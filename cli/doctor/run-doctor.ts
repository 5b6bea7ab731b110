import { readFileSync } from "node:fs";
import type { MonitoringSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, awsClientOptions, createAwsClients } from "../../lib/aws/clients.js";
import type { Config } from "../../lib/config.js";
import { type AwsCheckContext, credentialsCheck, putMetricChecks, specParameterCheck } from "./aws-checks.js";
import { type CheckResult, skipped } from "./check.js";
import { clusterChecks } from "./cluster-checks.js";
import { dockerCheck } from "./docker-check.js";
import { redisCheck } from "./redis-check.js";
import { specCheck } from "./spec-check.js";

/** What `ecsmon doctor` checks, besides the config. */
export interface DoctorOptions {
  /** The spec parameter the controller reads. */
  parameter: string;
  /** Check this file's spec instead of the stored one (the parameter's absence is then only a warning). */
  specFile?: string | undefined;
  /** Publish one test datum per namespace instead of skipping the PutMetricData checks. */
  putTestMetric: boolean;
  /** Check the Docker socket even when none is found at DOCKER_HOST. */
  docker: boolean;
  /** Bound for the Redis and Docker checks. */
  timeoutMs: number;
}

/**
 * Runs every check once and returns the rows in a fixed order: credentials and region, the spec parameter, the
 * spec, each cluster's read calls, PutMetricData per namespace, Redis, Docker. AWS checks after a credentials
 * failure are skipped (they would all repeat it). Redis and Docker run alongside the AWS checks.
 */
export async function runDoctor(config: Config, options: DoctorOptions): Promise<CheckResult[]> {
  const clients = new Map<string, AwsClients>();
  const ctx: AwsCheckContext = {
    aws: config.aws,
    clientsFor(region) {
      let c = clients.get(region);
      if (!c) {
        c = createAwsClients(awsClientOptions(config.aws, region));
        clients.set(region, c);
      }
      return c;
    },
  };
  const local = Promise.all([
    redisCheck(config.redis, options.timeoutMs),
    dockerCheck(config.agent.dockerHost, { force: options.docker, timeoutMs: options.timeoutMs }),
  ]);
  try {
    const aws = await awsChecks(ctx, options);
    return [...aws, ...(await local)];
  } finally {
    for (const c of clients.values()) c.destroy();
  }
}

async function awsChecks(ctx: AwsCheckContext, options: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const credentials = await credentialsCheck(ctx);
  results.push(credentials);
  const awsUsable = credentials.status !== "fail";
  const needsCredentials = "needs working credentials (see above)";

  let text: string | undefined;
  let source: string;
  if (awsUsable) {
    const parameter = await specParameterCheck(ctx, options.parameter, { specFileGiven: Boolean(options.specFile) });
    results.push(parameter.result);
    text = parameter.text;
  } else {
    results.push(skipped(`SSM GetParameter ${options.parameter}`, needsCredentials));
  }
  if (options.specFile) {
    source = options.specFile;
    text = readFileSync(options.specFile, "utf8");
  } else {
    source = `ssm:${options.parameter}`;
  }

  let spec: MonitoringSpec | undefined;
  if (text !== undefined) {
    const checked = await specCheck(text, source, source.toLowerCase().endsWith(".json") ? "json" : "yaml");
    results.push(checked.result);
    spec = checked.spec;
  } else {
    results.push(skipped(`spec ${source}`, "no spec to check (see above)"));
  }

  if (!spec) {
    results.push(skipped("ECS, Cloud Map, SQS and CloudWatch calls", "need a valid spec naming the clusters"));
    return results;
  }
  if (!awsUsable) {
    results.push(skipped("ECS, Cloud Map, SQS and CloudWatch calls", needsCredentials));
    return results;
  }
  for (const perCluster of await Promise.all(spec.spec.clusters.map((cluster) => clusterChecks(ctx, cluster)))) {
    results.push(...perCluster);
  }
  results.push(...(await putMetricChecks(ctx, metricTargets(spec, ctx.aws.region), options.putTestMetric)));
  return results;
}

/** Each (region, namespace) the spec publishes into: enabled stats and capacity, once each. */
function metricTargets(spec: MonitoringSpec, defaultRegion: string): { region: string; namespace: string }[] {
  const seen = new Map<string, { region: string; namespace: string }>();
  for (const cluster of spec.spec.clusters) {
    const region = cluster.region ?? defaultRegion;
    for (const section of [cluster.stats, cluster.capacity]) {
      if (section.enabled) seen.set(`${region}\u0000${section.namespace}`, { region, namespace: section.namespace });
    }
  }
  return [...seen.values()];
}
