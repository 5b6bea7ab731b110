import { existsSync } from "node:fs";
import Dockerode from "dockerode";
import { dockerOptions } from "../../agents/runtime/default-handlers.js";
import { type CheckResult, runCheck, skipped } from "./check.js";

/**
 * The Docker Engine API the agent reads in daemon mode: `GET /version` over DOCKER_HOST. Run when asked
 * (`--docker`) or when DOCKER_HOST is a unix socket that exists here (i.e. on a node).
 */
export function dockerCheck(dockerHost: string, options: { force: boolean; timeoutMs: number }): Promise<CheckResult> {
  const name = `Docker ${dockerHost}`;
  const socketPath = dockerHost.startsWith("unix://") ? dockerHost.slice("unix://".length) : undefined;
  if (!options.force && !(socketPath && existsSync(socketPath))) {
    return Promise.resolve(skipped(name, "not on a node (no Docker socket here); pass --docker to check anyway"));
  }
  return runCheck(
    name,
    async () => {
      const docker = new Dockerode({ ...dockerOptions(dockerHost), timeout: options.timeoutMs });
      const version = await docker.version();
      return { status: "ok", detail: `Docker Engine ${version.Version}, API ${version.ApiVersion}` };
    },
    (error) => {
      const code = (error as NodeJS.ErrnoException)?.code;
      const detail = (error as Error)?.message ?? String(error);
      if (code === "EACCES") {
        return {
          status: "fail",
          detail: `cannot open ${socketPath}: permission denied`,
          fix: "mount the socket read-only and add its group to the agent (compose group_add, ECS dockerSecurityOptions/user)",
        };
      }
      if (code === "ENOENT") {
        return {
          status: "fail",
          detail: `${socketPath} does not exist`,
          fix: "mount /var/run/docker.sock into the agent",
        };
      }
      return { status: "fail", detail, fix: "check DOCKER_HOST and that the Docker Engine is running" };
    },
  );
}
