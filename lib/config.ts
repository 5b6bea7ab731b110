import { hostname } from "node:os";
import { z } from "zod";
import { tryParseDuration } from "./duration.js";

/**
 * The only module that reads `process.env`. Everything else receives the typed {@link Config}
 * through a context object. CLI flags override these values in the command that owns them.
 */

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = tryParseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: "custom", message: `expected a duration like "15s", got ${JSON.stringify(text)}` });
        return z.NEVER;
      }
      return ms;
    });

const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

/** The log levels LOG_LEVEL and --log-level accept (pino's). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Every environment variable ecsmon reads, with its default. Keys are the variable names. */
export const envSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),

  // AWS: the standard SDK variables. AWS_ENDPOINT_URL points every client at the simulator. Credentials are
  // never read here: the SDK's default provider chain resolves them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
  // AWS_SESSION_TOKEN, AWS_PROFILE with the shared files, web identity, container credentials, IMDS); the
  // credential variables are listed only so that a configuration naming them is recognised.
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  AWS_ENDPOINT_URL: optionalString.superRefine((value, ctx) => {
    const problem = value === undefined ? undefined : endpointUrlProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  AWS_SESSION_TOKEN: optionalString,
  AWS_PROFILE: optionalString,
  AWS_SHARED_CREDENTIALS_FILE: optionalString,
  AWS_CONFIG_FILE: optionalString,
  AWS_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
  AWS_RETRY_MODE: z.enum(["standard", "adaptive"]).default("adaptive"),
  // Every AWS client: time to open a TCP/TLS connection, and time for one attempt to get a response.
  ECSMON_AWS_CONNECT_TIMEOUT: duration("5s"),
  ECSMON_AWS_REQUEST_TIMEOUT: duration("15s"),

  // Redis (BullMQ). rediss:// turns TLS on; REDIS_PASSWORD overrides any password in the URL.
  REDIS_URL: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS_INSECURE: z.enum(["true", "false"]).default("false"),
  // true: REDIS_URL names one node of a Redis Cluster (e.g. ElastiCache's configuration endpoint); ADR 0062.
  REDIS_CLUSTER: z.enum(["true", "false"]).default("false"),

  // Both processes: how long a graceful stop (SIGTERM/SIGINT) may take before the process exits anyway.
  ECSMON_SHUTDOWN_TIMEOUT: duration("20s"),

  // Controller
  ECSMON_SPEC_PARAMETER: z.string().default("/ecsmon/spec"),
  ECSMON_SPEC_POLL_INTERVAL: duration("10s"),
  ECSMON_RECONCILE_INTERVAL: duration("10s"),
  ECSMON_AWS_RPS: positiveNumber(10),
  ECSMON_AWS_BURST: positiveNumber(20),
  ECSMON_LEASE_TTL: duration("15s"),
  ECSMON_CONTROLLER_ID: z.string().default(`${hostname()}-${process.pid}`),
  ECSMON_API_BIND: z.string().default("127.0.0.1:9470"),
  ECSMON_API_TOKEN: optionalString,

  // Agent
  ECSMON_CLUSTER: optionalString,
  ECSMON_NODE_ID: optionalString,
  ECSMON_AGENT_BIND: z.string().default("127.0.0.1:9471"),
  ECSMON_HEARTBEAT_INTERVAL: duration("5s"),
  ECSMON_HEARTBEAT_TTL: duration("15s"),
  ECSMON_SCRAPE_CONCURRENCY: z.coerce.number().int().positive().default(32),
  ECS_CONTAINER_METADATA_URI_V4: optionalString,
  ECS_AGENT_URI: z.string().default("http://127.0.0.1:51678"),
  DOCKER_HOST: z.string().default("unix:///var/run/docker.sock"),
  ECSMON_IMDS_ENDPOINT: z.string().default("http://169.254.169.254"),
});

export type Env = z.infer<typeof envSchema>;

