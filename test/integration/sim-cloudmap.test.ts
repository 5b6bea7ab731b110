import {
  CreateHttpNamespaceCommand,
  CreatePrivateDnsNamespaceCommand,
  CreateServiceCommand,
  DeregisterInstanceCommand,
  DiscoverInstancesCommand,
  DiscoverInstancesRevisionCommand,
  GetOperationCommand,
  InstanceNotFound,
  InvalidInput,
  ListInstancesCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  NamespaceAlreadyExists,
  NamespaceNotFound,
  OperationNotFound,
  RegisterInstanceCommand,
  RequestLimitExceeded,
  ServiceAlreadyExists,
  ServiceDiscoveryClient,
  ServiceNotFound,
} from "@aws-sdk/client-servicediscovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import { CloudMapRegistry } from "../../sim/aws/services/cloud-map-registry.js";
import { createServiceDiscoveryService } from "../../sim/aws/services/servicediscovery.js";
import type { CloudMapSink } from "../../sim/scenario/load.js";

let server: AwsServer;
let aws: AwsClients;
const registry = new CloudMapRegistry();

beforeAll(async () => {
  server = await startAwsServer({ services: [createServiceDiscoveryService(registry)] });
  aws = createAwsClients({ region: "us-east-1", endpointUrl: server.url, maxAttempts: 1 });
});
afterAll(async () => {
  aws.destroy();
  await server.close();
});

async function error(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to fail");
}

async function namespaceId(operationId: string | undefined): Promise<string> {
  const op = await aws.serviceDiscovery.send(new GetOperationCommand({ OperationId: operationId }));
  expect(op.Operation?.Status).toBe("SUCCESS");
  expect(op.Operation?.Type).toBe("CREATE_NAMESPACE");
  return op.Operation?.Targets?.NAMESPACE as string;
}

