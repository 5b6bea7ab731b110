import { privateDnsNameOf } from "../../state/addresses.js";
import type { ClusterStore } from "../../state/cluster-store.js";
import type { SimContainerInstance } from "../../state/model.js";
import type { InstanceTypeInfo } from "./instance-types.js";

/** Element names follow the EC2 query XML (lowerCamel, lists as `…Set`/`item`). */
const STATE_CODES: Record<string, number> = { pending: 0, running: 16, stopped: 80, terminated: 48 };

export interface Ec2InstanceRecord {
  instance: SimContainerInstance;
  clusterName: string;
  index: number;
}

function tagSet(tags: Record<string, string>) {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function shapeInstance(store: ClusterStore, rec: Ec2InstanceRecord) {
  const i = rec.instance;
  const type = store.instanceType(i.instanceType) as InstanceTypeInfo | undefined;
  const state = i.ec2State ?? "running";
  const dns = privateDnsNameOf(i.privateIp, store.region);
  const group = { groupId: `sg-${i.ec2InstanceId.slice(2, 19)}`, groupName: `ecs-${rec.clusterName}` };
  const eni = i.primaryEni;
  return {
    instanceId: i.ec2InstanceId,
    imageId: "ami-0sim00000000000ecs",
    instanceState: { code: STATE_CODES[state] ?? 16, name: state },
    privateDnsName: dns,
    dnsName: "",
    reason: state === "terminated" ? "User initiated" : "",
    amiLaunchIndex: 0,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: i.registeredAt,
    placement: { availabilityZone: i.availabilityZone, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    subnetId: state === "terminated" ? undefined : i.subnetId,
    vpcId: state === "terminated" ? undefined : i.vpcId,
    privateIpAddress: state === "terminated" ? undefined : i.privateIp,
    sourceDestCheck: true,
    groupSet: [group],
    architecture: type?.architecture ?? "x86_64",
    rootDeviceType: "ebs",
    rootDeviceName: "/dev/xvda",
    blockDeviceMapping: [],
    virtualizationType: "hvm",
    clientToken: "",
    tagSet: tagSet({ Name: `ecs-${rec.clusterName}-${rec.index}`, "ecsmon-sim:cluster": rec.clusterName }),
    hypervisor: "xen",
    networkInterfaceSet:
      eni && state !== "terminated"
        ? [
            {
              networkInterfaceId: eni.eniId,
              subnetId: i.subnetId,
              vpcId: i.vpcId,
              description: "",
              ownerId: store.accountId,
              status: "in-use",
              macAddress: eni.macAddress,
              privateIpAddress: eni.privateIpv4Address,
              privateDnsName: dns,
              sourceDestCheck: true,
              groupSet: [group],
              attachment: {
                attachmentId: `eni-attach-${eni.eniId.slice(4)}`,
                deviceIndex: 0,
                status: "attached",
                attachTime: i.registeredAt,
                deleteOnTermination: true,
                networkCardIndex: 0,
              },
              privateIpAddressesSet: [{ privateIpAddress: eni.privateIpv4Address, privateDnsName: dns, primary: true }],
              interfaceType: "interface",
            },
          ]
        : [],
    ebsOptimized: true,
    enaSupport: true,
    cpuOptions: { coreCount: type?.defaultCores ?? 1, threadsPerCore: type?.defaultThreadsPerCore ?? 2 },
    metadataOptions: { state: "applied", httpTokens: "optional", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
    platformDetails: "Linux/UNIX",
    bootMode: "uefi-preferred",
  };
}

export function shapeInstanceType(t: InstanceTypeInfo) {
  return {
    instanceType: t.name,
    currentGeneration: true,
    freeTierEligible: t.name === "t3.micro",
    supportedUsageClasses: ["on-demand", "spot"],
    supportedRootDeviceTypes: ["ebs"],
    supportedVirtualizationTypes: ["hvm"],
    bareMetal: false,
    hypervisor: t.hypervisor,
    processorInfo: {
      supportedArchitectures: [t.architecture],
      sustainedClockSpeedInGhz: t.architecture === "arm64" ? 2.5 : 3.1,
    },
    vCpuInfo: {
      defaultVCpus: t.vcpus,
      defaultCores: t.defaultCores,
      defaultThreadsPerCore: t.defaultThreadsPerCore,
    },
    memoryInfo: { sizeInMiB: t.memoryMiB },
    instanceStorageSupported: false,
    ebsInfo: { ebsOptimizedSupport: "default", encryptionSupport: "supported", nvmeSupport: "required" },
    networkInfo: {
      networkPerformance: t.networkPerformance,
      maximumNetworkInterfaces: t.maxEnis,
      maximumNetworkCards: 1,
      defaultNetworkCardIndex: 0,
      networkCards: [
        { networkCardIndex: 0, networkPerformance: t.networkPerformance, maximumNetworkInterfaces: t.maxEnis },
      ],
      ipv4AddressesPerInterface: t.ipv4PerEni,
      ipv6AddressesPerInterface: t.ipv6PerEni,
      ipv6Supported: true,
      enaSupport: "required",
      efaSupported: false,
      encryptionInTransitSupported: false,
      enaSrdSupported: false,
    },
    placementGroupInfo: { supportedStrategies: ["cluster", "partition", "spread"] },
    hibernationSupported: !t.burstable,
    burstablePerformanceSupported: t.burstable,
    dedicatedHostsSupported: !t.burstable,
    autoRecoverySupported: true,
    supportedBootModes: t.architecture === "arm64" ? ["uefi"] : ["legacy-bios", "uefi"],
  };
}