/** Names of every accepted environment variable (used by the docker-compose test). */
export const CONFIG_ENV_VARS: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  logLevel: Env["LOG_LEVEL"];
  /** How long a graceful stop may take before the process exits anyway (ECSMON_SHUTDOWN_TIMEOUT). */
  shutdownTimeoutMs: number;
  aws: {
    region: string;
    endpointUrl: string | undefined;
    /** Total attempts per call, including the first (AWS_MAX_ATTEMPTS). */
    maxAttempts: number;
    /** SDK retry strategy (AWS_RETRY_MODE): "adaptive" adds client-side rate limiting to "standard". */
    retryMode: "standard" | "adaptive";
    /** Time allowed to open a connection (ECSMON_AWS_CONNECT_TIMEOUT). */
    connectTimeoutMs: number;
    /** Time allowed for one attempt to get a response once connected (ECSMON_AWS_REQUEST_TIMEOUT). */
    requestTimeoutMs: number;
    requestsPerSecond: number;
    burst: number;
  };
  redis: {
    /** @defaultValue "redis://127.0.0.1:6379" */
    url: string;
    /** Whether REDIS_URL was set (`ecsmon local` starts its own redis-server when it was not). */
    urlConfigured: boolean;
    password: string | undefined;
    tlsInsecure: boolean;
    /** Whether `url` is a seed node of a Redis Cluster (REDIS_CLUSTER) rather than a single server. @defaultValue false */
    cluster?: boolean;
  };
  controller: {
    id: string;
    specParameter: string;
    specPollIntervalMs: number;
    reconcileIntervalMs: number;
    leaseTtlMs: number;
    apiBind: string;
    apiToken: string | undefined;
  };
  agent: {
    cluster: string | undefined;
    nodeId: string | undefined;
    bind: string;
    heartbeatIntervalMs: number;
    heartbeatTtlMs: number;
    scrapeConcurrency: number;
    metadataUriV4: string | undefined;
    ecsAgentUri: string;
    dockerHost: string;
    imdsEndpoint: string;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Parses the environment into a {@link Config}. Throws {@link ConfigError} naming every bad variable,
 * e.g. `ECSMON_LEASE_TTL: expected a duration like "15s", got "soon"`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid environment:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  return {
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.ECSMON_SHUTDOWN_TIMEOUT,
    aws: {
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? "us-east-1",
      endpointUrl: e.AWS_ENDPOINT_URL,
      maxAttempts: e.AWS_MAX_ATTEMPTS,
      retryMode: e.AWS_RETRY_MODE,
      connectTimeoutMs: e.ECSMON_AWS_CONNECT_TIMEOUT,
      requestTimeoutMs: e.ECSMON_AWS_REQUEST_TIMEOUT,
      requestsPerSecond: e.ECSMON_AWS_RPS,
      burst: e.ECSMON_AWS_BURST,
    },
    redis: {
      url: e.REDIS_URL ?? "redis://127.0.0.1:6379",
      urlConfigured: e.REDIS_URL !== undefined,
      password: e.REDIS_PASSWORD,
      tlsInsecure: e.REDIS_TLS_INSECURE === "true",
      cluster: e.REDIS_CLUSTER === "true",
    },
    controller: {
      id: e.ECSMON_CONTROLLER_ID,
      specParameter: e.ECSMON_SPEC_PARAMETER,
      specPollIntervalMs: e.ECSMON_SPEC_POLL_INTERVAL,
      reconcileIntervalMs: e.ECSMON_RECONCILE_INTERVAL,
      leaseTtlMs: e.ECSMON_LEASE_TTL,
      apiBind: e.ECSMON_API_BIND,
      apiToken: e.ECSMON_API_TOKEN,
    },
    agent: {
      cluster: e.ECSMON_CLUSTER,
      nodeId: e.ECSMON_NODE_ID,
      bind: e.ECSMON_AGENT_BIND,
      heartbeatIntervalMs: e.ECSMON_HEARTBEAT_INTERVAL,
      heartbeatTtlMs: e.ECSMON_HEARTBEAT_TTL,
      scrapeConcurrency: e.ECSMON_SCRAPE_CONCURRENCY,
      metadataUriV4: e.ECS_CONTAINER_METADATA_URI_V4,
      ecsAgentUri: e.ECS_AGENT_URI,
      dockerHost: e.DOCKER_HOST,
      imdsEndpoint: e.ECSMON_IMDS_ENDPOINT,
    },
  };
}

/**
 * Why `value` cannot be an AWS endpoint (an absolute http or https URL), or `undefined` when it can,
 * e.g. `expected an http(s) URL such as http://127.0.0.1:4566, got "not-a-url"`.
 */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http(s) URL such as http://127.0.0.1:4566, got ${JSON.stringify(value)}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `expected an http(s) URL such as http://127.0.0.1:4566, got the scheme ${JSON.stringify(url.protocol.slice(0, -1))}`;
  }
  return undefined;
}

/** `BENCH_QUICK=1` (or `true`): benchmarks run a shortened version of themselves. */
export function benchQuick(env: Record<string, string | undefined> = process.env): boolean {
  return env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
}
