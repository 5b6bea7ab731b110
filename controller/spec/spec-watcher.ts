import { initialTransition, type SnapshotFrom, transition } from "xstate";
import { formatSpecError, type MonitoringSpec, parseSpec } from "../../crds-like-schemas/index.js";
import { backoffDelay } from "../../lib/backoff.js";
import type { Logger } from "../../lib/logger.js";
import type { Condition } from "../model.js";
import { type SpecMachineEvent, type SpecStateName, specMachine } from "./spec-machine.js";
import { fetchSpecParameter, type SpecFetchResult, type SsmGetParameterApi } from "./ssm-spec-source.js";

/** The spec in force. `generation` increments each time a new, different valid spec is applied. */
export interface AppliedSpec {
  spec: MonitoringSpec;
  /** SSM parameter version it came from. */
  version: number;
  generation: number;
}

export interface SpecWatcherOptions {
  /** An `SSMClient`, or anything with the same `send` for GetParameter. */
  ssm: SsmGetParameterApi;
  /** e.g. "/ecsmon/spec". */
  parameterName: string;
  /** Poll period while SSM answers (found or not found), in ms. */
  pollIntervalMs: number;
  logger: Logger;
  /** Clock for `lastTransitionTime`. @defaultValue () => new Date() */
  now?: () => Date;
  /** Backoff while SSM is unreachable or failing: doubles from `initialMs` up to `maxMs`, with jitter. */
  backoff?: {
    /** @defaultValue pollIntervalMs */
    initialMs?: number;
    /** @defaultValue max(pollIntervalMs, 120000) */
    maxMs?: number;
  };
  /** Bound on one GetParameter call including SDK retries, in ms. @defaultValue 10000 */
  requestTimeoutMs?: number;
  /** Random source in [0, 1) for jitter. @defaultValue Math.random */
  random?: () => number;
}

export type SpecListener = (applied: AppliedSpec) => void;

/** Condition types and reasons the watcher sets. */
export const SPEC_CONDITIONS = {
  available: "SpecAvailable",
  valid: "SpecValid",
} as const;

const MAX_ERRORS_IN_MESSAGE = 5;

/**
 * Watches the MonitoringSpec parameter in SSM and keeps the last good spec in force:
 * - a new version (or changed text) is parsed; a valid one is applied, an invalid one leaves the last good spec
 *   and sets `SpecValid=False` (reason `ValidationFailed`, message with paths and positions);
 * - a missing parameter sets `SpecAvailable=False` (reason `ParameterNotFound`) and is polled at the normal pace;
 * - an unreachable SSM (network, throttling, 5xx) sets `SpecAvailable=False` (reason `SsmUnreachable`) and backs
 *   off exponentially, capped; other SSM errors (e.g. `AccessDenied`) back off the same way.
 * Listeners hear only about applied changes. Nothing escapes the poll loop: errors become conditions and logs.
 */
export class SpecWatcher {
  private readonly options: SpecWatcherOptions;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly listeners = new Set<SpecListener>();
  private readonly conditionMap = new Map<string, Condition>();
  private snapshot: SnapshotFrom<typeof specMachine>;
  private lastSeen: { version: number; text: string } | undefined;
  private view: { record: object; applied: AppliedSpec } | undefined;
  private failures = 0;
  private nextDelayMs: number;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;

  constructor(options: SpecWatcherOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.nextDelayMs = options.pollIntervalMs;
    [this.snapshot] = initialTransition(specMachine, { at: this.now().getTime() });
    this.setCondition(
      SPEC_CONDITIONS.available,
      "Unknown",
      "Pending",
      `parameter ${options.parameterName} not read yet`,
    );
    this.setCondition(SPEC_CONDITIONS.valid, "Unknown", "Pending", "no spec read yet");
  }

