import { PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { ListClustersCommand } from "@aws-sdk/client-ecs";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../lib/aws/clients.js";
import type { Config } from "../../lib/config.js";
import { awsFailure } from "./aws-errors.js";
import { type CheckOutcome, type CheckResult, runCheck } from "./check.js";

/** What the AWS checks need: the AWS settings and a client set per region. */
export interface AwsCheckContext {
  aws: Config["aws"];
  clientsFor(region: string): AwsClients;
}

/** The metric the opt-in PutMetricData check publishes: one datum of 1 (Count) per namespace. */
export const DOCTOR_METRIC_NAME = "EcsmonDoctorCheck";

/** The outcome of a failed `call` (IAM `action`) in `region`, with a fix for its kind of failure. */
export function failureFor(ctx: AwsCheckContext, region: string, call: string, action: string) {
  return (error: unknown): CheckOutcome =>
    awsFailure(error, {
      call,
      action,
      region,
      endpointUrl: ctx.aws.endpointUrl,
      connectTimeoutMs: ctx.aws.connectTimeoutMs,
      requestTimeoutMs: ctx.aws.requestTimeoutMs,
    });
}

/** `AKIA…MPLE`: enough to tell identities apart without printing the key. */
function maskKeyId(keyId: string): string {
  return keyId.length <= 8 ? `${keyId.slice(0, 2)}…` : `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
}

/**
 * Credentials and region: resolves the default provider chain, then proves the credentials with the cheapest
 * signed call the controller is allowed anyway (ECS ListClusters, one result). STS is not used: ecsmon's role
 * needs no STS permission and the SDK client is not a dependency.
 */
export function credentialsCheck(ctx: AwsCheckContext): Promise<CheckResult> {
  const region = ctx.aws.region;
  return runCheck(
    "credentials and region",
    async () => {
      const ecs = ctx.clientsFor(region).ecs;
      const identity = await ecs.config.credentials();
      const listed = await ecs.send(new ListClustersCommand({ maxResults: 1 }));
      const some = (listed.clusterArns?.length ?? 0) > 0 ? "clusters visible" : "no clusters visible";
      return {
        status: "ok",
        detail: `key ${maskKeyId(identity.accessKeyId)}${identity.sessionToken ? " (temporary)" : ""} accepted in ${region} (ECS ListClusters: ${some})${ctx.aws.endpointUrl ? ` via ${ctx.aws.endpointUrl}` : ""}`,
      };
    },
    failureFor(ctx, region, "ECS ListClusters", "ecs:ListClusters"),
  );
}

/** The stored spec: GetParameter with decryption (which also needs kms:Decrypt for a customer-managed key). */
export async function specParameterCheck(
  ctx: AwsCheckContext,
  parameter: string,
  options: { specFileGiven: boolean },
): Promise<{ result: CheckResult; text: string | undefined }> {
  const region = ctx.aws.region;
  let text: string | undefined;
  const result = await runCheck(
    `SSM GetParameter ${parameter}`,
    async () => {
      try {
        const output = await ctx
          .clientsFor(region)
          .ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
        text = output.Parameter?.Value ?? "";
        const bytes = Buffer.byteLength(text, "utf8").toLocaleString("en-US");
        return {
          status: "ok",
          detail: `version ${output.Parameter?.Version ?? "?"}, ${output.Parameter?.Type ?? "String"}, ${bytes} bytes`,
        };
      } catch (error) {
        if ((error as Error).name !== "ParameterNotFound") throw error;
        return {
          status: options.specFileGiven ? "warn" : "fail",
          detail: `parameter ${parameter} not found in ${region}`,
          fix: `store the spec with \`ecsmon spec apply <file> --parameter ${parameter}\`, or check the region (--region, AWS_REGION) and ECSMON_SPEC_PARAMETER`,
        };
      }
    },
    (error) => {
      const outcome = failureFor(ctx, region, "SSM GetParameter", "ssm:GetParameter")(error);
      if ((error as Error)?.name?.startsWith("KMS") || /kms/i.test((error as Error)?.message ?? "")) {
        outcome.fix = `allow kms:Decrypt on the parameter's key, with the condition kms:ViaService = ssm.${region}.amazonaws.com`;
      }
      return outcome;
    },
  );
  return { result, text };
}

/**
 * PutMetricData into each namespace the spec publishes to. CloudWatch has no dry run, so without `put` the check
 * is skipped with a note; with it, one datum `EcsmonDoctorCheck = 1` (Count) is published per namespace, which
 * proves the cloudwatch:namespace-scoped permission end to end (and creates that one custom metric).
 */
export async function putMetricChecks(
  ctx: AwsCheckContext,
  targets: { region: string; namespace: string }[],
  put: boolean,
): Promise<CheckResult[]> {
  return Promise.all(
    targets.map(({ region, namespace }) => {
      const name = `CloudWatch PutMetricData ${namespace}${region === ctx.aws.region ? "" : ` (${region})`}`;
      if (!put) {
        return Promise.resolve<CheckResult>({
          name,
          status: "skip",
          detail: "CloudWatch has no dry run; pass --put-test-metric to publish one EcsmonDoctorCheck datum",
          durationMs: 0,
        });
      }
      return runCheck(
        name,
        async () => {
          await ctx.clientsFor(region).cloudwatch.send(
            new PutMetricDataCommand({
              Namespace: namespace,
              MetricData: [{ MetricName: DOCTOR_METRIC_NAME, Value: 1, Unit: "Count", Timestamp: new Date() }],
            }),
          );
          return { status: "ok", detail: `published ${DOCTOR_METRIC_NAME}=1` };
        },
        failureFor(
          ctx,
          region,
          "CloudWatch PutMetricData",
          `cloudwatch:PutMetricData (condition cloudwatch:namespace = ${namespace})`,
        ),
      );
    }),
  );
}
