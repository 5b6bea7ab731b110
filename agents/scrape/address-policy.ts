import { isIP } from "node:net";
import type { ScrapeTarget } from "../../crds-like-schemas/index.js";

/**
 * SSRF guard. The agent scrapes only `scheme://address metricsPath` as the controller assigned it, and refuses:
 * link-local IPv4 (169.254.0.0/16: EC2 IMDS, the ECS task metadata and credentials endpoints), the IPv6 IMDS
 * address `fd00:ec2::254` and other link-local IPv6 (fe80::/10), unspecified/broadcast addresses, hostnames
 * (the controller resolves to IPs), and a metricsPath that could change the authority or escape the path
 * (`..`, `://`, `@`, `\`, `#`, `//` prefix, whitespace or control characters).
 * Returns the reason for refusing, or undefined when the target may be scraped.
 */
export function refuseReason(target: Pick<ScrapeTarget, "address" | "scheme" | "metricsPath">): string | undefined {
  if (target.scheme !== "http" && target.scheme !== "https")
    return `scheme ${JSON.stringify(target.scheme)} is not http(s)`;
  const hostPort = splitAddress(target.address);
  if (hostPort === undefined) return `address ${JSON.stringify(target.address)} is not ip:port`;
  const hostReason = refuseHost(hostPort.host);
  if (hostReason !== undefined) return hostReason;
  if (hostPort.port < 1 || hostPort.port > 65_535) return `port ${hostPort.port} out of range`;
  return refusePath(target.metricsPath);
}

/** Reason to refuse a literal IP host, or undefined. */
export function refuseHost(host: string): string | undefined {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const family = isIP(bare);
  if (family === 0) return `host ${JSON.stringify(host)} is not an IP address`;
  if (family === 4) {
    const octets = bare.split(".").map(Number);
    const [a, b] = octets as [number, number];
    if (a === 169 && b === 254) return `link-local/metadata address ${bare} refused`;
    if (a === 0) return `unspecified address ${bare} refused`;
    if (bare === "255.255.255.255" || a >= 224) return `multicast/broadcast address ${bare} refused`;
    return undefined;
  }
  // The WHATWG URL parser canonicalizes IPv6 (lower case, zero compression, mapped IPv4 in hex).
  const lower = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  if (lower === "::") return "unspecified address :: refused";
  if (lower === "fd00:ec2::254") return `metadata address ${bare} refused`;
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) return `link-local address ${bare} refused`;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return refuseHost(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return undefined;
}

/** Reason to refuse a metrics path, or undefined. */
export function refusePath(path: string): string | undefined {
  if (!path.startsWith("/") || path.startsWith("//"))
    return `metricsPath ${JSON.stringify(path.slice(0, 64))} must start with a single "/"`;
  if (path.includes("..")) return `metricsPath ${JSON.stringify(path.slice(0, 64))} contains ".."`;
  if (path.includes("://")) return `metricsPath ${JSON.stringify(path.slice(0, 64))} contains a URL`;
  if (path.includes("@")) return `metricsPath ${JSON.stringify(path.slice(0, 64))} contains "@"`;
  if (/[\\#\s\u0000-\u001f\u007f]/.test(path))
    return `metricsPath ${JSON.stringify(path.slice(0, 64))} contains a forbidden character`;
  if (/%2e|%2f|%5c|%40/i.test(path.split("?")[0]!))
    return `metricsPath ${JSON.stringify(path.slice(0, 64))} contains an encoded separator`;
  return undefined;
}

/** Splits `ip:port` (IPv4) or `[ipv6]:port`. */
export function splitAddress(address: string): { host: string; port: number } | undefined {
  const index = address.lastIndexOf(":");
  if (index <= 0) return undefined;
  const port = Number(address.slice(index + 1));
  if (!Number.isInteger(port)) return undefined;
  return { host: address.slice(0, index), port };
}
