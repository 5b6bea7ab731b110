import type { RunningSim } from "../../sim/index.js";

/** The environment of an `ecsmon controller` child process that talks to the simulator and a redis-server. */
export function controllerEnv(sim: RunningSim, redisUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_REGION: sim.region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    REDIS_URL: redisUrl,
    ...extra,
  };
}
