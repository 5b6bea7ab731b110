import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { privateDnsNameOf } from "../state/addresses.js";
import type { ClusterStoreView, SimContainerInstance } from "../state/model.js";
import type { Handler } from "./http-server.js";
import { sendJson, sendText } from "./http-server.js";
import {
  availabilityZoneOf,
  enisOfInstance,
  regionOfInstance,
  subnetCidrOf,
  subnetIdOf,
  vpcIdOf,
} from "./placement.js";
import { hexId } from "./seeded.js";

/** The simulated account id, as in every simulated ARN. */
const ACCOUNT_ID = "000000000000";
const MAX_TOKEN_TTL_S = 21_600;

function notFound(res: ServerResponse): void {
  sendText(res, 404, "Not Found\n");
}

/** Directory listing: one entry per line, sub-directories with a trailing "/". */
function listing(res: ServerResponse, entries: string[]): void {
  sendText(res, 200, entries.join("\n"));
}

/**
 * EC2 instance metadata (IMDS) of one instance: IMDSv2 tokens (`PUT /latest/api/token`) and the meta-data tree an
 * agent reads (instance-id, instance-type, local-ipv4, placement, network/interfaces/macs/…) plus the dynamic
 * instance identity document. GETs work with or without a token (IMDSv1 allowed); an unknown or expired token is 401.
 */
export function createImdsHandler(store: ClusterStoreView, instance: SimContainerInstance): Handler {
  const tokens = new Map<string, number>();
  return (req, res, url) => {
    const path = url.pathname;
    if (req.method === "PUT") {
      if (path !== "/latest/api/token") {
        sendText(res, 405, "Method Not Allowed\n");
        return;
      }
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_S) {
        sendText(res, 400, "Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be an integer in 1..21600\n");
        return;
      }
      const now = Date.now();
      for (const [t, expires] of tokens) if (expires <= now) tokens.delete(t);
      const token = randomBytes(42).toString("base64");
      tokens.set(token, now + ttl * 1000);
      sendText(res, 200, token, { "x-aws-ec2-metadata-token-ttl-seconds": String(ttl) });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendText(res, 405, "Method Not Allowed\n");
      return;
    }
    const token = req.headers["x-aws-ec2-metadata-token"];
    if (typeof token === "string") {
      const expires = tokens.get(token);
      if (expires === undefined || expires <= Date.now()) {
        sendText(res, 401, "Unauthorized\n");
        return;
      }
    }
    const current = store.instance(instance.containerInstanceArn) ?? instance;
    const region = regionOfInstance(current);
    const az = availabilityZoneOf(current);
    const enis = enisOfInstance(current, store.tasksOnInstance(current.containerInstanceArn));
    const primary = enis[0]!;
    const hostname = privateDnsNameOf(current.privateIp, region);
    if (path === "/latest/dynamic/instance-identity/document") {
      sendJson(res, 200, {
        accountId: ACCOUNT_ID,
        architecture: "x86_64",
        availabilityZone: az,
        imageId: `ami-${hexId(`ami:${region}`, 17)}`,
        instanceId: current.ec2InstanceId,
        instanceType: current.instanceType,
        pendingTime: current.registeredAt.toISOString(),
        privateIp: current.privateIp,
        region,
        version: "2017-09-30",
      });
      return;
    }
    const prefix = "/latest/meta-data/";
    if (path === "/latest/meta-data" || path === prefix) {
      listing(res, [
        "ami-id",
        "hostname",
        "instance-id",
        "instance-type",
        "local-hostname",
        "local-ipv4",
        "mac",
        "network/",
        "placement/",
      ]);
      return;
    }
    if (!path.startsWith(prefix)) {
      notFound(res);
      return;
    }
    const rest = path.slice(prefix.length).replace(/\/$/, "");
    const leaves: Record<string, string> = {
      "ami-id": `ami-${hexId(`ami:${region}`, 17)}`,
      hostname,
      "instance-id": current.ec2InstanceId,
      "instance-type": current.instanceType,
      "local-hostname": hostname,
      "local-ipv4": current.privateIp,
      mac: primary.macAddress,
      "placement/availability-zone": az,
      "placement/region": region,
    };
    const leaf = leaves[rest];
    if (leaf !== undefined) {
      sendText(res, 200, leaf);
      return;
    }
    if (rest === "placement") return listing(res, ["availability-zone", "region"]);
    if (rest === "network") return listing(res, ["interfaces/"]);
    if (rest === "network/interfaces") return listing(res, ["macs/"]);
    if (rest === "network/interfaces/macs")
      return listing(
        res,
        enis.map((e) => `${e.macAddress}/`),
      );
    const macMatch = /^network\/interfaces\/macs\/([0-9a-f:]{17})(?:\/(.+))?$/.exec(rest);
    const eni = macMatch ? enis.find((e) => e.macAddress === macMatch[1]) : undefined;
    if (!macMatch || !eni) {
      notFound(res);
      return;
    }
    const cidr = subnetCidrOf(eni.privateIpv4Address);
    const fields: Record<string, string> = {
      "device-number": String(eni.deviceNumber),
      "interface-id": eni.eniId,
      "local-hostname": privateDnsNameOf(eni.privateIpv4Address, region),
      "local-ipv4s": eni.privateIpv4Address,
      mac: eni.macAddress,
      "owner-id": ACCOUNT_ID,
      "subnet-id": current.subnetId ?? subnetIdOf(cidr),
      "subnet-ipv4-cidr-block": cidr,
      "vpc-id": current.vpcId ?? vpcIdOf(region),
    };
    const field = macMatch[2];
    if (field === undefined) return listing(res, Object.keys(fields));
    const value = fields[field];
    if (value === undefined) notFound(res);
    else sendText(res, 200, value);
  };
}
