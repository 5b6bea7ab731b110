import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { tryParseDuration } from "../../lib/duration.js";
import { createCliContext, UsageError } from "../context.js";

interface DoctorFlags {
  parameter?: string;
  specFile?: string;
  redisUrl?: string;
  docker?: boolean;
  putTestMetric?: boolean;
  timeout: number;
  json?: boolean;
}

/** `ecsmon doctor`: checks a deployment before it goes live and says what is wrong and how to fix it. */
export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("Check credentials, region, IAM permissions, the spec, Redis and Docker before going live")
    .option("--parameter <name>", "SSM parameter holding the spec (default: $ECSMON_SPEC_PARAMETER, then /ecsmon/spec)")
    .option("--spec-file <file>", "check this spec file instead of the stored one (before `spec apply`)")
    .option("--redis-url <url>", "Redis to check (default: $REDIS_URL, then redis://127.0.0.1:6379)")
    .option("--docker", "check the Docker socket even when DOCKER_HOST's socket is not found here")
    .option("--put-test-metric", "publish one EcsmonDoctorCheck datum per namespace to prove PutMetricData")
    .option(
      "--timeout <duration>",
      "bound for the Redis and Docker checks (AWS calls use the --aws-* timeouts)",
      (value: string) => {
        const ms = tryParseDuration(value);
        if (!ms) throw new InvalidArgumentError(`expected a duration such as "5s", got ${JSON.stringify(value)}.`);
        return ms;
      },
      5_000,
    )
    .option("--json", "print {ready, checks: [{name, status, detail, fix, durationMs}]} as JSON")
    .addHelpText(
      "after",
      `
Checks, each made once:
  credentials and region   the SDK's default chain resolves credentials and ECS ListClusters accepts them
  SSM GetParameter         the spec parameter exists and decrypts (SecureString: kms:Decrypt via SSM)
  spec                     valid, and within SSM's size limit (4 KB Standard, 8 KB Advanced)
  per cluster              ECS DescribeClusters; ListContainerInstances → DescribeContainerInstances → EC2
                           DescribeInstances; ListTasks → DescribeTasks → DescribeTaskDefinition; ListServices →
                           DescribeServices; Cloud Map ListNamespaces → ListServices → ListInstances
                           (cloudMap.namespaces); SQS GetQueueAttributes (events.queueUrl)
  CloudWatch PutMetricData per namespace. CloudWatch has no dry run: skipped unless --put-test-metric, which
                           publishes one datum EcsmonDoctorCheck=1 (Count) into each namespace
  Redis                    reachable, PING latency, version (BullMQ needs >= 5.0.0), maxmemory-policy
  Docker                   GET /version over DOCKER_HOST, on a node (the socket exists) or with --docker
Results: ok, warn, skip, FAIL; each problem is followed by a fix.
Exit codes: 0 ready (no FAIL), 1 not ready, 2 usage error.`,
    )
    .action(async (flags: DoctorFlags) => {
      const ctx = createCliContext(program, "doctor");
      if (flags.redisUrl) {
        try {
          new URL(flags.redisUrl);
        } catch {
          throw new UsageError(
            `--redis-url: expected a redis:// or rediss:// URL, got ${JSON.stringify(flags.redisUrl)}`,
          );
        }
        ctx.config.redis.url = flags.redisUrl;
      }
      const parameter = flags.parameter ?? ctx.config.controller.specParameter;
      if (flags.specFile) {
        const { existsSync } = await import("node:fs");
        if (!existsSync(flags.specFile))
          throw new UsageError(`--spec-file: cannot read ${flags.specFile}: no such file`);
      }
      // Loaded on demand: the checks pull in every AWS SDK client, which other commands need not pay for.
      const { runDoctor } = await import("../doctor/run-doctor.js");
      const { isReady } = await import("../doctor/check.js");
      const { renderDoctorJson, renderDoctorTable } = await import("../doctor/render.js");
      const results = await runDoctor(ctx.config, {
        parameter,
        specFile: flags.specFile,
        putTestMetric: Boolean(flags.putTestMetric),
        docker: Boolean(flags.docker),
        timeoutMs: flags.timeout,
      });
      process.stdout.write(flags.json ? renderDoctorJson(results) : renderDoctorTable(results));
      process.exitCode = isReady(results) ? 0 : 1;
    });
}
