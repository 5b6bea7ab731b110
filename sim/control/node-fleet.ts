import type { Logger } from "../../lib/logger.js";
import { type NodeSurfaces, type NodeSurfacesOptions, startNodeSurfaces } from "../node/node-surfaces.js";
import type { ClusterStore } from "../state/cluster-store.js";
import type { SimContainerInstance } from "../state/model.js";

/** One simulated node as `GET /_sim/nodes` and `RunningSim.nodes()` report it. */
export interface SimNodeInfo {
  /** Container instance id (ecsmon's node id). */
  id: string;
  containerInstanceArn: string;
  cluster: string;
  ec2InstanceId: string;
  instanceType: string;
  privateIp: string;
  status: SimContainerInstance["status"];
  agentConnected: boolean;
  /** Present when node surfaces are on and this node's servers are up. */
  surfaces?: {
    dockerUrl: string;
    dockerHttpUrl: string;
    introspectionUrl: string;
    imdsUrl: string;
    metadataBaseUrl: string;
  };
}

/**
 * Keeps one set of node surfaces (Docker API, introspection, metadata v4, IMDS) per live container
 * instance: started when an instance registers, closed when it goes INACTIVE (deregistered or terminated).
 */
export class NodeFleet {
  private readonly surfaces = new Map<string, Promise<NodeSurfaces | undefined>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: ClusterStore,
    private readonly enabled: boolean,
    private readonly logger?: Logger,
    /** Fixed surface ports on every node (each node has its own IP); ephemeral when unset. */
    private readonly ports?: NodeSurfacesOptions["ports"],
  ) {}

  /** Starts surfaces for the current instances and follows instance changes. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    this.unsubscribe = this.store.subscribe((event) => {
      if (event.type === "instanceChanged") this.sync(event.instance);
    });
    for (const instance of this.store.instances()) this.sync(instance);
    await this.settled();
  }

  /** Resolves when every pending start/close has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.surfaces.values());
  }

  private sync(instance: SimContainerInstance): void {
    const key = instance.containerInstanceArn;
    // A disconnected ECS agent leaves the host (Docker, IMDS, metadata) up; only a gone instance takes them down.
    const live = instance.status !== "INACTIVE" && instance.ec2State !== "terminated";
    const existing = this.surfaces.get(key);
    if (live && !existing) {
      this.surfaces.set(
        key,
        startNodeSurfaces(this.store, instance, this.ports ? { ports: this.ports } : {}).catch((error: unknown) => {
          this.logger?.error({ err: error, node: instance.id }, "node surfaces failed to start");
          return undefined;
        }),
      );
    } else if (!live && existing) {
      this.surfaces.delete(key);
      void existing.then((s) => s?.close()).catch(() => undefined);
    }
  }

  /** Surfaces of a node that are up, if any. */
  async get(containerInstanceArn: string): Promise<NodeSurfaces | undefined> {
    return this.surfaces.get(containerInstanceArn);
  }

  /** Every node with its surface URLs (for surfaces still starting, awaits them). */
  async nodes(): Promise<SimNodeInfo[]> {
    const out: SimNodeInfo[] = [];
    for (const instance of this.store.instances()) {
      const s = await this.surfaces.get(instance.containerInstanceArn);
      out.push(this.info(instance, s));
    }
    return out;
  }

  private info(instance: SimContainerInstance, s: NodeSurfaces | undefined): SimNodeInfo {
    return {
      id: instance.id,
      containerInstanceArn: instance.containerInstanceArn,
      cluster: this.store.clusterName(this.store.clusterOfInstance(instance)),
      ec2InstanceId: instance.ec2InstanceId,
      instanceType: instance.instanceType,
      privateIp: instance.privateIp,
      status: instance.status,
      agentConnected: instance.agentConnected,
      surfaces: s
        ? {
            dockerUrl: s.dockerUrl,
            dockerHttpUrl: s.dockerHttpUrl,
            introspectionUrl: s.introspectionUrl,
            imdsUrl: s.imdsUrl,
            metadataBaseUrl: s.metadataBaseUrl,
          }
        : undefined,
    };
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    const all = [...this.surfaces.values()];
    this.surfaces.clear();
    await Promise.all(all.map((p) => p.then((s) => s?.close()).catch(() => undefined)));
  }
}
