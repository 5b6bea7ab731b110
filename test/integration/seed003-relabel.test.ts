import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeContainerInstancesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessStack, startInProcessStack } from "../helpers/in-process-stack.js";
import { type PrometheusServer, type PrometheusTarget, startPrometheus } from "../helpers/prometheus-server.js";
import { clusterSpec } from "../helpers/put-spec.js";
import { simClientConfig } from "../helpers/sim-clients.js";
import { until } from "../helpers/until.js";

/**
 * Seed 003's README relabel examples, verbatim, run by a real Prometheus against ecsmon's file_sd and http_sd.
 * Seed 003 labelled each target `container_name`, `task_revision`, `container_arn` and `instance_id` (the EC2
 * instance id); its examples turn `instance` into `<container>-<revision>-<last part of the container ARN>`,
 * or into the EC2 instance id for node-exporter and cadvisor, then drop `container_arn`. The expected `instance`
 * values are computed from the ECS API's answers (DescribeTasks, DescribeTaskDefinition,
 * DescribeContainerInstances through the AWS SDK) by those documented rules, not from ecsmon's output.
 */

const CLUSTER = "seed003";

/** Seed 003's README, "optional relabel example". */
const SEED003_RELABEL = `
    relabel_configs:
      # fix instance from host:mapped_port to containername-rev-hash
      - source_labels: [container_name, task_revision, container_arn]
        action: replace
        regex: (.*);(.*);.*-(.*)
        replacement: $1-$2-$3
        target_label: instance
      # use instance_id for node-exporter and cadvisor
      - source_labels: [container_name, instance_id]
        regex: (node-exporter|cadvisor);(.*)
        replacement: $2
        target_label: instance
      # not needed anymore
      - regex: container_arn
        action: labeldrop`;

const SCENARIO = `
name: seed003
seed: 3
region: eu-west-1
cluster: ${CLUSTER}
transitionDelayMs: 0
instances:
  - type: m5.large
  - type: m5.large
taskDefinitions:
  # seed 003's README dockerLabels, verbatim
  - family: backend
    networkMode: bridge
    containers:
      - name: backend-dev
        cpu: 128
        memory: 128
        portMappings: [{ containerPort: 8080, hostPort: 0 }, { containerPort: 9106, hostPort: 0 }]
        dockerLabels:
          PROMETHEUS_SCRAPES: "8080/internal/metrics,9106"
          PROMETHEUS_LABELS: "__scheme__=https,skip_15s=true"
  - family: node-exporter
    networkMode: host
    containers:
      - name: node-exporter
        cpu: 64
        memory: 64
        portMappings: [9100]
        dockerLabels: { PROMETHEUS_SCRAPES: "9100" }
  - family: cadvisor
    networkMode: bridge
    containers:
      - name: cadvisor
        cpu: 64
        memory: 64
        portMappings: [{ containerPort: 8080, hostPort: 0 }]
        dockerLabels: { PROMETHEUS_SCRAPES: "8080" }
  - family: worker
    networkMode: awsvpc
    containers:
      - name: worker
        cpu: 64
        memory: 64
        portMappings: [8080]
        dockerLabels: { PROMETHEUS_SCRAPES: "8080" }
  - family: checkout
    requiresCompatibilities: [FARGATE]
    networkMode: awsvpc
    cpu: 256
    memory: 512
    containers:
      - name: checkout
        portMappings: [9090]
        dockerLabels: { PROMETHEUS_SCRAPES: "9090" }
services:
  - { name: backend, taskDefinition: backend, desiredCount: 1 }
  - { name: node-exporter, taskDefinition: node-exporter, schedulingStrategy: DAEMON }
  - { name: cadvisor, taskDefinition: cadvisor, schedulingStrategy: DAEMON }
  - { name: worker, taskDefinition: worker, desiredCount: 1 }
  - { name: checkout, taskDefinition: checkout, desiredCount: 1, launchType: FARGATE }
`;

/** One scrape endpoint seed 003 would have listed, with the `instance` its relabel examples give it. */
interface Expected {
  instance: string;
  path: string;
  skip15s: boolean;
}

let stack: InProcessStack;
let prometheus: PrometheusServer | undefined;
let dir: string;

/** From the ECS API: every labelled container's endpoints and the `instance` seed 003's rules give them. */
async function expectedFromEcsApi(): Promise<Expected[]> {
  const ecs = new ECSClient(simClientConfig(stack.sim));
  try {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER }))).taskArns ?? [];
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks ?? [];
    const instanceArns = [...new Set(tasks.map((t) => t.containerInstanceArn).filter((a): a is string => !!a))];
    const instances = await ecs.send(
      new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: instanceArns }),
    );
    const ec2Of = new Map(instances.containerInstances?.map((c) => [c.containerInstanceArn, c.ec2InstanceId]));
    const out: Expected[] = [];
    for (const task of tasks) {
      const def = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn })))
        .taskDefinition;
      for (const cd of def?.containerDefinitions ?? []) {
        const scrapes = cd.dockerLabels?.PROMETHEUS_SCRAPES;
        if (!scrapes || !cd.name) continue;
        const container = task.containers?.find((c) => c.name === cd.name);
        const arnTail = container?.containerArn?.split("-").pop() ?? "";
        const ec2 = task.containerInstanceArn ? ec2Of.get(task.containerInstanceArn) : undefined;
        const instance =
          (cd.name === "node-exporter" || cd.name === "cadvisor") && ec2
            ? ec2
            : `${cd.name}-${def?.revision}-${arnTail}`;
        for (const entry of scrapes.split(",")) {
          const slash = entry.indexOf("/");
          out.push({
            instance,
            path: slash >= 0 ? entry.slice(slash) : "/metrics",
            skip15s: cd.dockerLabels?.PROMETHEUS_LABELS?.includes("skip_15s=true") ?? false,
          });
        }
      }
    }
    return out;
  } finally {
    ecs.destroy();
  }
}

