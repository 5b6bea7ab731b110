import { describe, expect, it } from "vitest";
import { instanceTypeInfo } from "../aws/services/instance-types.js";
import type { SimTaskDefinition } from "./model.js";
import { eniSlots, type InstanceUsage, placementFailure, taskRequirements } from "./placement.js";

function def(partial: Partial<SimTaskDefinition>): SimTaskDefinition {
  return {
    taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/x:1",
    family: "x",
    revision: 1,
    networkMode: "bridge",
    requiresCompatibilities: [],
    containerDefinitions: [],
    status: "ACTIVE",
    registeredAt: new Date(0),
    ...partial,
  };
}

const container = (over: Partial<SimTaskDefinition["containerDefinitions"][number]> = {}) => ({
  name: "c",
  image: "img",
  essential: true,
  portMappings: [],
  dockerLabels: {},
  environment: [],
  ...over,
});

const empty: InstanceUsage = { cpu: 0, memory: 0, enis: 0, tcpPorts: new Set(), udpPorts: new Set() };
const m5large = { cpu: 2048, memory: 7680, type: instanceTypeInfo("m5.large"), trunking: false };

describe("taskRequirements", () => {
  it.each([
    [
      "task-level cpu/memory win",
      def({ cpu: 512, memory: 1024, containerDefinitions: [container({ cpu: 10, memory: 20 })] }),
      512,
      1024,
    ],
    [
      "sum of container reservations (memoryReservation before memory)",
      def({
        containerDefinitions: [
          container({ cpu: 100, memory: 300 }),
          container({ name: "d", cpu: 50, memory: 400, memoryReservation: 128 }),
        ],
      }),
      150,
      428,
    ],
  ])("%s", (_name, d, cpu, memory) => {
    const req = taskRequirements(d);
    expect(req.cpu).toBe(cpu);
    expect(req.memory).toBe(memory);
  });

  it("splits static and dynamic host ports by network mode", () => {
    const ports = [
      { containerPort: 80, hostPort: 8080, protocol: "tcp" as const },
      { containerPort: 9100, hostPort: 0, protocol: "tcp" as const },
      { containerPort: 53, protocol: "udp" as const },
    ];
    const bridge = taskRequirements(def({ containerDefinitions: [container({ portMappings: ports })] }));
    expect(bridge).toMatchObject({ staticTcpPorts: [8080], dynamicTcpPorts: 1, dynamicUdpPorts: 1, eni: false });
    const host = taskRequirements(
      def({ networkMode: "host", containerDefinitions: [container({ portMappings: ports })] }),
    );
    expect(host).toMatchObject({ staticTcpPorts: [8080, 9100], staticUdpPorts: [53], dynamicTcpPorts: 0 });
    const awsvpc = taskRequirements(
      def({ networkMode: "awsvpc", containerDefinitions: [container({ portMappings: ports })] }),
    );
    expect(awsvpc).toMatchObject({ staticTcpPorts: [], dynamicTcpPorts: 0, eni: true });
  });
});

describe("placementFailure", () => {
  const base = {
    cpu: 256,
    memory: 512,
    staticTcpPorts: [],
    staticUdpPorts: [],
    dynamicTcpPorts: 0,
    dynamicUdpPorts: 0,
    eni: false,
  };
  it.each([
    ["fits", base, empty, undefined],
    ["cpu", { ...base, cpu: 4096 }, empty, "RESOURCE:CPU"],
    ["memory", { ...base, memory: 8000 }, empty, "RESOURCE:MEMORY"],
    ["cpu before memory", { ...base, cpu: 4096, memory: 8000 }, empty, "RESOURCE:CPU"],
    ["eni slots (m5.large: 3 ENIs − primary = 2)", { ...base, eni: true }, { ...empty, enis: 2 }, "RESOURCE:ENI"],
    ["eni free", { ...base, eni: true }, { ...empty, enis: 1 }, undefined],
    [
      "static port taken",
      { ...base, staticTcpPorts: [8080] },
      { ...empty, tcpPorts: new Set([8080]) },
      "RESOURCE:PORTS",
    ],
    [
      "udp port is separate from tcp",
      { ...base, staticUdpPorts: [8080] },
      { ...empty, tcpPorts: new Set([8080]) },
      undefined,
    ],
  ] as const)("%s", (_name, req, usage, expected) => {
    expect(
      placementFailure(
        { ...req, staticTcpPorts: [...req.staticTcpPorts], staticUdpPorts: [...req.staticUdpPorts] },
        m5large,
        usage,
        100,
      ),
    ).toBe(expected);
  });

  it("reports PORTS when the ephemeral range is exhausted", () => {
    expect(placementFailure({ ...base, dynamicTcpPorts: 2 }, m5large, empty, 1)).toBe("RESOURCE:PORTS");
  });
});

describe("eniSlots", () => {
  it.each([
    ["c5.large", false, 2],
    ["c5.large", true, 10],
    ["c5.xlarge", true, 20],
    ["m5.4xlarge", false, 7],
    ["t3.medium", true, 2],
  ])("%s trunking=%s → %d", (type, trunking, slots) => {
    expect(eniSlots({ cpu: 0, memory: 0, type: instanceTypeInfo(type), trunking })).toBe(slots);
  });
});
