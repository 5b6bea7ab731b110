import { LRUCache } from "lru-cache";
import { trunkBranchEnis } from "../../lib/aws/eni-trunking-limits.js";
import { awsErrorCode, classifyAwsError } from "../../lib/aws/instrument.js";
import type { ObservedInstance, ObservedInstanceType } from "../model.js";
import type { Ec2Api, EcsApi } from "./aws-apis.js";
import { type CallRecorder, chunk, mapLimit } from "./call-stats.js";
import {
  type ContainerInstanceLike,
  type Ec2InstanceFacts,
  toEc2InstanceFacts,
  toObservedInstance,
} from "./ecs-mappers.js";
import type { ObserveCachePort } from "./shared-cache.js";

/** How long an instance id EC2 did not return stays unknown before it is asked for again. */
const UNKNOWN_INSTANCE_TTL_MS = 5 * 60_000;

/** What an instance refresh produced; committed by the observer only when the whole cycle succeeds. */
export interface InstanceRefresh {
  instances: Map<string, ObservedInstance>;
  /** Whether the full list was read (ListContainerInstances), which resets the capacity-period clock. */
  full: boolean;
}

/**
 * Container instances, their EC2 facts (cached by instance id: private IP, type and zone do not change for
 * the life of an instance; public IP and tags can, and are read again only when the instance leaves the LRU or
 * the controller restarts) and instance-type figures (cached by type).
 *
 * Call budget: ListContainerInstances + DescribeContainerInstances (≤100 per call) once per capacity period
 * or when marked dirty; in between, only instances that a task references but the cache does not know are
 * described. EC2 DescribeInstances (≤100 ids per call) runs only for instance ids never seen;
 * DescribeInstanceTypes (≤100) only for types never seen. With a shared cache (ADR 0068), EC2 facts and types
 * are looked up in Redis before EC2 is asked, and what EC2 answered is stored there for the other replicas.
 */
export class InstanceCache {
  private instances = new Map<string, ObservedInstance>();
  private readonly versions = new Map<string, number>();
  private readonly ec2Facts: LRUCache<string, Ec2InstanceFacts>;
  private readonly types = new Map<string, ObservedInstanceType>();
  private readonly unknownTypes = new Set<string>();
  private refreshedAt: number | undefined;
  private dirty = true;

  constructor(
    private readonly ecs: EcsApi,
    private readonly ec2: Ec2Api,
    private readonly options: { ec2CacheSize?: number | undefined; shared?: ObserveCachePort | undefined } = {},
  ) {
    this.ec2Facts = new LRUCache({ max: options.ec2CacheSize ?? 20_000 });
  }

  /** Forces a full refresh on the next cycle (an instance event for an unknown instance, a resync request). */
  markDirty(): void {
    this.dirty = true;
  }

  current(): ReadonlyMap<string, ObservedInstance> {
    return this.instances;
  }

  instanceTypes(): ReadonlyMap<string, ObservedInstanceType> {
    return this.types;
  }

  /** Reads what is due. Throws (an ObservationError) if any required call fails; nothing is committed then. */
  async refresh(
    clusterArn: string,
    referenced: ReadonlySet<string>,
    now: number,
    periodMs: number,
    recorder: CallRecorder,
    concurrency: number,
  ): Promise<InstanceRefresh> {
    const due = this.dirty || this.refreshedAt === undefined || now - this.refreshedAt >= periodMs;
    let arns: string[];
    let base: Map<string, ObservedInstance>;
    if (due) {
      arns = [];
      let token: string | undefined;
      do {
        const page = await recorder.call("ecs:ListContainerInstances", () =>
          this.ecs.listContainerInstances({ cluster: clusterArn, maxResults: 100, nextToken: token }),
        );
        arns.push(...(page.containerInstanceArns ?? []));
        token = page.nextToken;
      } while (token);
      base = new Map();
    } else {
      arns = [...referenced].filter((arn) => !this.instances.has(arn));
      base = new Map(this.instances);
      if (arns.length === 0) return { instances: this.instances, full: false };
    }
    const described: ContainerInstanceLike[] = [];
    await mapLimit(chunk(arns, 100), concurrency, async (batch) => {
      const out = await recorder.call("ecs:DescribeContainerInstances", () =>
        this.ecs.describeContainerInstances({ cluster: clusterArn, containerInstances: batch }),
      );
      described.push(...(out.containerInstances ?? []));
    });
    await this.loadEc2Facts(
      described.map((ci) => ci.ec2InstanceId).filter((id): id is string => Boolean(id)),
      recorder,
    );
    for (const ci of described) {
      const instance = toObservedInstance(ci, ci.ec2InstanceId ? this.ec2Facts.get(ci.ec2InstanceId) : undefined);
      if (!instance) continue;
      // An unchanged instance stays the same object: plan() memoizes its tasks' targets by identity.
      const known = this.instances.get(instance.containerInstanceArn);
      base.set(instance.containerInstanceArn, known && sameFields(known, instance) ? known : instance);
    }
    await this.loadInstanceTypes(
      [...base.values()].map((i) => i.instanceType).filter((t): t is string => Boolean(t)),
      recorder,
    );
    return { instances: base, full: due };
  }

  commit(refresh: InstanceRefresh, now: number): void {
    this.instances = refresh.instances;
    if (refresh.full) {
      this.refreshedAt = now;
      this.dirty = false;
    }
  }

