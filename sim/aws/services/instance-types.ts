import type { SimInstanceType } from "../../state/model.js";

/** Catalogue entry: the ECS-facing figures plus what DescribeInstanceTypes reports. */
export interface InstanceTypeInfo extends SimInstanceType {
  architecture: "x86_64" | "arm64";
  /** DescribeInstanceTypes NetworkInfo.NetworkPerformance. */
  networkPerformance: string;
  /** DescribeInstanceTypes CurrentGeneration / BurstablePerformanceSupported. */
  burstable: boolean;
  hypervisor: "nitro" | "xen";
  defaultCores: number;
  defaultThreadsPerCore: number;
  ipv6PerEni: number;
}

type Row = [
  name: string,
  vcpus: number,
  memoryMiB: number,
  maxEnis: number,
  ipv4PerEni: number,
  trunkTasks: number,
  arch: "x86_64" | "arm64",
  network: string,
];

/**
 * Real figures from the EC2 instance-type documentation (vCPU, memory, maximum network interfaces and
 * IPv4 addresses per interface) and the ECS "ENI trunking" table (tasks per instance with awsvpcTrunking;
 * 0 where the type does not support trunking, e.g. the burstable t3 family).
 */
const ROWS: Row[] = [
  ["t3.nano", 2, 512, 2, 2, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.micro", 2, 1024, 2, 2, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.small", 2, 2048, 3, 4, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.medium", 2, 4096, 3, 6, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.large", 2, 8192, 3, 12, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.xlarge", 4, 16384, 4, 15, 0, "x86_64", "Up to 5 Gigabit"],
  ["t3.2xlarge", 8, 32768, 4, 15, 0, "x86_64", "Up to 5 Gigabit"],
  ["m5.large", 2, 8192, 3, 10, 10, "x86_64", "Up to 10 Gigabit"],
  ["m5.xlarge", 4, 16384, 4, 15, 20, "x86_64", "Up to 10 Gigabit"],
  ["m5.2xlarge", 8, 32768, 4, 15, 40, "x86_64", "Up to 10 Gigabit"],
  ["m5.4xlarge", 16, 65536, 8, 30, 60, "x86_64", "Up to 10 Gigabit"],
  ["c5.large", 2, 4096, 3, 10, 10, "x86_64", "Up to 10 Gigabit"],
  ["c5.xlarge", 4, 8192, 4, 15, 20, "x86_64", "Up to 10 Gigabit"],
  ["c5.2xlarge", 8, 16384, 4, 15, 40, "x86_64", "Up to 10 Gigabit"],
  ["c5.4xlarge", 16, 32768, 8, 30, 60, "x86_64", "Up to 10 Gigabit"],
  // c5n is a family the ECS guide names as not supporting trunking.
  ["c5n.large", 2, 5376, 3, 10, 0, "x86_64", "Up to 25 Gigabit"],
  ["r5.large", 2, 16384, 3, 10, 10, "x86_64", "Up to 10 Gigabit"],
  ["r5.xlarge", 4, 32768, 4, 15, 20, "x86_64", "Up to 10 Gigabit"],
  ["r5.2xlarge", 8, 65536, 4, 15, 40, "x86_64", "Up to 10 Gigabit"],
  ["m6i.large", 2, 8192, 3, 10, 10, "x86_64", "Up to 12.5 Gigabit"],
  ["m6i.xlarge", 4, 16384, 4, 15, 20, "x86_64", "Up to 12.5 Gigabit"],
  ["m6i.2xlarge", 8, 32768, 4, 15, 40, "x86_64", "Up to 12.5 Gigabit"],
  ["m6i.8xlarge", 32, 131072, 8, 30, 90, "x86_64", "12.5 Gigabit"],
  ["c6g.medium", 1, 2048, 2, 4, 4, "arm64", "Up to 10 Gigabit"],
  ["c6g.large", 2, 4096, 3, 10, 10, "arm64", "Up to 10 Gigabit"],
  ["c6g.xlarge", 4, 8192, 4, 15, 20, "arm64", "Up to 10 Gigabit"],
  ["c6g.2xlarge", 8, 16384, 4, 15, 40, "arm64", "Up to 10 Gigabit"],
];

/** Every simulated instance type by name. */
export const INSTANCE_TYPES: ReadonlyMap<string, InstanceTypeInfo> = new Map(
  ROWS.map(([name, vcpus, memoryMiB, maxEnis, ipv4PerEni, trunkTasks, architecture, networkPerformance]) => {
    const burstable = name.startsWith("t3.");
    const info: InstanceTypeInfo = {
      name,
      vcpus,
      memoryMiB,
      maxEnis,
      ipv4PerEni,
      trunkBranchEnis: trunkTasks,
      architecture,
      networkPerformance,
      burstable,
      hypervisor: "nitro",
      defaultCores: architecture === "arm64" ? vcpus : Math.max(1, vcpus / 2),
      defaultThreadsPerCore: architecture === "arm64" ? 1 : 2,
      ipv6PerEni: ipv4PerEni,
    };
    return [name, info];
  }),
);

/** The catalogue entry for `name`, or undefined when the simulator does not know the type. */
export function instanceTypeInfo(name: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.get(name);
}
