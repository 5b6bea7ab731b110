import type { RunningSim } from "../../sim/index.js";
import { simEnv } from "./sim-clients.js";

/** The environment of an `ecsmon controller` child process that talks to the simulator and a redis-server. */
export function controllerEnv(sim: RunningSim, redisUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...simEnv(sim, redisUrl), ...extra };
}
