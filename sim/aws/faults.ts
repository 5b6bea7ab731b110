import { seededRandom } from "../../lib/rng.js";
import { AwsError } from "./service.js";

/**
 * One fault rule. `service` is a SigV4 signing name ("ecs", "ec2", "ssm", "monitoring", "servicediscovery",
 * "sqs") or "*"; `operation` an operation name or "*". The most specific rule wins:
 * service+operation, then service+"*", then "*"+operation, then "*"+"*".
 */
export interface FaultRule {
  service: string;
  operation: string;
  /** Percentage (0–100) of calls answered with the service's real throttling error. @defaultValue 0 */
  throttlePct?: number | undefined;
  /** Percentage (0–100) of calls answered with a 5xx internal error. @defaultValue 0 */
  errorPct?: number | undefined;
  /** HTTP status of the injected 5xx: 500 (InternalFailure) or 503 (ServiceUnavailable). @defaultValue 500 */
  errorStatus?: 500 | 503 | undefined;
  /** Milliseconds added before the call is answered. @defaultValue 0 */
  latencyMs?: number | undefined;
}

/** What the front does with one call. */
export interface FaultDecision {
  latencyMs: number;
  error?: AwsError | undefined;
}

/** Each service's real throttling error (code, HTTP status, message). */
const THROTTLE: Record<string, [string, number, string]> = {
  ecs: ["ThrottlingException", 400, "Rate exceeded"],
  ec2: ["RequestLimitExceeded", 503, "Request limit exceeded."],
  ssm: ["ThrottlingException", 400, "Rate exceeded"],
  monitoring: ["Throttling", 400, "Rate exceeded"],
  servicediscovery: ["ThrottlingException", 400, "Rate exceeded"],
  sqs: ["RequestThrottled", 403, "Rate exceeded"],
};

/** Each service's internal-error code. */
const INTERNAL: Record<string, [string, number]> = {
  ec2: ["InternalError", 500],
  monitoring: ["InternalServiceFault", 500],
};

/** The throttling error `service` returns. */
export function throttleError(service: string): AwsError {
  const [code, status, message] = THROTTLE[service] ?? ["ThrottlingException", 400, "Rate exceeded"];
  return new AwsError(code, message, status, true);
}

/** The 5xx error `service` returns: 500 internal error, or 503 service unavailable. */
export function internalError(service: string, status: 500 | 503 = 500): AwsError {
  if (status === 503) {
    const code = service === "ec2" ? "Unavailable" : "ServiceUnavailable";
    return new AwsError(code, "The service is unavailable. Please try again shortly.", 503, false);
  }
  const [code, internalStatus] = INTERNAL[service] ?? ["InternalFailure", 500];
  return new AwsError(code, "We encountered an internal error. Please try again.", internalStatus, false);
}

/** Invalid fault rule (percentage outside 0–100, negative latency, empty names). */
export class FaultRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultRuleError";
  }
}

/** Per-service, per-operation fault injection: throttling, 5xx and added latency, with a seedable RNG. */
export class FaultInjector {
  private readonly table = new Map<string, FaultRule>();
  private random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Restarts the random sequence. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Adds or replaces the rule for (service, operation). */
  set(rule: FaultRule): void {
    for (const [field, v] of [
      ["throttlePct", rule.throttlePct],
      ["errorPct", rule.errorPct],
    ] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 100)) {
        throw new FaultRuleError(`${field} must be a number between 0 and 100, got ${String(v)}`);
      }
    }
    if (rule.latencyMs !== undefined && !(Number.isFinite(rule.latencyMs) && rule.latencyMs >= 0)) {
      throw new FaultRuleError(`latencyMs must be a non-negative number, got ${String(rule.latencyMs)}`);
    }
    if (!rule.service || !rule.operation)
      throw new FaultRuleError('service and operation are required (use "*" for any)');
    this.table.set(`${rule.service}/${rule.operation}`, { ...rule });
  }

  /** Removes one rule; returns whether it existed. */
  remove(service: string, operation: string): boolean {
    return this.table.delete(`${service}/${operation}`);
  }

  clear(): void {
    this.table.clear();
  }

  rules(): FaultRule[] {
    return [...this.table.values()].map((r) => ({ ...r }));
  }

  /** The rule that applies to one call, if any. */
  match(service: string, operation: string): FaultRule | undefined {
    if (this.table.size === 0) return undefined;
    return (
      this.table.get(`${service}/${operation}`) ??
      this.table.get(`${service}/*`) ??
      this.table.get(`*/${operation}`) ??
      this.table.get("*/*")
    );
  }

  /** Decides the fault for one call; undefined when no rule applies. */
  decide(service: string, operation: string): FaultDecision | undefined {
    const rule = this.match(service, operation);
    if (!rule) return undefined;
    const latencyMs = rule.latencyMs ?? 0;
    if (rule.throttlePct && this.random() * 100 < rule.throttlePct) return { latencyMs, error: throttleError(service) };
    if (rule.errorPct && this.random() * 100 < rule.errorPct) {
      return { latencyMs, error: internalError(service, rule.errorStatus ?? 500) };
    }
    return { latencyMs };
  }
}
