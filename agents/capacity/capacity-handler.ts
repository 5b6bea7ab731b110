import type { EC2Client } from "@aws-sdk/client-ec2";
import type { Registry } from "prom-client";
import { CAPACITY_CONTRACT, type CapacityReport, type NodeSyncJob } from "../../crds-like-schemas/index.js";
import { createUnlistedTrunkTypeWarning, trunkEniLimit } from "../../lib/aws/eni-trunking-limits.js";
import type { Logger } from "../../lib/logger.js";
import { gauge, zeroedCounter } from "../../lib/prom-metrics.js";
import type { NodeHandler } from "../node-handler.js";
import { createEniLimitCache } from "./eni-limits.js";
import { createImdsClient, type ImdsClient } from "./imds-client.js";

export interface CapacityHandlerDeps {
  /** IMDS base URL, e.g. http://169.254.169.254 (config `ECSMON_IMDS_ENDPOINT`). */
  imdsEndpoint: string;
  /** The client, or a function that builds it on first DescribeInstanceTypes (the agent's lazy clients). */
  ec2: EC2Client | (() => EC2Client);
  /** Sends the report to the controller (the agent runtime puts it on the reports queue). */
  report: (report: CapacityReport) => Promise<void>;
  logger: Logger;
  registry?: Registry | undefined;
  now?: () => number;
  /** How often the node is re-checked for changes between periodic reports. @defaultValue min(period, 15000) ms */
  checkIntervalMs?: number;
  /** Tests inject a client; otherwise one is built for `imdsEndpoint`. */
  imds?: ImdsClient;
}

type CapacitySpec = NodeSyncJob["capacity"];

/** The fields that make two reports "the same" (everything but the time). */
function fingerprint(r: CapacityReport): string {
  return JSON.stringify([r.cluster, r.nodeId, r.instanceType, r.instanceTypeSource, r.eni, r.attachedInterfaces]);
}

/**
 * The agent's `capacity` handler: what the node itself knows about its ENI headroom. Instance type from IMDS
 * (IMDSv2), else the controller's view in the job; the type's maximum ENIs from the EC2 guide's table (else
 * DescribeInstanceTypes, cached), or the trunk's branch-ENI limit from the ECS guide's table when the job says the
 * node has a trunk and the table lists the type as supported (an unlisted type is logged once); ENIs in use = the
 * primary + one per awsvpc task (branch ENIs in use when trunking); attached interfaces as IMDS lists them.
 * Reports every `capacity.periodMs` and whenever a figure changes.
 */
