import type { ClusterStore } from "../../state/cluster-store.js";
import { decodeToken, encodeToken } from "../input.js";
import { AwsError, type OperationHandler, type OperationInput, type SimService } from "../service.js";
import {
  type Ec2InstanceRecord,
  type EniRecord,
  instanceEni,
  shapeEni,
  shapeInstance,
  shapeInstanceType,
  taskEni,
} from "./ec2-shapes.js";
import { INSTANCE_TYPES, type InstanceTypeInfo } from "./instance-types.js";

interface Filter {
  name: string;
  values: string[];
}

function list(input: OperationInput, key: string): string[] {
  const v = input[key];
  if (v === undefined || v === null || v === "") return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function filters(input: OperationInput): Filter[] {
  const raw = input.Filter ?? input.Filters;
  if (!raw) return [];
  const entries = Array.isArray(raw) ? raw : [raw];
  return entries.map((f) => {
    const entry = f as { Name?: unknown; Value?: unknown; Values?: unknown };
    const values = entry.Value ?? entry.Values;
    return {
      name: String(entry.Name ?? ""),
      values: (Array.isArray(values) ? values : values === undefined ? [] : [values]).map(String),
    };
  });
}

/** EC2 filter values allow `*` and `?` wildcards. */
function matchValue(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replaceAll("*", ".*")
      .replaceAll("?", ".")}$`,
  );
  return re.test(value);
}

function matchesAll(
  filterList: Filter[],
  fields: (name: string) => (string | undefined)[] | undefined,
  errorCode = "InvalidParameterValue",
) {
  for (const f of filterList) {
    const values = fields(f.name);
    if (values === undefined) throw new AwsError(errorCode, `The filter '${f.name}' is invalid`);
    if (!f.values.some((p) => values.some((v) => matchValue(p, v)))) return false;
  }
  return true;
}

function maxResults(input: OperationInput, min: number, max: number): number | undefined {
  const raw = input.MaxResults;
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new AwsError(
      "InvalidParameterValue",
      `Value ( ${String(raw)} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return n;
}

function page<T>(
  items: T[],
  input: OperationInput,
  limit: number | undefined,
  salt: string,
): { items: T[]; nextToken?: string } {
  let offset = 0;
  const token = input.NextToken;
  if (typeof token === "string" && token !== "") {
    const decoded = decodeToken(token, salt);
    if (decoded === undefined) throw new AwsError("InvalidParameterValue", "The token is not valid or has expired.");
    offset = decoded;
  }
  if (limit === undefined) return { items: items.slice(offset) };
  const slice = items.slice(offset, offset + limit);
  return offset + limit < items.length
    ? { items: slice, nextToken: encodeToken(offset + limit, salt) }
    : { items: slice };
}

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const ENI_ID = /^eni-[0-9a-f]{8}([0-9a-f]{9})?$/;

function instanceRecords(store: ClusterStore): Ec2InstanceRecord[] {
  const perCluster = new Map<string, number>();
  return store.instances().map((instance) => {
    const clusterArn = store.clusterOfInstance(instance);
    const index = (perCluster.get(clusterArn) ?? 0) + 1;
    perCluster.set(clusterArn, index);
    return { instance, clusterName: store.clusterName(clusterArn), index };
  });
}

/**
 * The simulated EC2 API (EC2 query protocol): DescribeInstances, DescribeInstanceTypes and
 * DescribeNetworkInterfaces over the container instances and task ENIs of a {@link ClusterStore}.
 * Handlers return objects keyed by EC2's XML element names; the front encodes them.
 */
export function createEc2Service(store: ClusterStore): SimService {
  const DescribeInstances: OperationHandler = (input) => {
    const ids = list(input, "InstanceId");
    const limit = maxResults(input, 5, 1000);
    if (limit !== undefined && ids.length > 0) {
      throw new AwsError(
        "InvalidParameterCombination",
        "The parameter instancesSet cannot be used with the parameter maxResults",
      );
    }
    for (const id of ids) {
      if (!INSTANCE_ID.test(id)) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
    }
    const records = instanceRecords(store);
    const byId = new Map(records.map((r) => [r.instance.ec2InstanceId, r]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length === 1)
      throw new AwsError("InvalidInstanceID.NotFound", `The instance ID '${missing[0]}' does not exist`);
    if (missing.length > 1)
      throw new AwsError("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
    const selected = ids.length > 0 ? ids.map((id) => byId.get(id)!) : records;
    const fl = filters(input);
    const matched = selected.filter((r) =>
      matchesAll(fl, (name) => {
        const i = r.instance;
        if (name.startsWith("tag:")) {
          const key = name.slice(4);
          return [
            key === "Name"
              ? `ecs-${r.clusterName}-${r.index}`
              : key === "ecsmon-sim:cluster"
                ? r.clusterName
                : undefined,
          ];
        }
        switch (name) {
          case "instance-id":
            return [i.ec2InstanceId];
          case "instance-type":
            return [i.instanceType];
          case "private-ip-address":
            return [i.privateIp];
          case "instance-state-name":
            return [i.ec2State ?? "running"];
          case "availability-zone":
            return [i.availabilityZone];
          case "vpc-id":
            return [i.vpcId];
          case "subnet-id":
            return [i.subnetId];
          case "private-dns-name":
            return [shapeInstance(store, r).privateDnsName];
          case "network-interface.network-interface-id":
            return [i.primaryEni?.eniId];
          case "tag-key":
            return ["Name", "ecsmon-sim:cluster"];
          default:
            return undefined;
        }
      }),
    );
    const { items, nextToken } = page(matched, input, limit, "instances");
    return {
      reservationSet: items.map((r) => ({
        reservationId: `r-${r.instance.ec2InstanceId.slice(2)}`,
        ownerId: store.accountId,
        groupSet: [],
        instancesSet: [shapeInstance(store, r)],
      })),
      nextToken,
    };
  };

  const DescribeInstanceTypes: OperationHandler = (input) => {
    const names = list(input, "InstanceType");
    const limit = maxResults(input, 5, 100);
    const unknown = names.filter((n) => !INSTANCE_TYPES.has(n));
    if (unknown.length > 0) {
      throw new AwsError(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    }
    const types: InstanceTypeInfo[] =
      names.length > 0 ? names.map((n) => INSTANCE_TYPES.get(n)!) : [...INSTANCE_TYPES.values()];
    const fl = filters(input);
    const matched = types.filter((t) =>
      matchesAll(fl, (name) => {
        switch (name) {
          case "instance-type":
            return [t.name];
          case "processor-info.supported-architecture":
            return [t.architecture];
          case "vcpu-info.default-vcpus":
            return [String(t.vcpus)];
          case "memory-info.size-in-mib":
            return [String(t.memoryMiB)];
          case "network-info.maximum-network-interfaces":
            return [String(t.maxEnis)];
          case "current-generation":
            return ["true"];
          case "burstable-performance-supported":
            return [String(t.burstable)];
          default:
            return undefined;
        }
      }),
    );
    const { items, nextToken } = page(matched, input, limit, "types");
    return { instanceTypeSet: items.map(shapeInstanceType), nextToken };
  };

  const DescribeNetworkInterfaces: OperationHandler = (input) => {
    const ids = list(input, "NetworkInterfaceId");
    const limit = maxResults(input, 5, 1000);
    if (limit !== undefined && ids.length > 0) {
      throw new AwsError(
        "InvalidParameterCombination",
        "The parameter networkInterfaceIdSet cannot be used with the parameter maxResults",
      );
    }
    for (const id of ids) {
      if (!ENI_ID.test(id))
        throw new AwsError("InvalidNetworkInterfaceID.Malformed", `Invalid id: "${id}" (expecting "eni-...")`);
    }
    const records: EniRecord[] = [];
    for (const instance of store.instances()) {
      const primary = instanceEni(store, instance);
      if (primary) records.push(primary);
      let device = 1;
      for (const t of store.tasksOnInstance(instance.containerInstanceArn)) {
        const e = taskEni(store, t, instance.trunking ? 1 : device);
        if (e) {
          records.push(e);
          device++;
        }
      }
    }
    for (const t of store.tasks()) {
      if (t.launchType !== "FARGATE") continue;
      const e = taskEni(store, t, 0);
      if (e) records.push(e);
    }
    const byId = new Map(records.map((e) => [e.eniId, e]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw new AwsError(
        "InvalidNetworkInterfaceID.NotFound",
        `The networkInterface ID '${missing.join(", ")}' does not exist`,
      );
    }
    const selected = ids.length > 0 ? ids.map((id) => byId.get(id)!) : records;
    const fl = filters(input);
    const matched = selected.filter((e) =>
      matchesAll(fl, (name) => {
        switch (name) {
          case "network-interface-id":
            return [e.eniId];
          case "attachment.instance-id":
            return [e.instanceId];
          case "private-ip-address":
          case "addresses.private-ip-address":
            return [e.privateIp];
          case "mac-address":
            return [e.macAddress];
          case "subnet-id":
            return [e.subnetId];
          case "vpc-id":
            return [e.vpcId];
          case "availability-zone":
            return [e.availabilityZone];
          case "status":
            return ["in-use"];
          case "interface-type":
            return [e.interfaceType];
          case "description":
            return [e.description];
          case "attachment.device-index":
            return [e.deviceIndex === undefined ? undefined : String(e.deviceIndex)];
          default:
            return undefined;
        }
      }),
    );
    const { items, nextToken } = page(matched, input, limit, "enis");
    return { networkInterfaceSet: items.map((e) => shapeEni(store, e)), nextToken };
  };

  return {
    signingName: "ec2",
    queryVersion: "2016-11-15",
    xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
    operations: { DescribeInstances, DescribeInstanceTypes, DescribeNetworkInterfaces },
  };
}
