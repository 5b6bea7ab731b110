import {
  InvalidInput,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ServiceNotFound,
} from "@aws-sdk/client-servicediscovery";
import { describe, expect, it } from "vitest";
import { CloudMapRegistry } from "../../sim/aws/services/cloud-map-registry.js";
import { createServiceDiscoveryService } from "../../sim/aws/services/servicediscovery.js";
import type { CloudMapSink } from "../../sim/scenario/load.js";
import { rejectionOf, useAwsFront } from "../helpers/use-sim.js";

const registry = new CloudMapRegistry();
const fx = useAwsFront([createServiceDiscoveryService(registry)]);

describe("simulated Cloud Map through @aws-sdk/client-servicediscovery (the reads ecsmon makes)", () => {
  it("lists namespaces with their ARNs and tags, and services by the NAMESPACE_ID filter", async () => {
    const sd = fx.aws.serviceDiscovery;
    const http = registry.createNamespace({ name: "ecsmon-http", type: "HTTP", tags: { team: "obs" } });
    const dns = registry.createNamespace({ name: "svc.local", type: "DNS_PRIVATE" });
    registry.createService({ namespaceId: http.id, name: "api" });
    registry.createService({ namespaceId: http.id, name: "web" });
    registry.createService({ namespaceId: dns.id, name: "db" });
    const all = await sd.send(new ListNamespacesCommand({ MaxResults: 100 }));
    expect(all.Namespaces?.map((n) => [n.Name, n.Type, n.ServiceCount])).toEqual([
      ["ecsmon-http", "HTTP", 2],
      ["svc.local", "DNS_PRIVATE", 1],
    ]);
    const arn = all.Namespaces?.[0]?.Arn;
    expect(arn).toBe(`arn:aws:servicediscovery:us-east-1:000000000000:namespace/${http.id}`);
    expect((await sd.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "team", Value: "obs" },
    ]);
    const listed = await sd.send(
      new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [http.id], Condition: "EQ" }] }),
    );
    expect(listed.Services?.map((s) => s.Name)).toEqual(["api", "web"]);
    expect(
      await rejectionOf(sd.send(new ListServicesCommand({ Filters: [{ Name: "RESOURCE_OWNER", Values: ["SELF"] }] }))),
    ).toBeInstanceOf(InvalidInput);
    expect(await rejectionOf(sd.send(new ListInstancesCommand({ ServiceId: "srv-missing" })))).toBeInstanceOf(
      ServiceNotFound,
    );
  });

  it("paginates ListInstances (MaxResults ≤ 100) over every registered instance", async () => {
    const sd = fx.aws.serviceDiscovery;
    const ns = registry.createNamespace({ name: "disc", type: "HTTP" });
    const svc = registry.createService({ namespaceId: ns.id, name: "node-exporter" });
    for (let i = 0; i < 150; i++) {
      registry.registerInstance({
        serviceId: svc.id,
        instanceId: `i-${String(i).padStart(3, "0")}`,
        attributes: { AWS_INSTANCE_IPV4: `127.0.9.${i}`, AWS_INSTANCE_PORT: "9100" },
      });
    }
    registry.deregisterInstance(svc.id, "i-000");
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sd.send(new ListInstancesCommand({ ServiceId: svc.id, MaxResults: 100, NextToken: token }));
      ids.push(...(page.Instances ?? []).map((i) => i.Id as string));
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(new Set(ids).size).toBe(149);
    expect(ids).not.toContain("i-000");
    expect(await rejectionOf(sd.send(new ListInstancesCommand({ ServiceId: svc.id, MaxResults: 101 })))).toBeInstanceOf(
      InvalidInput,
    );
  });

  it("serves as the scenario loader's CloudMapSink (record tags, ids as the API returns them)", async () => {
    const sink: CloudMapSink = registry;
    const ns = sink.createNamespace({ name: "scenario-ns", type: "DNS_PRIVATE" });
    const svc = sink.createService({ namespaceId: ns.id, name: "api", tags: { "ecsmon.io/scrape": "true" } });
    sink.registerInstance({
      serviceId: svc.id,
      instanceId: "task-1",
      attributes: { AWS_INSTANCE_IPV4: "127.0.5.9", AWS_INSTANCE_PORT: "8080" },
    });
    const sd = fx.aws.serviceDiscovery;
    const arn = (
      await sd.send(new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [ns.id], Condition: "EQ" }] }))
    ).Services?.[0]?.Arn;
    expect((await sd.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "ecsmon.io/scrape", Value: "true" },
    ]);
    const listed = await sd.send(new ListInstancesCommand({ ServiceId: svc.id }));
    expect(listed.Instances).toEqual([
      { Id: "task-1", Attributes: { AWS_INSTANCE_IPV4: "127.0.5.9", AWS_INSTANCE_PORT: "8080" } },
    ]);
  });

  it("throttles with ThrottlingException, as the control plane does", async () => {
    fx.server.faults.set({ service: "servicediscovery", operation: "ListNamespaces", throttlePct: 100 });
    try {
      const throttled = (await rejectionOf(fx.aws.serviceDiscovery.send(new ListNamespacesCommand({})))) as Error;
      expect(throttled.name).toBe("ThrottlingException");
    } finally {
      fx.server.faults.clear();
    }
  });
});
