import type { SeededRng } from "../../lib/rng.js";

/** The ephemeral range ECS uses for dynamic host ports on Linux container instances. */
export const EPHEMERAL_PORT_MIN = 32768;
export const EPHEMERAL_PORT_MAX = 60999;

/** Ports the ECS agent reserves on every container instance (reported in registeredResources PORTS). */
export const RESERVED_PORTS: readonly number[] = [22, 2375, 2376, 51678, 51679];

const INSTANCE_THIRD_OCTETS = 127; // 1..127
const ENI_THIRD_OCTETS = 126; // 128..253
const FOURTH_OCTETS = 254; // 1..254

/** EC2's private DNS name of an address: "ip-127-0-3-1.ec2.internal" in us-east-1, else "….<region>.compute.internal". */
export function privateDnsNameOf(ip: string, region: string): string {
  return `ip-${ip.replaceAll(".", "-")}.${region === "us-east-1" ? "ec2.internal" : `${region}.compute.internal`}`;
}

export class AddressExhaustedError extends Error {
  constructor(what: string) {
    super(`no ${what} address left in the simulator's block`);
    this.name = "AddressExhaustedError";
  }
}

/**
 * Hands out loopback addresses inside one `127.<base>.0.0/16` block so that parallel simulators (each
 * with its own base) do not collide. Instances get `127.<base>.<1..127>.<n>` (the first 127 end in `.1`);
 * task ENIs (awsvpc, Fargate) get `127.<base>.<128..253>.<n>` and are recycled when released.
 */
export class AddressAllocator {
  private nextInstance = 0;
  private nextEni = 0;
  private readonly freeEnis: number[] = [];

  constructor(
    readonly base: number,
    private readonly rng: SeededRng,
  ) {
    if (!Number.isInteger(base) || base < 1 || base > 254)
      throw new RangeError(`addressBase must be 1..254, got ${base}`);
  }

  instanceIp(): string {
    const k = this.nextInstance++;
    if (k >= INSTANCE_THIRD_OCTETS * FOURTH_OCTETS) throw new AddressExhaustedError("instance");
    return `127.${this.base}.${1 + (k % INSTANCE_THIRD_OCTETS)}.${1 + Math.floor(k / INSTANCE_THIRD_OCTETS)}`;
  }

  eniIp(): string {
    const k = this.freeEnis.length > 0 ? this.freeEnis.shift()! : this.nextEni++;
    if (k >= ENI_THIRD_OCTETS * FOURTH_OCTETS) throw new AddressExhaustedError("ENI");
    return `127.${this.base}.${128 + (k % ENI_THIRD_OCTETS)}.${1 + Math.floor(k / ENI_THIRD_OCTETS)}`;
  }

  /** Returns an ENI address to the pool (a task stopped). */
  releaseEniIp(ip: string): void {
    const parts = ip.split(".").map(Number);
    const third = parts[2] ?? 0;
    const fourth = parts[3] ?? 0;
    if (parts[1] !== this.base || third < 128) return;
    this.freeEnis.push(third - 128 + (fourth - 1) * ENI_THIRD_OCTETS);
  }

  /** A locally administered unicast MAC, as EC2 gives ENIs (`0a:…`). */
  macAddress(): string {
    const h = this.rng.hex(10);
    return `0a:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}`;
  }

  eniId(): string {
    return `eni-${this.rng.hex(17)}`;
  }

  ec2InstanceId(): string {
    return `i-${this.rng.hex(17)}`;
  }

  /** A Docker container id (64 hex digits). */
  runtimeId(): string {
    return this.rng.hex(64);
  }
}

/**
 * Picks the next free dynamic host port for one instance: sequential from a per-instance cursor, wrapping
 * inside the ephemeral range and skipping ports in use, as the ECS agent's allocator does.
 */
export function allocateDynamicPort(used: Set<number>, cursor: { next: number }): number | undefined {
  const span = EPHEMERAL_PORT_MAX - EPHEMERAL_PORT_MIN + 1;
  if (used.size >= span + RESERVED_PORTS.length) return undefined;
  for (let i = 0; i < span; i++) {
    const port = EPHEMERAL_PORT_MIN + ((cursor.next - EPHEMERAL_PORT_MIN + i) % span);
    if (!used.has(port)) {
      cursor.next = port + 1 > EPHEMERAL_PORT_MAX ? EPHEMERAL_PORT_MIN : port + 1;
      return port;
    }
  }
  return undefined;
}
