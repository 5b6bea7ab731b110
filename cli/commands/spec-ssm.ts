import type { ParameterTier, SSMClient } from "@aws-sdk/client-ssm";
import type { CliContext } from "../context.js";

/** The spec parameter as stored in SSM. */
export interface StoredParameter {
  text: string;
  version: number;
  type: string | undefined;
  lastModified: Date | undefined;
}

/**
 * Runs `fn` with an SSM client built from the CLI's config; an SDK error is rethrown as one line that names the
 * call and how to fix it (see describeAwsError), e.g. `SSM GetParameter: no response from http://… within 15s`.
 */
export async function withSsm<T>(ctx: CliContext, operation: string, fn: (ssm: SSMClient) => Promise<T>): Promise<T> {
  // Loaded on demand: `validate` and `schema` need no AWS SDK, and every CLI start pays for what it imports.
  const { awsClientOptions, createAwsClients } = await import("../../lib/aws/clients.js");
  const clients = createAwsClients(awsClientOptions(ctx.config.aws));
  try {
    return await fn(clients.ssm);
  } catch (error) {
    const { describeAwsError } = await import("../../lib/aws/describe-error.js");
    throw new Error(describeAwsError(error, { call: `SSM ${operation}`, ...ctx.config.aws }));
  } finally {
    clients.destroy();
  }
}

/** The stored parameter, or `undefined` when it does not exist. Other SSM errors throw. */
export async function readParameter(ctx: CliContext, parameter: string): Promise<StoredParameter | undefined> {
  return withSsm(ctx, "GetParameter", async (ssm) => {
    const { GetParameterCommand } = await import("@aws-sdk/client-ssm");
    try {
      const output = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
      const p = output.Parameter;
      return { text: p?.Value ?? "", version: p?.Version ?? 0, type: p?.Type, lastModified: p?.LastModifiedDate };
    } catch (error) {
      if ((error as Error).name === "ParameterNotFound") return undefined;
      throw error;
    }
  });
}

/**
 * Stores `text` in `parameter` (PutParameter, Overwrite) and returns the new version. Without an explicit
 * type the existing parameter's type is kept, so a SecureString never silently becomes a String.
 */
export async function writeParameter(
  ctx: CliContext,
  parameter: string,
  text: string,
  options: { type?: "String" | "SecureString" | undefined; tier?: ParameterTier | undefined },
): Promise<{ version: number | undefined; type: "String" | "SecureString" }> {
  return withSsm(ctx, "PutParameter", async (ssm) => {
    const { GetParameterCommand, PutParameterCommand } = await import("@aws-sdk/client-ssm");
    let type = options.type;
    if (!type) {
      try {
        const existing = await ssm.send(new GetParameterCommand({ Name: parameter }));
        type = existing.Parameter?.Type === "SecureString" ? "SecureString" : "String";
      } catch (error) {
        if ((error as Error).name !== "ParameterNotFound") throw error;
        type = "String";
      }
    }
    const output = await ssm.send(
      new PutParameterCommand({
        Name: parameter,
        Value: text,
        Type: type,
        Overwrite: true,
        ...(options.tier ? { Tier: options.tier } : {}),
        Description: "ecsmon MonitoringSpec (ecsmon spec apply)",
      }),
    );
    return { version: output.Version, type };
  });
}
