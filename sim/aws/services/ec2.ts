import type { ClusterStore } from "../../state/cluster-store.js";
import { AwsError, type OperationHandler, type OperationInput, type SimService } from "../service.js";
import { type Ec2InstanceRecord, shapeInstance, shapeInstanceType } from "./ec2-shapes.js";
import { INSTANCE_TYPES, type InstanceTypeInfo } from "./instance-types.js";

const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;

function list(input: OperationInput, key: string): string[] {
  const v = input[key];
  if (v === undefined || v === null || v === "") return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * The instance ids an `instance-id` filter names (ecsmon's fallback when an id in `InstanceIds` is gone);
 * any other filter is refused as EC2 refuses an unknown one.
 */
function instanceIdFilter(input: OperationInput): string[] | undefined {
  const raw = input.Filter ?? input.Filters;
  if (!raw) return undefined;
  const values: string[] = [];
  for (const f of (Array.isArray(raw) ? raw : [raw]) as { Name?: unknown; Value?: unknown; Values?: unknown }[]) {
    if (f.Name !== "instance-id")
      throw new AwsError("InvalidParameterValue", `The filter '${String(f.Name)}' is invalid`);
    const v = f.Value ?? f.Values;
    values.push(...(Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String));
  }
  return values;
}

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
 * The simulated EC2 API (EC2 query protocol): DescribeInstances (by id, or the `instance-id` filter) and
 * DescribeInstanceTypes (by name) over the container instances of a {@link ClusterStore}, the two calls
 * ecsmon makes. Handlers return objects keyed by EC2's XML element names; the front encodes them.
 */
export function createEc2Service(store: ClusterStore): SimService {
  const DescribeInstances: OperationHandler = (input) => {
    const ids = list(input, "InstanceId");
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
    const filtered = instanceIdFilter(input);
    const matched = filtered ? selected.filter((r) => filtered.includes(r.instance.ec2InstanceId)) : selected;
    return {
      reservationSet: matched.map((r) => ({
        reservationId: `r-${r.instance.ec2InstanceId.slice(2)}`,
        ownerId: store.accountId,
        groupSet: [],
        instancesSet: [shapeInstance(store, r)],
      })),
    };
  };

  const DescribeInstanceTypes: OperationHandler = (input) => {
    const names = list(input, "InstanceType");
    const unknown = names.filter((n) => !INSTANCE_TYPES.has(n));
    if (unknown.length > 0) {
      throw new AwsError(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    }
    const types: InstanceTypeInfo[] =
      names.length > 0 ? names.map((n) => INSTANCE_TYPES.get(n)!) : [...INSTANCE_TYPES.values()];
    return { instanceTypeSet: types.map(shapeInstanceType) };
  };

  return {
    signingName: "ec2",
    queryVersion: "2016-11-15",
    xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
    operations: { DescribeInstances, DescribeInstanceTypes },
  };
}