export function createCapacityHandler(deps: CapacityHandlerDeps): NodeHandler {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ handler: "capacity" });
  const imds = deps.imds ?? createImdsClient({ endpoint: deps.imdsEndpoint, now });
  const limits = createEniLimitCache(deps.ec2);
  const warnUnlisted = createUnlistedTrunkTypeWarning(log);
  const registry = deps.registry;
  const metrics = registry && {
    max: gauge(registry, { name: "ecsmon_node_eni_max", help: "ENI limit of this node (branch ENIs when trunking)." }),
    used: gauge(registry, {
      name: "ecsmon_node_eni_used",
      help: "ENIs in use on this node (branch ENIs when trunking).",
    }),
    attached: gauge(registry, {
      name: "ecsmon_node_attached_interfaces",
      help: "Network interfaces attached, per IMDS.",
    }),
    reports: zeroedCounter(registry, {
      name: "ecsmon_capacity_reports_total",
      help: "Capacity reports sent, by result.",
      label: "result",
      values: ["ok", "error"],
    }),
  };

  let spec: CapacitySpec | undefined;
  let cluster = "";
  let nodeId = "";
  let generation = -1;
  let timer: NodeJS.Timeout | undefined;
  let timerPeriod = 0;
  let running: Promise<void> | undefined;
  let rerun = false;
  let stopped = false;
  let lastSent: { fingerprint: string; atMs: number } | undefined;

  async function buildReport(s: CapacitySpec): Promise<CapacityReport> {
    const fromImds = await imds.get("instance-type");
    const instanceType = fromImds || s.instanceType;
    const source: CapacityReport["instanceTypeSource"] = fromImds ? "imds" : s.instanceType ? "controller" : "unknown";
    const macs = await imds.get("network/interfaces/macs/");
    const attachedInterfaces =
      macs === undefined ? undefined : macs.split("\n").filter((line) => line.trim().length > 0).length || undefined;
    let eni: CapacityReport["eni"];
    if (instanceType) {
      // s.trunking is the node's `ecs.awsvpc-trunk-id` attribute as the controller observed it.
      const branch = trunkEniLimit(instanceType, s.trunking, warnUnlisted);
      if (branch !== undefined) {
        eni = { max: branch, used: s.awsvpcTasks, trunking: true };
      } else {
        try {
          const max = await limits.maxEnis(instanceType);
          if (max !== undefined) eni = { max, used: 1 + s.awsvpcTasks, trunking: false };
        } catch (error) {
          log.warn({ err: error, instanceType }, "DescribeInstanceTypes failed; reporting without an ENI limit");
        }
      }
    }
    const report: CapacityReport = {
      contract: CAPACITY_CONTRACT,
      cluster,
      nodeId,
      at: new Date(now()).toISOString(),
      instanceTypeSource: source,
    };
    if (instanceType) report.instanceType = instanceType;
    if (eni) report.eni = eni;
    if (attachedInterfaces !== undefined) report.attachedInterfaces = attachedInterfaces;
    return report;
  }

  async function cycle(force: boolean): Promise<void> {
    const s = spec;
    if (!s?.enabled) return;
    const report = await buildReport(s);
    if (spec !== s && !spec?.enabled) return;
    if (metrics) {
      if (report.eni) {
        metrics.max.set(report.eni.max);
        metrics.used.set(report.eni.used);
      }
      if (report.attachedInterfaces !== undefined) metrics.attached.set(report.attachedInterfaces);
    }
    const print = fingerprint(report);
    const due = !lastSent || now() - lastSent.atMs >= s.periodMs;
    if (!force && !due && lastSent?.fingerprint === print) return;
    try {
      await deps.report(report);
      lastSent = { fingerprint: print, atMs: now() };
      metrics?.reports.inc({ result: "ok" });
    } catch (error) {
      metrics?.reports.inc({ result: "error" });
      log.warn({ err: error }, "capacity report not sent; will retry on the next check");
    }
  }

  const trigger = (force: boolean) => {
    if (stopped) return;
    if (running) {
      rerun ||= force;
      return;
    }
    running = cycle(force)
      .catch((error: unknown) => log.error({ err: error }, "capacity cycle failed"))
      .finally(() => {
        running = undefined;
        if (rerun) {
          rerun = false;
          trigger(true);
        }
      });
  };

  const schedule = (periodMs: number) => {
    const interval = deps.checkIntervalMs ?? Math.min(periodMs, 15_000);
    if (timer && timerPeriod === interval) return;
    if (timer) clearInterval(timer);
    timerPeriod = interval;
    timer = setInterval(() => trigger(false), interval);
    timer.unref();
  };

  return {
    name: "capacity",
    async apply(job: NodeSyncJob): Promise<void> {
      if (stopped || job.generation < generation) return;
      generation = job.generation;
      const previous = spec;
      spec = job.capacity;
      cluster = job.cluster;
      nodeId = job.nodeId;
      if (!spec.enabled) {
        if (timer) clearInterval(timer);
        timer = undefined;
        lastSent = undefined;
        return;
      }
      schedule(spec.periodMs);
      const changed =
        !previous?.enabled ||
        previous.awsvpcTasks !== spec.awsvpcTasks ||
        previous.trunking !== spec.trunking ||
        previous.instanceType !== spec.instanceType;
      if (changed) trigger(false);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running;
    },
  };
}
