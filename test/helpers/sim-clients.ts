import type { RunningSim } from "../../sim/index.js";

/**
 * The configuration every AWS SDK v3 client in the tests uses to reach the simulator: its region and endpoint and
 * throwaway credentials (the simulator checks that a signature is present, not which key made it).
 */
export function simClientConfig(sim: Pick<RunningSim, "region" | "endpoint">) {
  return {
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  };
}

/** The environment that points an ecsmon process (controller or agent) at the simulator and a redis-server. */
export function simEnv(sim: Pick<RunningSim, "region" | "endpoint">, redisUrl: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    REDIS_URL: redisUrl,
  };
}
