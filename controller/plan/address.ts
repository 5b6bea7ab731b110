import type { ObservedContainer, ObservedInstance, ObservedTask } from "../model.js";

export type AddressResult = { ok: true; ip: string; port: number } | { ok: false; reason: string };

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** Whether `text` is a dotted-quad IPv4 address. */
export function isIpv4(text: string | undefined): text is string {
  return text !== undefined && IPV4.test(text);
}

/**
 * Resolves where a container port is reachable, per network mode (DESIGN.md "Addresses"):
 * - awsvpc (and every Fargate task): the task ENI's private IP plus the container port;
 * - bridge: the instance's private IP plus the host port ECS bound for that container port;
 * - host: the instance's private IP plus the container port.
 * Mode "none" has no address.
 */
export function resolveAddress(
  networkMode: string,
  task: ObservedTask,
  container: ObservedContainer | undefined,
  instance: ObservedInstance | undefined,
  containerPort: number,
): AddressResult {
  const mode = task.launchType === "FARGATE" ? "awsvpc" : networkMode;
  switch (mode) {
    case "awsvpc": {
      const ip = task.eniPrivateIp ?? container?.privateIpv4Address;
      if (!isIpv4(ip)) return { ok: false, reason: "task has no ENI private IPv4 address yet" };
      return { ok: true, ip, port: containerPort };
    }
    case "bridge": {
      if (!instance) return { ok: false, reason: "container instance of the task is not known" };
      if (!isIpv4(instance.privateIp)) return { ok: false, reason: "container instance has no private IPv4 address" };
      const binding = container?.networkBindings.find(
        (b) => b.containerPort === containerPort && (b.protocol ?? "tcp") === "tcp" && b.hostPort > 0,
      );
      if (!binding) return { ok: false, reason: `container port ${containerPort} has no host port binding` };
      return { ok: true, ip: instance.privateIp, port: binding.hostPort };
    }
    case "host": {
      if (!instance) return { ok: false, reason: "container instance of the task is not known" };
      if (!isIpv4(instance.privateIp)) return { ok: false, reason: "container instance has no private IPv4 address" };
      return { ok: true, ip: instance.privateIp, port: containerPort };
    }
    default:
      return { ok: false, reason: `network mode "${networkMode}" has no reachable address` };
  }
}
