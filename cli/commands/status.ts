import type { Command } from "commander";
import { createCliContext, UsageError } from "../context.js";
import {
  renderAgents,
  renderClusterProblems,
  renderExplain,
  renderStale,
  renderStatus,
  renderTargets,
} from "./status-render.js";

interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

interface TargetsOptions extends ClientOptions {
  cluster?: string;
  service?: string;
  state?: string;
}

/** A failed call to the status API: exit 1 with the API's message. */
class ApiCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiCallError";
  }
}

function withClientOptions(command: Command): Command {
  return command
    .option("--url <url>", "controller status API (default: http://$ECSMON_API_BIND, i.e. http://127.0.0.1:9470)")
    .option("--token <token>", "bearer token (default: $ECSMON_API_TOKEN)")
    .option("--json", "print the API's JSON instead of a table");
}

async function callApi(
  program: Command,
  options: ClientOptions,
  path: string,
  query: Record<string, string | undefined> = {},
) {
  const { config } = createCliContext(program, "cli");
  const base = options.url ?? `http://${config.controller.apiBind}`;
  let url: URL;
  try {
    url = new URL(path, base.endsWith("/") ? base : `${base}/`);
  } catch {
    throw new UsageError(`--url: expected an http(s) URL, got ${JSON.stringify(base)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError("--url: expected an http(s) URL");
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const token = options.token ?? config.controller.apiToken;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new ApiCallError(`cannot reach the controller at ${url.origin}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text };
}

function failIfError(result: { status: number; body: unknown; text: string }, allow: number[] = []): void {
  if (result.status < 400 || allow.includes(result.status)) return;
  const message = (result.body as { message?: string } | undefined)?.message ?? result.text.slice(0, 200);
  throw new ApiCallError(`controller answered ${result.status}: ${message}`);
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** `ecsmon status`, `ecsmon targets` and `ecsmon explain <task>`: read-only clients of the status API. */
export function registerStatusCommands(program: Command): void {
  withClientOptions(
    program.command("status").description("Show leases, the spec in force and a summary of every cluster"),
  ).action(async (options: ClientOptions) => {
    const result = await callApi(program, options, "api/v1/status");
    failIfError(result);
    if (options.json) {
      print(JSON.stringify(result.body, null, 2));
      return;
    }
    print(renderStatus(result.body as never));
    const agents = await callApi(program, options, "api/v1/agents");
    const body = agents.body as { agents?: unknown[]; stale?: never[] } | undefined;
    const list = body?.agents;
    if (agents.status === 200 && Array.isArray(list) && list.length > 0) print(`\n${renderAgents(list as never)}`);
    for (const line of renderStale(body?.stale)) print(line);
  });

  withClientOptions(
    program
      .command("targets")
      .description("List scrape targets with their lifecycle state")
      .option("--cluster <name>", "only this cluster")
      .option("--service <name>", "only this ECS service")
      .option(
        "--state <state>",
        "only this state: discovered|assigning|active|active.unconfirmed|active.healthy|active.failing|draining|invalid|orphaned",
      ),
  ).action(async (options: TargetsOptions) => {
    const result = await callApi(program, options, "api/v1/targets", {
      cluster: options.cluster,
      service: options.service,
      state: options.state,
    });
    if (result.status === 400) throw new UsageError((result.body as { message?: string })?.message ?? "bad query");
    failIfError(result);
    if (options.json) print(JSON.stringify(result.body, null, 2));
    else {
      print(renderTargets(result.body as never));
      for (const line of renderStale((result.body as { stale?: never[] }).stale)) print(line);
      // Why targets are not healthy often lies with the cluster (NodesWithoutAgent): show its problems too.
      const status = await callApi(program, options, "api/v1/status");
      const problems = status.status === 200 ? renderClusterProblems(status.body as never, options.cluster) : [];
      for (const line of problems) print(line);
    }
  });

  withClientOptions(
    program
      .command("explain")
      .description("Explain why each container of a task is, or is not, a scrape target")
      .argument("<task>", "task ARN or task id"),
  ).action(async (task: string, options: ClientOptions) => {
    const result = await callApi(program, options, "api/v1/explain", { task });
    if (result.status === 400) throw new UsageError((result.body as { message?: string })?.message ?? "bad query");
    failIfError(result, [404]);
    if (options.json) print(JSON.stringify(result.body, null, 2));
    else if (result.status === 404) print((result.body as { message?: string })?.message ?? "task not found");
    else print(renderExplain(result.body as never));
    if (result.status === 404) process.exitCode = 1;
  });
}
