import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClusterStore } from "../../test/helpers/fake-cluster-store.js";
import type { SimContainerInstance, SimTask } from "../state/model.js";
import { type NodeSurfaces, startNodeSurfaces } from "./node-surfaces.js";

// IMDS of instances 127.0.215.1 (one awsvpc task) and 127.0.216.1 (none); task ENIs in 127.1.215.0/24.
const store = new FakeClusterStore("imds");
let a: SimContainerInstance;
let b: SimContainerInstance;
let surfacesA: NodeSurfaces;
let surfacesB: NodeSurfaces;
let awsvpc: SimTask;

beforeAll(async () => {
  a = store.addInstance(215);
  b = store.addInstance(216, { instanceType: "t3.medium" });
  const api = store.addTaskDefinition("api", "awsvpc", [{ name: "api" }], { cpu: 512, memory: 1024 });
  awsvpc = store.addTask(api, { instance: a, eniIp: "127.1.215.5" });
  surfacesA = await startNodeSurfaces(store, a);
  surfacesB = await startNodeSurfaces(store, b);
});

afterAll(async () => {
  await surfacesA?.close();
  await surfacesB?.close();
});

describe("IMDS", () => {
  const text = async (url: string, init?: RequestInit) => {
    const res = await fetch(url, init);
    return { status: res.status, body: await res.text() };
  };

  it("serves identity and placement with or without an IMDSv2 token", async () => {
    expect((await text(`${surfacesA.imdsUrl}/latest/meta-data/instance-id`)).body).toBe(a.ec2InstanceId);
    expect((await text(`${surfacesA.imdsUrl}/latest/meta-data/instance-type`)).body).toBe("m5.xlarge");
    expect((await text(`${surfacesA.imdsUrl}/latest/meta-data/local-ipv4`)).body).toBe("127.0.215.1");
    expect((await text(`${surfacesA.imdsUrl}/latest/meta-data/placement/availability-zone`)).body).toMatch(
      /^us-east-1[abc]$/,
    );
    const token = await text(`${surfacesA.imdsUrl}/latest/api/token`, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" },
    });
    expect(token.status).toBe(200);
    const withToken = await text(`${surfacesA.imdsUrl}/latest/meta-data/instance-id`, {
      headers: { "X-aws-ec2-metadata-token": token.body },
    });
    expect(withToken.body).toBe(a.ec2InstanceId);
    const badToken = await text(`${surfacesA.imdsUrl}/latest/meta-data/instance-id`, {
      headers: { "X-aws-ec2-metadata-token": "forged" },
    });
    expect(badToken.status).toBe(401);
    expect((await text(`${surfacesA.imdsUrl}/latest/api/token`, { method: "PUT" })).status).toBe(400);
  });

  it("lists one MAC per attached ENI: the primary plus each awsvpc task ENI", async () => {
    const macs = (await text(`${surfacesA.imdsUrl}/latest/meta-data/network/interfaces/macs/`)).body.split("\n");
    expect(macs).toHaveLength(2);
    expect(macs).toContain(`${awsvpc.eni!.macAddress}/`);
    const base = `${surfacesA.imdsUrl}/latest/meta-data/network/interfaces/macs/${awsvpc.eni!.macAddress}`;
    expect((await text(`${base}/local-ipv4s`)).body).toBe("127.1.215.5");
    expect((await text(`${base}/interface-id`)).body).toBe(awsvpc.eni!.eniId);
    expect((await text(`${base}/device-number`)).body).toBe("1");
    const primary = macs.find((m) => m !== `${awsvpc.eni!.macAddress}/`)!;
    expect(
      (await text(`${surfacesA.imdsUrl}/latest/meta-data/network/interfaces/macs/${primary}device-number`)).body,
    ).toBe("0");
    const onlyPrimary = await text(`${surfacesB.imdsUrl}/latest/meta-data/network/interfaces/macs/`);
    expect(onlyPrimary.body.split("\n")).toHaveLength(1);
  });
});

describe("IMDS with awsvpc trunking", () => {
  it("lists the primary and the trunk ENI, not the branch ENIs of tasks", async () => {
    const trunked = store.addInstance(214, { trunking: true });
    const def = store.addTaskDefinition("branch", "awsvpc", [{ name: "b" }]);
    store.addTask(def, { instance: trunked, eniIp: "127.1.214.9" });
    const surfaces = await startNodeSurfaces(store, trunked);
    try {
      const base = `${surfaces.imdsUrl}/latest/meta-data/network/interfaces/macs/`;
      const macs = (await (await fetch(base)).text()).split("\n");
      expect(macs).toHaveLength(2);
      const ips = await Promise.all(macs.map(async (m) => (await fetch(`${base}${m}local-ipv4s`)).text()));
      expect(ips).not.toContain("127.1.214.9");
      expect(ips).toContain(trunked.privateIp);
    } finally {
      await surfaces.close();
    }
  });
});
