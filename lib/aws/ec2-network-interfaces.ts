import { loadInstanceTypeTable } from "./instance-type-table.js";

/** data/ec2-max-network-interfaces.txt names the source and its date. */
const MAX_NETWORK_INTERFACES = loadInstanceTypeTable("ec2-max-network-interfaces.txt", 1);

/** The EC2 user guide's "Maximum network interfaces" for `instanceType`, or undefined when the table lacks it. */
export function publishedMaxNetworkInterfaces(instanceType: string): number | undefined {
  return MAX_NETWORK_INTERFACES.get(instanceType)?.[0];
}

/**
 * Maximum network interfaces (the primary included) of `instanceType`: the published figure, else what EC2
 * DescribeInstanceTypes reported (`NetworkInfo.MaximumNetworkInterfaces`, for types newer than the table), else
 * undefined. The one place the controller and the agent get this figure from.
 */
export function maxNetworkInterfaces(instanceType: string, described?: number | undefined): number | undefined {
  const published = publishedMaxNetworkInterfaces(instanceType);
  if (published !== undefined) return published;
  return described !== undefined && described > 0 ? described : undefined;
}