  /**
   * Applies an `ECS Container Instance State Change` detail to a known instance (keeping its EC2 facts), ignoring
   * versions older than the last applied one. An unknown instance marks the cache dirty instead.
   */
  applyEvent(detail: ContainerInstanceLike & { version?: number | undefined }): "applied" | "stale" | "refresh" {
    const arn = detail.containerInstanceArn;
    const known = arn ? this.instances.get(arn) : undefined;
    if (!arn || !known) {
      this.dirty = true;
      return "refresh";
    }
    const last = this.versions.get(arn);
    if (detail.version !== undefined && last !== undefined && detail.version <= last) return "stale";
    const updated = toObservedInstance(
      { ec2InstanceId: known.ec2InstanceId, ...detail },
      this.ec2Facts.get(known.ec2InstanceId),
    );
    if (!updated) return "stale";
    if (detail.version !== undefined) this.versions.set(arn, detail.version);
    const next = new Map(this.instances);
    next.set(arn, updated);
    this.instances = next;
    return "applied";
  }

  private async loadEc2Facts(ids: string[], recorder: CallRecorder): Promise<void> {
    let missing = [...new Set(ids)].filter((id) => !this.ec2Facts.has(id));
    if (missing.length === 0) return;
    const shared = (await this.options.shared?.instanceFacts(missing)) ?? new Map<string, Ec2InstanceFacts>();
    for (const [id, facts] of shared) this.ec2Facts.set(id, facts, { ttl: 0 });
    missing = missing.filter((id) => !shared.has(id));
    const fetched = new Map<string, Ec2InstanceFacts>();
    for (const batch of chunk(missing, 100)) {
      let out: Awaited<ReturnType<Ec2Api["describeInstances"]>>;
      try {
        out = await recorder.call("ec2:DescribeInstances", () => this.ec2.describeInstances({ InstanceIds: batch }));
      } catch (error) {
        // One unknown id fails the whole InstanceIds call; the instance-id filter returns the ones that exist.
        if (!isClientError(error, /InvalidInstanceID/)) throw error;
        out = await recorder.call("ec2:DescribeInstances", () =>
          this.ec2.describeInstances({ Filters: [{ Name: "instance-id", Values: batch }] }),
        );
      }
      // Ids EC2 does not return keep empty facts (no private IP) for a while instead of being asked every cycle.
      for (const id of batch) this.ec2Facts.set(id, {}, { ttl: UNKNOWN_INSTANCE_TTL_MS });
      for (const reservation of out.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          if (!instance.InstanceId) continue;
          const facts = toEc2InstanceFacts(instance);
          this.ec2Facts.set(instance.InstanceId, facts, { ttl: 0 });
          fetched.set(instance.InstanceId, facts);
        }
      }
    }
    await this.options.shared?.storeInstanceFacts(fetched);
  }

  /**
   * Instance-type figures feed capacity only, so a type the API does not know (a client error) is remembered
   * as unknown instead of failing every cycle; throttling and server errors still fail the cycle.
   */
  private async loadInstanceTypes(names: string[], recorder: CallRecorder): Promise<void> {
    let missing = [...new Set(names)].filter((t) => !this.types.has(t) && !this.unknownTypes.has(t));
    if (missing.length === 0) return;
    const shared = (await this.options.shared?.instanceTypes(missing)) ?? new Map<string, ObservedInstanceType>();
    for (const [name, type] of shared) this.types.set(name, type);
    missing = missing.filter((t) => !shared.has(t));
    const fetched: ObservedInstanceType[] = [];
    for (const batch of chunk(missing, 100)) {
      let out: Awaited<ReturnType<Ec2Api["describeInstanceTypes"]>>;
      try {
        out = await recorder.call("ec2:DescribeInstanceTypes", () =>
          this.ec2.describeInstanceTypes({ InstanceTypes: batch as never }),
        );
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (
          classifyAwsError(cause) === "client_error" &&
          /InvalidInstanceType|InvalidParameter/.test(awsErrorCode(cause))
        ) {
          for (const t of batch) this.unknownTypes.add(t);
          continue;
        }
        throw error;
      }
      for (const info of out.InstanceTypes ?? []) {
        if (!info.InstanceType) continue;
        const type: ObservedInstanceType = {
          instanceType: info.InstanceType,
          maxEnis: info.NetworkInfo?.MaximumNetworkInterfaces ?? 0,
          trunkBranchEnis: trunkBranchEnis(info.InstanceType),
          vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
          memoryMiB: info.MemoryInfo?.SizeInMiB ?? 0,
        };
        this.types.set(info.InstanceType, type);
        fetched.push(type);
      }
      for (const t of batch) if (!this.types.has(t)) this.unknownTypes.add(t);
    }
    await this.options.shared?.storeInstanceTypes(fetched);
  }
}

/** Whether an ObservationError was caused by a client error whose AWS code matches `codes`. */
function isClientError(error: unknown, codes: RegExp): boolean {
  const cause = (error as { cause?: unknown }).cause;
  return classifyAwsError(cause) === "client_error" && codes.test(awsErrorCode(cause));
}

/** Shallow equality of two flat records (ObservedInstance holds only strings, numbers and booleans). */
function sameFields<T extends object>(a: T, b: T): boolean {
  const keys = Object.keys(a) as (keyof T)[];
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
