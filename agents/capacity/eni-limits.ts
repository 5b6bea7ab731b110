import { type _InstanceType, DescribeInstanceTypesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { maxNetworkInterfaces, publishedMaxNetworkInterfaces } from "../../lib/aws/ec2-network-interfaces.js";

/**
 * Maximum network interfaces per instance type: the EC2 guide's published figure (no call), else EC2
 * DescribeInstanceTypes for a type newer than the table, cached by type (the figure never changes). Concurrent
 * lookups of one type share one call; a failed lookup is not cached.
 */
export function createEniLimitCache(ec2: EC2Client | (() => EC2Client)) {
  const known = new Map<string, number>();
  const pending = new Map<string, Promise<number | undefined>>();

  async function describe(instanceType: string): Promise<number | undefined> {
    const client = typeof ec2 === "function" ? ec2() : ec2;
    const out = await client.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }));
    const info = out.InstanceTypes?.find((t) => t.InstanceType === instanceType) ?? out.InstanceTypes?.[0];
    const max = maxNetworkInterfaces(instanceType, info?.NetworkInfo?.MaximumNetworkInterfaces);
    if (max !== undefined) known.set(instanceType, max);
    return max;
  }

  return {
    /** Max ENIs of `instanceType`; rejects when it has to call DescribeInstanceTypes and the call fails. */
    async maxEnis(instanceType: string): Promise<number | undefined> {
      const cached = publishedMaxNetworkInterfaces(instanceType) ?? known.get(instanceType);
      if (cached !== undefined) return cached;
      let call = pending.get(instanceType);
      if (!call) {
        call = describe(instanceType).finally(() => pending.delete(instanceType));
        pending.set(instanceType, call);
      }
      return call;
    },
    /** Number of types described so far (for tests and metrics). */
    size: () => known.size,
  };
}

export type EniLimitCache = ReturnType<typeof createEniLimitCache>;