/** Active targets of the three jobs. */
async function activeTargets(): Promise<PrometheusTarget[]> {
  const server = prometheus;
  if (!server) throw new Error("prometheus is not running");
  const pools = await Promise.all(["ecs-file", "ecs-http", "ecs-1m"].map((pool) => server.targets(pool)));
  return pools.flat();
}

const seen = (targets: PrometheusTarget[], pool: string) =>
  targets
    .filter((t) => t.scrapePool === pool)
    .map((t) => `${t.labels.instance} ${new URL(t.scrapeUrl).pathname}`)
    .sort();

const wanted = (expected: Expected[]) => expected.map((e) => `${e.instance} ${e.path}`).sort();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ecsmon-seed003-"));
  const fileSdPath = join(dir, "ecs_file_sd.yml");
  stack = await startInProcessStack({
    sim: { scenario: SCENARIO, nodeSurfaces: false },
    spec: clusterSpec(CLUSTER),
    env: {
      AWS_MAX_ATTEMPTS: "1",
      ECSMON_SPEC_POLL_INTERVAL: "200ms",
      ECSMON_RECONCILE_INTERVAL: "400ms",
      ECSMON_CONTROLLER_ID: "seed003",
    },
    controller: { fileSdPath },
  });

  const sdUrl = `${stack.controller.apiUrl}/sd/prometheus`;
  prometheus = await startPrometheus(
    dir,
    `global:
  scrape_interval: 1m
scrape_configs:
  - job_name: ecs-file
    file_sd_configs:
      - files: ["${fileSdPath}"]
        refresh_interval: 1s
${SEED003_RELABEL}
  - job_name: ecs-http
    http_sd_configs:
      - url: "${sdUrl}"
        refresh_interval: 1s
${SEED003_RELABEL}
  # seed 003: "have some containers scraped 15s or 1m via multiple targets with relabel_configs and action: keep"
  - job_name: ecs-1m
    http_sd_configs:
      - url: "${sdUrl}"
        refresh_interval: 1s
    relabel_configs:
      - source_labels: [skip_15s]
        regex: "true"
        action: keep
`,
  );
});

afterAll(async () => {
  await prometheus?.stop();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("seed 003's relabel examples through a real Prometheus", () => {
  it("select the same targets, with seed 003's instance names, from file_sd and from http_sd", async () => {
    const expected = await expectedFromEcsApi();
    // backend-dev (2 endpoints), node-exporter and cadvisor on each of 2 instances, worker (awsvpc), checkout (Fargate)
    expect(expected).toHaveLength(8);
    const targets = await until(
      "Prometheus to discover every target through file_sd and http_sd",
      async () => {
        const got = await activeTargets();
        const ok = ["ecs-file", "ecs-http"].every((pool) => seen(got, pool).join("\n") === wanted(expected).join("\n"));
        return ok ? got : undefined;
      },
      45_000,
      250,
    ).catch(async (error) => {
      const got = await activeTargets().catch(() => []);
      throw new Error(
        `${error}\nwanted ${JSON.stringify(wanted(expected))}\nfile_sd ${JSON.stringify(seen(got, "ecs-file"))}`,
      );
    });
    // The third example dropped container_arn; the first one could only build `instance` from it.
    for (const target of targets.filter((t) => t.scrapePool !== "ecs-1m")) {
      expect(target.labels).not.toHaveProperty("container_arn");
    }
    const ec2Ids = expected.filter((e) => /^i-/.test(e.instance)).map((e) => e.instance);
    expect(ec2Ids).toHaveLength(4);
  });

  it("keeps only the containers labelled skip_15s=true in the 1m job (seed 003's `action: keep` usage)", async () => {
    const expected = (await expectedFromEcsApi()).filter((e) => e.skip15s);
    expect(expected).toHaveLength(2);
    const got = await until("the 1m job's targets", async () => {
      const pool = (await activeTargets()).filter((t) => t.scrapePool === "ecs-1m");
      return pool.length === expected.length ? pool : undefined;
    });
    expect(got.map((t) => new URL(t.scrapeUrl).pathname).sort()).toEqual(expected.map((e) => e.path).sort());
    expect(got.every((t) => t.scrapeUrl.startsWith("https://"))).toBe(true);
  });
});
