import { gzipSync } from "node:zlib";
import { ListServicesCommand, ListTasksCommand, TagResourceCommand } from "@aws-sdk/client-ecs";
import { createClusterObserver } from "../../controller/observe/create-observer.js";
import { toTargetGroups } from "../../controller/outputs/target-groups.js";
import { plan } from "../../controller/plan/plan.js";
import { ClusterSpec } from "../../crds-like-schemas/index.js";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { fromRoot } from "../../lib/paths.js";
import { type RunningSim, startSim } from "../../sim/index.js";
import type { BenchResult } from "../types.js";
import { byOperation, type Calls, diffCalls, formatCalls, totalCalls } from "./aws-calls.js";

/** Five tags as teams commonly set them, on the cluster, every service and every task (ADR 0046). */
const TAGS = [
  { key: "team", value: "payments" },
  { key: "cost-center", value: "cc-1234" },
  { key: "env", value: "production" },
  { key: "owner", value: "platform@example.com" },
  { key: "app.kubernetes.io/part-of", value: "checkout" },
];

interface Observation {
  /** AWS calls of the first sync plus one steady cycle. */
  calls: Calls;
  targets: number;
  jsonBytes: number;
  gzipBytes: number;
}

/**
 * What ECS tags cost, on sim/scenarios/demo.yaml: a fresh observer's first sync and one steady cycle, then plan()
 * and the http_sd document, untagged and then with {@link TAGS} on the cluster, every service and every task.
 * Tags ride on `include: ["TAGS"]` of calls already made, so the call counts must be equal; the SD bytes grow.
 */
export async function tagCostFigures(area: string): Promise<BenchResult[]> {
  const sim = await startSim({
    scenario: fromRoot("sim/scenarios/demo.yaml"),
    nodeSurfaces: false,
    transitionDelayMs: 0,
  });
  const clients = createAwsClients({ region: sim.region, endpointUrl: sim.endpoint });
  try {
    const untagged = await observeOnce(sim, clients);
    await tagEverything(sim, clients);
    const tagged = await observeOnce(sim, clients);
    const perTarget = (o: Observation, bytes: number) => Math.round(bytes / Math.max(1, o.targets));
    return [
      {
        area,
        name: "tags: extra AWS calls (first sync + steady cycle)",
        value: totalCalls(tagged.calls) - totalCalls(untagged.calls),
        unit: "calls",
        goal: "0",
        note: `demo.yaml, 5 tags on cluster, services, tasks: ${formatCalls(tagged.calls)}; untagged ${formatCalls(untagged.calls)}`,
      },
      {
        area,
        name: "tags: http_sd JSON per target",
        value: perTarget(tagged, tagged.jsonBytes),
        unit: "B",
        note: `untagged ${perTarget(untagged, untagged.jsonBytes)} B; gzip ${perTarget(tagged, tagged.gzipBytes)} B vs ${perTarget(untagged, untagged.gzipBytes)} B; ${tagged.targets} targets`,
      },
    ];
  } finally {
    clients.destroy();
    await sim.stop();
  }
}

async function observeOnce(sim: RunningSim, clients: AwsClients): Promise<Observation> {
  const spec = ClusterSpec.parse({ name: sim.scenario.cluster });
  const observer = createClusterObserver(spec, { region: sim.region, clients: { ecs: clients.ecs, ec2: clients.ec2 } });
  const before = byOperation(sim.server.counters.snapshot());
  await observer.observe();
  const view = await observer.observe();
  const calls = diffCalls(byOperation(sim.server.counters.snapshot()), before);
  const { targets } = plan(spec, view, { liveAgents: new Set(), sidecarTasks: new Set() });
  const json = JSON.stringify(toTargetGroups(targets));
  return { calls, targets: targets.length, jsonBytes: Buffer.byteLength(json), gzipBytes: gzipSync(json).length };
}

async function tagEverything(sim: RunningSim, clients: AwsClients): Promise<void> {
  const cluster = sim.scenario.cluster;
  const arns = [sim.store.requireCluster(cluster).clusterArn];
  arns.push(...((await clients.ecs.send(new ListServicesCommand({ cluster, maxResults: 100 }))).serviceArns ?? []));
  let nextToken: string | undefined;
  do {
    const page = await clients.ecs.send(new ListTasksCommand({ cluster, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  for (const resourceArn of arns) await clients.ecs.send(new TagResourceCommand({ resourceArn, tags: TAGS }));
}
