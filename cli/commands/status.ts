import type { Command } from "commander";
import {
  AgentList,
  ExplainNotFound,
  StatusDocument,
  TargetList,
  TaskExplanation,
} from "../../crds-like-schemas/contracts/status-api.js";
import { createCliContext, UsageError } from "../context.js";
import { type ApiAnswer, errorMessage, expectSuccess, getApi, readAnswer } from "../status-api-client.js";
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

function withClientOptions(command: Command): Command {
  return command
    .option("--url <url>", "controller status API (default: http://$ECSMON_API_BIND, i.e. http://127.0.0.1:9470)")
    .option("--token <token>", "bearer token (default: $ECSMON_API_TOKEN)")
    .option("--json", "print the API's JSON instead of a table");
}

function callApi(
  program: Command,
  options: ClientOptions,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<ApiAnswer> {
  const { config } = createCliContext(program, "cli");
  const base = options.url ?? `http://${config.controller.apiBind}`;
  return getApi({ base, path, query, token: options.token ?? config.controller.apiToken });
}

/** A rejected query (400) is a usage error (exit 2), with the API's message naming the parameter. */
function failIfBadQuery(answer: ApiAnswer): void {
  if (answer.status === 400) throw new UsageError(errorMessage(answer));
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Prints the API's JSON as it came (`--json`), else the answer rendered for a reader. */
function printAnswer(answer: ApiAnswer, options: ClientOptions, render: () => string): void {
  print(options.json ? JSON.stringify(answer.body, null, 2) : render());
}

/** `ecsmon status`, `ecsmon targets` and `ecsmon explain <task>`: read-only clients of the status API. */
export function registerStatusCommands(program: Command): void {
  withClientOptions(
    program.command("status").description("Show leases, the spec in force and a summary of every cluster"),
  ).action(async (options: ClientOptions) => {
    const answer = await callApi(program, options, "api/v1/status");
    expectSuccess(answer);
    const status = readAnswer(answer, StatusDocument);
    printAnswer(answer, options, () => renderStatus(status));
    if (options.json) return;
    // The agents table is extra: an older controller without the route (404) still gets its status shown.
    const agentsAnswer = await callApi(program, options, "api/v1/agents");
    if (agentsAnswer.status !== 200) return;
    const agents = readAnswer(agentsAnswer, AgentList);
    if (agents.agents.length > 0) print(`\n${renderAgents(agents.agents)}`);
    for (const line of renderStale(agents.stale)) print(line);
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
    const answer = await callApi(program, options, "api/v1/targets", {
      cluster: options.cluster,
      service: options.service,
      state: options.state,
    });
    failIfBadQuery(answer);
    expectSuccess(answer);
    const targets = readAnswer(answer, TargetList);
    printAnswer(answer, options, () => renderTargets(targets));
    if (options.json) return;
    for (const line of renderStale(targets.stale)) print(line);
    // Why targets are not healthy often lies with the cluster (NodesWithoutAgent): show its problems too.
    const statusAnswer = await callApi(program, options, "api/v1/status");
    if (statusAnswer.status !== 200) return;
    for (const line of renderClusterProblems(readAnswer(statusAnswer, StatusDocument), options.cluster)) print(line);
  });

  withClientOptions(
    program
      .command("explain")
      .description("Explain why each container of a task is, or is not, a scrape target")
      .argument("<task>", "task ARN or task id"),
  ).action(async (task: string, options: ClientOptions) => {
    const answer = await callApi(program, options, "api/v1/explain", { task });
    failIfBadQuery(answer);
    expectSuccess(answer, [404]);
    if (answer.status === 404) {
      const notFound = readAnswer(answer, ExplainNotFound);
      printAnswer(answer, options, () => notFound.message);
      process.exitCode = 1;
      return;
    }
    const explanation = readAnswer(answer, TaskExplanation);
    printAnswer(answer, options, () => renderExplain(explanation));
  });
}
