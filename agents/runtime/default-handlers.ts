import Dockerode from "dockerode";
import type { HandlerFactoryDeps } from "../agent.js";
import { createCapacityHandler } from "../capacity/capacity-handler.js";
import type { NodeHandler } from "../node-handler.js";
import { createStatsHandler } from "../stats/stats-handler.js";

/** Dockerode options for a DOCKER_HOST value: `unix:///path`, `tcp://host:port` or `http(s)://host:port`. */
export function dockerOptions(dockerHost: string): Dockerode.DockerOptions {
  if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
  const url = new URL(dockerHost.replace(/^tcp:\/\//, "http://"));
  const protocol = url.protocol === "https:" ? "https" : "http";
  return { host: url.hostname, port: Number(url.port || (protocol === "https" ? 2376 : 2375)), protocol };
}

/**
 * The stats and capacity handlers for the agent's mode: a daemon gets both (stats from the Docker API, read
 * only; capacity from IMDS); a sidecar gets stats from task metadata v4; a pool agent only scrapes.
 */
export function defaultHandlers(deps: HandlerFactoryDeps): NodeHandler[] {
  const { config, identity, logger, registry } = deps;
  if (identity.mode === "pool") return [];
  const { aws } = deps;
  const daemon = identity.mode === "daemon";
  const handlers: NodeHandler[] = [
    createStatsHandler({
      cloudwatch: () => aws.cloudwatch,
      docker: daemon ? new Dockerode(dockerOptions(config.agent.dockerHost)) : undefined,
      metadataUri: daemon ? undefined : config.agent.metadataUriV4,
      logger,
      registry,
    }),
  ];
  if (daemon) {
    handlers.push(
      createCapacityHandler({
        imdsEndpoint: config.agent.imdsEndpoint,
        ec2: () => aws.ec2,
        report: (report) => deps.sendReport("capacity", report),
        logger,
        registry,
      }),
    );
  }
  return handlers;
}