describe("simulated Cloud Map through @aws-sdk/client-servicediscovery", () => {
  it("creates namespaces (HTTP and private DNS) reported by GetOperation and ListNamespaces", async () => {
    const sd = aws.serviceDiscovery;
    const http = await sd.send(
      new CreateHttpNamespaceCommand({ Name: "ecsmon-http", Tags: [{ Key: "team", Value: "obs" }] }),
    );
    const dns = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: "svc.local", Vpc: "vpc-1" }));
    const httpId = await namespaceId(http.OperationId);
    await namespaceId(dns.OperationId);
    const all = await sd.send(new ListNamespacesCommand({}));
    expect(all.Namespaces?.map((n) => [n.Name, n.Type])).toEqual([
      ["ecsmon-http", "HTTP"],
      ["svc.local", "DNS_PRIVATE"],
    ]);
    const onlyDns = await sd.send(
      new ListNamespacesCommand({ Filters: [{ Name: "TYPE", Values: ["DNS_PRIVATE"], Condition: "EQ" }] }),
    );
    expect(onlyDns.Namespaces?.map((n) => n.Name)).toEqual(["svc.local"]);
    const arn = all.Namespaces?.[0]?.Arn;
    expect(arn).toBe(`arn:aws:servicediscovery:us-east-1:000000000000:namespace/${httpId}`);
    expect((await sd.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: "team", Value: "obs" },
    ]);
    const dup = await error(sd.send(new CreateHttpNamespaceCommand({ Name: "ecsmon-http" })));
    expect(dup).toBeInstanceOf(NamespaceAlreadyExists);
    expect((dup as NamespaceAlreadyExists).NamespaceId).toBe(httpId);
  });

  it("creates services, lists them by namespace, and maps errors", async () => {
    const sd = aws.serviceDiscovery;
    const ns = registry.createNamespace({ name: "svc-test", type: "HTTP" }).namespace;
    const a = await sd.send(new CreateServiceCommand({ Name: "api", NamespaceId: ns.id }));
    await sd.send(new CreateServiceCommand({ Name: "web", NamespaceId: ns.id }));
    expect(a.Service).toMatchObject({ Name: "api", NamespaceId: ns.id, Type: "HTTP" });
    expect(await error(sd.send(new CreateServiceCommand({ Name: "api", NamespaceId: ns.id })))).toBeInstanceOf(
      ServiceAlreadyExists,
    );
    expect(await error(sd.send(new CreateServiceCommand({ Name: "x", NamespaceId: "ns-missing" })))).toBeInstanceOf(
      NamespaceNotFound,
    );
    const listed = await sd.send(
      new ListServicesCommand({ Filters: [{ Name: "NAMESPACE_ID", Values: [ns.id], Condition: "EQ" }] }),
    );
    expect(listed.Services?.map((s) => s.Name)).toEqual(["api", "web"]);
    expect(await error(sd.send(new ListInstancesCommand({ ServiceId: "srv-missing" })))).toBeInstanceOf(
      ServiceNotFound,
    );
    expect(await error(sd.send(new GetOperationCommand({ OperationId: "nope" })))).toBeInstanceOf(OperationNotFound);
  });

  it("registers, paginates (MaxResults ≤ 100), discovers and deregisters instances", async () => {
    const sd = aws.serviceDiscovery;
    const ns = registry.createNamespace({ name: "disc", type: "HTTP" }).namespace;
    const svc = registry.createService({ namespaceId: ns.id, name: "node-exporter" });
    for (let i = 0; i < 150; i++) {
      await sd.send(
        new RegisterInstanceCommand({
          ServiceId: svc.id,
          InstanceId: `i-${String(i).padStart(3, "0")}`,
          Attributes: { AWS_INSTANCE_IPV4: `127.0.9.${i}`, AWS_INSTANCE_PORT: "9100", zone: i % 2 === 0 ? "a" : "b" },
        }),
      );
    }
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
    expect(new Set(ids).size).toBe(150);
    expect(await error(sd.send(new ListInstancesCommand({ ServiceId: svc.id, MaxResults: 101 })))).toBeInstanceOf(
      InvalidInput,
    );

    const rev1 = await sd.send(
      new DiscoverInstancesRevisionCommand({ NamespaceName: "disc", ServiceName: "node-exporter" }),
    );
    const found = await sd.send(
      new DiscoverInstancesCommand({
        NamespaceName: "disc",
        ServiceName: "node-exporter",
        QueryParameters: { zone: "a" },
        MaxResults: 1000,
      }),
    );
    expect(found.Instances).toHaveLength(75);
    expect(found.Instances?.[0]?.Attributes?.AWS_INSTANCE_PORT).toBe("9100");
    expect(found.InstancesRevision).toBe(rev1.InstancesRevision);

    await sd.send(new DeregisterInstanceCommand({ ServiceId: svc.id, InstanceId: "i-000" }));
    expect(
      await error(sd.send(new DeregisterInstanceCommand({ ServiceId: svc.id, InstanceId: "i-000" }))),
    ).toBeInstanceOf(InstanceNotFound);
    const rev2 = await sd.send(
      new DiscoverInstancesRevisionCommand({ NamespaceName: "disc", ServiceName: "node-exporter" }),
    );
    expect(rev2.InstancesRevision).toBeGreaterThan(rev1.InstancesRevision ?? 0);
    expect(
      await error(sd.send(new DiscoverInstancesCommand({ NamespaceName: "nowhere", ServiceName: "node-exporter" }))),
    ).toBeInstanceOf(NamespaceNotFound);
  });

  it("reaches the data plane only with disableHostPrefix (the SDK otherwise targets data-<host>)", async () => {
    registry.createService({
      namespaceId: registry.createNamespace({ name: "hp", type: "HTTP" }).namespace.id,
      name: "s",
    });
    const prefixed = new ServiceDiscoveryClient({
      region: "us-east-1",
      endpoint: server.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    // Capture the host each request would go to, without depending on how the resolver treats data-127.0.0.1.
    const hosts: string[] = [];
    prefixed.middlewareStack.add(
      (next) => async (args) => {
        const host = (args.request as { hostname?: string }).hostname ?? "";
        hosts.push(host);
        if (host.startsWith("data-")) throw new Error(`would resolve ${host}`);
        return next(args);
      },
      { step: "finalizeRequest", name: "captureHost" },
    );
    try {
      await error(prefixed.send(new DiscoverInstancesCommand({ NamespaceName: "hp", ServiceName: "s" })));
      expect(hosts[0]).toBe("data-127.0.0.1");
      // The control plane is not prefixed, so the same client reaches it.
      expect((await prefixed.send(new ListNamespacesCommand({}))).Namespaces?.length).toBeGreaterThan(0);
      expect(hosts[1]).toBe("127.0.0.1");
    } finally {
      prefixed.destroy();
    }
    const ok = await aws.serviceDiscovery.send(new DiscoverInstancesCommand({ NamespaceName: "hp", ServiceName: "s" }));
    expect(ok.Instances).toEqual([]);
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
    const sd = aws.serviceDiscovery;
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

  it("throttles the data plane with RequestLimitExceeded", async () => {
    server.faults.set({ service: "servicediscovery", operation: "DiscoverInstances", throttlePct: 100 });
    try {
      expect(
        await error(aws.serviceDiscovery.send(new DiscoverInstancesCommand({ NamespaceName: "hp", ServiceName: "s" }))),
      ).toBeInstanceOf(RequestLimitExceeded);
    } finally {
      server.faults.clear();
    }
  });
});
