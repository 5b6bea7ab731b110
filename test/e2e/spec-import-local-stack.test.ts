import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import {
  DescribeContainerInstancesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Task,
} from "@aws-sdk/client-ecs";
import {
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../../lib/paths.js";
import { useDemoLocalStack } from "../helpers/demo-local-stack.js";
import { type PrometheusServer, startPrometheus } from "../helpers/prometheus-server.js";
import { simClientConfig } from "../helpers/sim-clients.js";
import { until } from "../helpers/until.js";

/**
 * `ecsmon spec import` end to end on the local stack (demo scenario). The references are the seeds' READMEs
 * (flags, Prometheus configuration and relabel rules, verbatim from test/fixtures/seeds), the ECS and Cloud Map
 * APIs (which containers and registrations exist), and a real Prometheus and promtool. Needs the built CLI.
 */

const ECSMON = fromRoot("dist/cli/ecsmon.js");
const seed = (name: string) => readFileSync(fromRoot(`test/fixtures/seeds/${name}.md`), "utf8");
const codeBlock = (text: string, marker: string) =>
  [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.includes(marker)) as string;

let stateDir: string;
let fileSd: string;
let spec003: string;
const prometheuses: PrometheusServer[] = [];

function ecsmon(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [ECSMON, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}

function awsClientConfig() {
  return simClientConfig({ region: "us-east-1", endpoint: demo.stack.urls.aws });
}

/** Every running task of the demo cluster with its EC2 instance id, from the ECS API. */
async function ecsTasks(): Promise<{ task: Task; ec2InstanceId: string | undefined }[]> {
  const ecs = new ECSClient(awsClientConfig());
  try {
    const arns = (await ecs.send(new ListTasksCommand({ cluster: "demo", desiredStatus: "RUNNING" }))).taskArns ?? [];
    const tasks: Task[] = [];
    for (let i = 0; i < arns.length; i += 100)
      tasks.push(
        ...((await ecs.send(new DescribeTasksCommand({ cluster: "demo", tasks: arns.slice(i, i + 100) }))).tasks ?? []),
      );
    const instanceArns = [...new Set(tasks.flatMap((t) => (t.containerInstanceArn ? [t.containerInstanceArn] : [])))];
    const instances = instanceArns.length
      ? ((await ecs.send(new DescribeContainerInstancesCommand({ cluster: "demo", containerInstances: instanceArns })))
          .containerInstances ?? [])
      : [];
    const ec2 = new Map(instances.map((i) => [i.containerInstanceArn, i.ec2InstanceId]));
    return tasks.map((task) => ({ task, ec2InstanceId: ec2.get(task.containerInstanceArn) }));
  } finally {
    ecs.destroy();
  }
}

/** Imports seed 003's README flags into `<dir>/spec-003.yaml`, the spec the stack then applies. */
function importSeed003(dir: string): string {
  stateDir = dir;
  // The local stack's controller writes file_sd at <stateDir>/file_sd.yml (also passed as --file-sd), so the
  // seed's -f points there: the imported outputs.fileSd.path and the file Prometheus reads are the same file.
  fileSd = join(stateDir, "file_sd.yml");
  spec003 = join(stateDir, "spec-003.yaml");
  // Seed 003's README: `docker run … sepa/ecs-sd -h`, with -h replaced by the flags its help lists.
  const dockerRun = (codeBlock(seed("003-prometheus-ecs-sd"), "sepa/ecs-sd").split("\n")[0] as string).replace(
    / -h$/,
    "",
  );
  const words = [...dockerRun.split(" "), "-f", fileSd, "-c", "demo", "-i", "60", "-l", "info", "-p", "8080"];
  const imported = ecsmon(["spec", "import", "--from", "prometheus-ecs-sd", "-o", spec003, "--", ...words]);
  expect(imported.status, imported.stderr).toBe(0);
  expect(imported.stderr).toContain("warning: not carried over: -i 60");
  const validated = ecsmon(["spec", "validate", spec003]);
  expect(validated.status, validated.stderr).toBe(0);
  return spec003;
}

const demo = useDemoLocalStack("import-e2e", (dir) => ({ spec: importSeed003(dir), prometheus: false }), 240_000);

afterAll(async () => {
  for (const prometheus of prometheuses) await prometheus.stop();
});

describe("spec import on the local stack", () => {
  it("seed 003: the README's flags → spec → file_sd that the README's Prometheus job and relabel rules read", async () => {
    const spec = parse(readFileSync(spec003, "utf8"));
    expect(spec.spec.outputs.fileSd.path).toBe(fileSd);
    expect(spec.spec.clusters[0].name).toBe("demo");

    const groups = await until(
      "the controller's file_sd",
      () => {
        if (!existsSync(fileSd)) return undefined;
        const parsed = parse(readFileSync(fileSd, "utf8")) as { targets: string[]; labels: Record<string, string> }[];
        return parsed?.length > 0 ? parsed : undefined;
      },
      90_000,
      500,
    );
    // The README's job, verbatim, with its file path pointing at the imported -f.
    const readmeJob = codeBlock(seed("003-prometheus-ecs-sd"), "file_sd_configs").replaceAll(
      "/prometheus/sd/ecs_file_sd.yml",
      fileSd,
    );
    expect(readmeJob).toContain("action: labeldrop");
    mkdirSync(join(stateDir, "prom-003"));
    const prometheus = await startPrometheus(join(stateDir, "prom-003"), readmeJob);
    prometheuses.push(prometheus);

    const expected = new Set(groups.flatMap((g) => g.targets));
    const targets = await until(
      "Prometheus's ecs job to list every file_sd target",
      async () => {
        const active = await prometheus.targets("ecs");
        const hosts = new Set(active.map((t) => new URL(t.scrapeUrl).host));
        return [...expected].every((a) => hosts.has(a)) ? active : undefined;
      },
      60_000,
      500,
    );
    expect(targets.length).toBe(groups.length);

    // Reference: the ECS API's containers, by ARN.
    const reference = new Map<string, { name: string; revision: string; ec2InstanceId: string | undefined }>();
    for (const { task, ec2InstanceId } of await ecsTasks()) {
      const revision = task.taskDefinitionArn?.split(":").pop() as string;
      for (const c of task.containers ?? [])
        if (c.containerArn) reference.set(c.containerArn, { name: c.name as string, revision, ec2InstanceId });
    }
    const names = new Set<string>();
    for (const target of targets) {
      // Which container this is: ecsmon's __meta_ecs_container_arn (the same ARN as seed 003's container_arn,
      // which rule 3 drops; Prometheus 2.x reports discoveredLabels after that drop).
      const arn = target.discoveredLabels.__meta_ecs_container_arn as string;
      const container = reference.get(arn);
      expect(
        container,
        `${target.scrapeUrl}: container_arn ${arn} is a container of a running demo task; discovered ${JSON.stringify(target.discoveredLabels)}`,
      ).toBeDefined();
      if (!container) continue;
      names.add(container.name);
      expect(target.labels.container_name).toBe(container.name);
      expect(target.labels.task_revision).toBe(container.revision);
      // Rule 3 of the README: container_arn dropped after use.
      expect(target.labels.container_arn).toBeUndefined();
      // Rule 2: node-exporter and cadvisor are named by their EC2 instance; rule 1: name-revision-<arn suffix>.
      const instance = /^(node-exporter|cadvisor)$/.test(container.name)
        ? container.ec2InstanceId
        : `${container.name}-${container.revision}-${arn.split("-").pop()}`;
      expect(target.labels.instance, target.scrapeUrl).toBe(instance);
      if (container.ec2InstanceId) expect(target.labels.instance_id).toBe(container.ec2InstanceId);
    }
    // The demo has node-exporter (rule 2) and labelled containers in bridge, host and awsvpc mode (rule 1).
    expect(names).toContain("node-exporter");
    expect(names).toContain("app");
    expect(targets.some((t) => new URL(t.scrapeUrl).pathname === "/internal/metrics")).toBe(true);
  });

  it("seed 001: SSM parameters → merged spec + http_sd Prometheus config that promtool accepts and that finds the Cloud Map targets", async () => {
    // Seed 001's parameters: the upstream prometheus.yaml template (its global section, remote_write and the
    // sidecar's file_sd job) plus a job of the user's own, and the namespaces list.
    const userConfig = `${readFileSync(fromRoot("test/fixtures/seeds/001-prometheus.yaml"), "utf8")}  - job_name: self
    # the user's own job, which must come through unchanged
    static_configs:
      - targets: ["127.0.0.1:9090"]
    relabel_configs:
      - target_label: team
        replacement: platform
`;
    const ssm = new SSMClient(awsClientConfig());
    await ssm.send(
      new PutParameterCommand({
        Name: "ECS-Prometheus-Configuration",
        Type: "String",
        Value: userConfig,
        Overwrite: true,
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: "ECS-ServiceDiscovery-Namespaces",
        Type: "String",
        Value: "demo.local",
        Overwrite: true,
      }),
    );
    ssm.destroy();

    const out = join(stateDir, "import-001");
    mkdirSync(out);
    const merged = join(out, "spec.yaml");
    const imported = ecsmon([
      "--endpoint-url",
      demo.stack.urls.aws,
      "--region",
      "us-east-1",
      "spec",
      "import",
      "--from",
      "prometheus-for-ecs",
      "--ssm",
      "--cluster",
      "demo",
      "--merge",
      spec003,
      "--sd-url",
      `${demo.stack.urls.controller}/sd/prometheus`,
      "-o",
      merged,
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const text = readFileSync(merged, "utf8");
    expect(text, "the merged spec keeps seed 003's comments").toContain("# prometheus-ecs-sd -c demo");
    expect(text).toContain(
      "# prometheus-for-ecs ECS-ServiceDiscovery-Namespaces (ssm:ECS-ServiceDiscovery-Namespaces)",
    );
    const spec = parse(text);
    expect(spec.spec.clusters).toHaveLength(1);
    expect(spec.spec.clusters[0].cloudMap.namespaces).toEqual(["demo.local"]);
    expect(spec.spec.clusters[0].scrape).toMatchObject({ interval: "30s", timeout: "10s" });

    const promConfig = join(out, "ecsmon-prometheus.yml");
    const check = spawnSync("promtool", ["check", "config", promConfig], { encoding: "utf8" });
    expect(check.error, "promtool (Debian package prometheus) is required").toBeUndefined();
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    const config = parse(readFileSync(promConfig, "utf8"));
    const original = parse(userConfig);
    expect(config.remote_write).toEqual(original.remote_write);
    expect(config.global).toEqual(original.global);
    expect(config.scrape_configs.find((j: { job_name: string }) => j.job_name === "self")).toEqual(
      original.scrape_configs.find((j: { job_name: string }) => j.job_name === "self"),
    );

    const applied = ecsmon(["spec", "apply", merged], {
      AWS_ENDPOINT_URL: demo.stack.urls.aws,
      AWS_REGION: "us-east-1",
    });
    expect(applied.status, applied.stderr).toBe(0);

    // Reference: Cloud Map's registrations in demo.local, and the ECS tasks behind their IPs.
    const discovery = new ServiceDiscoveryClient(awsClientConfig());
    const registered = new Map<string, string>();
    const namespace = (await discovery.send(new ListNamespacesCommand({}))).Namespaces?.find(
      (n) => n.Name === "demo.local",
    );
    const services = await discovery.send(
      new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [namespace?.Id ?? ""], Condition: "EQ" }] }),
    );
    for (const service of services.Services ?? []) {
      for (const { Attributes: a = {} } of (await discovery.send(new ListInstancesCommand({ ServiceId: service.Id })))
        .Instances ?? [])
        registered.set(
          `${a.AWS_INSTANCE_IPV4}:${a.METRICS_PORT ?? a.AWS_INSTANCE_PORT}`,
          a.AWS_INSTANCE_IPV4 as string,
        );
    }
    discovery.destroy();
    expect(registered.size, "demo.yaml registers tasks in Cloud Map").toBeGreaterThan(0);
    const byIp = new Map<string, Task>();
    for (const { task } of await ecsTasks())
      for (const attachment of task.attachments ?? [])
        for (const d of attachment.details ?? [])
          if (d.name === "privateIPv4Address" && d.value) byIp.set(d.value, task);

    mkdirSync(join(out, "prometheus"));
    const prometheus = await startPrometheus(join(out, "prometheus"), readFileSync(promConfig, "utf8"));
    prometheuses.push(prometheus);
    const targets = await until(
      "every Cloud Map registration in the ecs_services job",
      async () => {
        const active = await prometheus.targets("ecs_services");
        const hosts = new Set(active.map((t) => new URL(t.scrapeUrl).host));
        return [...registered.keys()].every((r) => hosts.has(r)) ? active : undefined;
      },
      90_000,
      500,
    );
    expect(targets.map((t) => new URL(t.scrapeUrl).host).sort()).toEqual([...registered.keys()].sort());
    for (const target of targets) {
      const ip = registered.get(new URL(target.scrapeUrl).host) as string;
      const task = byIp.get(ip);
      expect(task, `an ECS task owns ${ip}`).toBeDefined();
      // The sidecar's labels (pkg/aws/cloudmap.go): instance = the IP, cluster, service, taskdefinition.
      expect(target.labels).toMatchObject({
        instance: ip,
        cluster: "demo",
        service: task?.group?.replace(/^service:/, ""),
        taskdefinition: task?.taskDefinitionArn?.split("/").pop()?.split(":")[0],
      });
    }
    expect((await prometheus.targets("self")).map((t) => t.labels.team)).toEqual(["platform"]);
  });
  it("seed 004: the README's alarm → capacity on, and the companion alarm's metric query finds ecsmon's datapoints", async () => {
    const out = join(stateDir, "import-004");
    mkdirSync(out);
    writeFileSync(join(out, "alarm.sh"), codeBlock(seed("004-eni-monitor"), "put-metric-alarm"));
    const previous = join(stateDir, "import-001", "spec.yaml");
    const base = existsSync(previous) ? previous : spec003;
    const merged = join(out, "spec.yaml");
    const imported = ecsmon([
      "spec",
      "import",
      "--from",
      "eni-monitor",
      join(out, "alarm.sh"),
      "--cluster",
      "demo",
      "--task-size",
      "small=256/512/awsvpc",
      "--merge",
      base,
      "-o",
      merged,
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    const applied = ecsmon(["spec", "apply", merged], {
      AWS_ENDPOINT_URL: demo.stack.urls.aws,
      AWS_REGION: "us-east-1",
    });
    expect(applied.status, applied.stderr).toBe(0);

    const alarm = JSON.parse(readFileSync(join(out, "ecsmon-alarm.json"), "utf8"));
    expect(alarm).toMatchObject({ Threshold: 2, Period: 300, EvaluationPeriods: 1, Statistic: "Average" });
    // The alarm's own query, as CloudWatch would run it (GetMetricStatistics over the AWS API): it must find data.
    const cloudwatch = new CloudWatchClient(awsClientConfig());
    const points = await until(
      `datapoints for ${alarm.Namespace} ${alarm.MetricName} ${JSON.stringify(alarm.Dimensions)}`,
      async () => {
        const now = Date.now();
        const answer = await cloudwatch.send(
          new GetMetricStatisticsCommand({
            Namespace: alarm.Namespace,
            MetricName: alarm.MetricName,
            Dimensions: alarm.Dimensions,
            Statistics: [alarm.Statistic],
            Period: alarm.Period,
            StartTime: new Date(now - 3_600_000),
            EndTime: new Date(now + 60_000),
          }),
        );
        return answer.Datapoints?.length ? answer.Datapoints : undefined;
      },
      120_000,
      1_000,
    );
    cloudwatch.destroy();
    expect(points[0]?.Average).toBeGreaterThanOrEqual(0);
    expect(alarm.MetricName).toBe("SchedulableTasks");
  });
});