  /** Starts polling now, then every `pollIntervalMs` (or the backoff delay). Calling it twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling; resolves once an in-flight poll has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
  }

  /** Registers a listener for applied specs; returns a function that removes it. */
  onChange(listener: SpecListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The spec in force, or `undefined` before the first valid spec. */
  current(): AppliedSpec | undefined {
    const lastGood = this.snapshot.context.lastGood;
    if (!lastGood) return undefined;
    // Same object until the spec in force (or its version) changes, so callers may compare by identity.
    if (this.view?.record !== lastGood) {
      this.view = {
        record: lastGood,
        applied: { spec: lastGood.spec, version: lastGood.version, generation: lastGood.generation },
      };
    }
    return this.view.applied;
  }

  /** The spec machine's state: `loading`, `waiting` (no parameter yet), `valid` or `invalid` (see spec-machine.ts). */
  state(): SpecStateName {
    return this.snapshot.value as SpecStateName;
  }

  /** `SpecAvailable` and `SpecValid`, copied. */
  conditions(): Condition[] {
    return [...this.conditionMap.values()].map((condition) => ({ ...condition }));
  }

  /** Delay before the next poll, in ms: the poll interval, or the backoff delay after failures. */
  nextPollDelayMs(): number {
    return this.nextDelayMs;
  }

  /** Polls once (also what the loop does). Never rejects. */
  async pollOnce(): Promise<void> {
    try {
      const result = await fetchSpecParameter(
        this.options.ssm,
        this.options.parameterName,
        this.options.requestTimeoutMs,
      );
      this.handle(result);
    } catch (error) {
      this.options.logger.error({ err: error }, "spec watcher: unexpected error while polling");
      this.failures++;
      this.nextDelayMs = this.retryDelay();
    }
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inflight = this.pollOnce().finally(() => {
        this.inflight = undefined;
        this.schedule(this.nextDelayMs);
      });
    }, delayMs);
  }

  private handle(result: SpecFetchResult): void {
    const name = this.options.parameterName;
    const applied = this.current();
    const keeping = applied ? `; keeping version ${applied.version} (generation ${applied.generation})` : "";
    switch (result.kind) {
      case "found":
        this.failures = 0;
        this.nextDelayMs = this.options.pollIntervalMs;
        this.setCondition(
          SPEC_CONDITIONS.available,
          "True",
          "ParameterFound",
          `parameter ${name} version ${result.version}`,
        );
        this.evaluate(result.text, result.version);
        return;
      case "notFound":
        this.failures = 0;
        this.lastSeen = undefined;
        this.nextDelayMs = this.options.pollIntervalMs;
        this.send({ type: "MISSING", at: this.now().getTime() });
        if (this.condition(SPEC_CONDITIONS.available)?.reason !== "ParameterNotFound") {
          this.options.logger.warn({ parameter: name }, "spec parameter not found; waiting for it");
        }
        this.setCondition(
          SPEC_CONDITIONS.available,
          "False",
          "ParameterNotFound",
          `parameter ${name} not found; waiting for it to be created${keeping}`,
        );
        return;
      case "unreachable":
      case "failed": {
        this.failures++;
        this.nextDelayMs = this.retryDelay();
        const reason = result.kind === "unreachable" ? "SsmUnreachable" : result.reason;
        this.send({ type: "UNREACHABLE", reason, at: this.now().getTime() });
        this.options.logger.warn(
          { parameter: name, reason, failures: this.failures, retryInMs: this.nextDelayMs, error: result.message },
          "cannot read the spec parameter; backing off",
        );
        this.setCondition(
          SPEC_CONDITIONS.available,
          "False",
          reason,
          `cannot read parameter ${name}: ${result.message}; retrying in ${this.nextDelayMs} ms${keeping}`,
        );
        return;
      }
    }
  }

  private evaluate(text: string, version: number): void {
    if (this.lastSeen && this.lastSeen.version === version && this.lastSeen.text === text) return;
    this.lastSeen = { version, text };
    const at = this.now().getTime();
    const parsed = parseSpec(text, { source: `ssm:${this.options.parameterName}` });
    if (!parsed.ok) {
      const shown = parsed.errors
        .slice(0, MAX_ERRORS_IN_MESSAGE)
        .map((error) => formatSpecError({ ...error, source: undefined }));
      const more =
        parsed.errors.length > MAX_ERRORS_IN_MESSAGE
          ? `; and ${parsed.errors.length - MAX_ERRORS_IN_MESSAGE} more`
          : "";
      const applied = this.current();
      const keeping = applied ? `; keeping version ${applied.version}` : "; no spec in force yet";
      const message = `version ${version} is invalid: ${shown.join("; ")}${more}${keeping}`;
      this.options.logger.warn(
        { parameter: this.options.parameterName, version, errors: parsed.errors },
        "spec version rejected: invalid",
      );
      this.send({ type: "INVALID", version, message, at });
      this.setCondition(SPEC_CONDITIONS.valid, "False", "ValidationFailed", message);
      return;
    }
    const before = this.current()?.generation;
    this.send({ type: "VALID", spec: parsed.spec, version, at });
    const applied = this.current() as AppliedSpec;
    this.setCondition(
      SPEC_CONDITIONS.valid,
      "True",
      "Valid",
      `version ${version} applied as generation ${applied.generation}`,
    );
    if (applied.generation === before) return;
    this.options.logger.info(
      { parameter: this.options.parameterName, version, generation: applied.generation },
      "spec applied",
    );
    for (const listener of this.listeners) {
      try {
        listener(applied);
      } catch (error) {
        this.options.logger.error({ err: error }, "spec listener failed");
      }
    }
  }

  private send(event: SpecMachineEvent): void {
    [this.snapshot] = transition(specMachine, this.snapshot, event);
  }

  /** The backoff delay after `failures` consecutive failures (equal jitter, so replicas do not retry in lockstep). */
  private retryDelay(): number {
    const policy = {
      initialMs: this.options.backoff?.initialMs ?? this.options.pollIntervalMs,
      maxMs: this.options.backoff?.maxMs ?? Math.max(this.options.pollIntervalMs, 120_000),
    };
    return backoffDelay(policy, this.failures, this.random);
  }

  private condition(type: string): Condition | undefined {
    return this.conditionMap.get(type);
  }

  private setCondition(type: string, status: Condition["status"], reason: string, message: string): void {
    const previous = this.conditionMap.get(type);
    this.conditionMap.set(type, {
      type,
      status,
      reason,
      message,
      observedGeneration: this.snapshot.context.lastGood?.generation,
      lastTransitionTime:
        previous && previous.status === status ? previous.lastTransitionTime : this.now().toISOString(),
    });
  }
}
