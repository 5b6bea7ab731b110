/** Parameter Store state and the name/selector/rendering rules shared by the SSM operations. */
import { AwsError, type SimRequestContext } from "../service.js";

export type ParameterType = "String" | "StringList" | "SecureString";
export type ParameterTier = "Standard" | "Advanced";

/** One stored version of a parameter. */
export interface ParameterVersion {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  tier: ParameterTier;
  description?: string | undefined;
  keyId?: string | undefined;
  dataType: string;
  lastModifiedDate: Date;
}

/** Versions Parameter Store keeps per parameter; a newer one drops the oldest. */
export const MAX_VERSIONS = 100;
export const STANDARD_MAX_VALUE = 4096;
export const ADVANCED_MAX_VALUE = 8192;
export const NAME_MAX = 2048;
const MAX_HIERARCHY_DEPTH = 15;
const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
export const TYPES = ["String", "StringList", "SecureString"] as const;
export const TIERS = ["Standard", "Advanced", "Intelligent-Tiering"] as const;
export const DEFAULT_KMS_KEY = "alias/aws/ssm";

/** Parameter Store state: every version of every parameter, per region. Exposed for scenario seeding. */
export class SsmParameterStore {
  private readonly regions = new Map<string, Map<string, ParameterVersion[]>>();

  region(region: string): Map<string, ParameterVersion[]> {
    let m = this.regions.get(region);
    if (!m) {
      m = new Map();
      this.regions.set(region, m);
    }
    return m;
  }

  /** Versions of `name`, oldest first; undefined when the parameter does not exist. */
  history(region: string, name: string): ParameterVersion[] | undefined {
    return this.regions.get(region)?.get(name);
  }

  latest(region: string, name: string): ParameterVersion | undefined {
    return this.history(region, name)?.at(-1);
  }

  clear(): void {
    this.regions.clear();
  }
}

/** Strips an ARN (`arn:aws:ssm:r:a:parameter/x/y` → "/x/y", `…:parameter/x` → "x"). */
export function nameFromArnOrName(raw: string): string {
  if (!raw.startsWith("arn:")) return raw;
  const i = raw.indexOf(":parameter/");
  if (i < 0) return raw;
  const rest = raw.slice(i + ":parameter/".length);
  return rest.includes("/") ? `/${rest}` : rest;
}

export function parameterArn(ctx: SimRequestContext, name: string): string {
  return `arn:aws:ssm:${ctx.region}:${ctx.accountId}:parameter${name.startsWith("/") ? name : `/${name}`}`;
}

export function validateName(name: string): void {
  if (name.length > NAME_MAX) {
    throw new AwsError("ValidationException", `Parameter name must be at most ${NAME_MAX} characters.`);
  }
  if (!NAME_CHARS.test(name)) {
    throw new AwsError(
      "ValidationException",
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
    );
  }
  const bare = name.replace(/^\//, "").toLowerCase();
  if (bare.startsWith("aws") || bare.startsWith("ssm")) {
    throw new AwsError(
      "ValidationException",
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    );
  }
  if (name.includes("/") && !name.startsWith("/")) {
    throw new AwsError("ValidationException", "Parameter name must be a fully qualified name.");
  }
  if (name.endsWith("/") || name.includes("//")) {
    throw new AwsError("ValidationException", "Parameter name must be a fully qualified name.");
  }
  if (name.split("/").filter(Boolean).length > MAX_HIERARCHY_DEPTH) {
    throw new AwsError(
      "HierarchyLevelLimitExceededException",
      `A hierarchy can have a maximum of ${MAX_HIERARCHY_DEPTH} levels.`,
    );
  }
}

/** Deterministic stand-in for the KMS ciphertext AWS returns for SecureString without WithDecryption. */
export function pseudoCiphertext(value: string, keyId: string): string {
  return `AQICAH${Buffer.from(`${keyId}:${value}`).toString("base64")}`;
}

/** Resolves `name` or `name:version` to a version (labels are not simulated). */
export function select(
  store: SsmParameterStore,
  ctx: SimRequestContext,
  raw: string,
): { v: ParameterVersion; selector?: string } {
  const full = nameFromArnOrName(raw);
  const colon = full.lastIndexOf(":");
  const name = colon > 0 ? full.slice(0, colon) : full;
  const selector = colon > 0 ? full.slice(colon + 1) : undefined;
  const history = store.history(ctx.region, name);
  if (!history || history.length === 0) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
  if (selector === undefined) return { v: history.at(-1) as ParameterVersion };
  const version = /^\d+$/.test(selector) ? Number(selector) : Number.NaN;
  const v = history.find((h) => h.version === version);
  if (!v) {
    throw new AwsError(
      "ParameterVersionNotFound",
      `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
    );
  }
  return { v, selector: `:${selector}` };
}

export function renderParameter(ctx: SimRequestContext, v: ParameterVersion, decrypt: boolean, selector?: string) {
  return {
    Name: v.name,
    Type: v.type,
    Value: v.type === "SecureString" && !decrypt ? pseudoCiphertext(v.value, v.keyId ?? DEFAULT_KMS_KEY) : v.value,
    Version: v.version,
    Selector: selector,
    LastModifiedDate: v.lastModifiedDate,
    ARN: parameterArn(ctx, v.name),
    DataType: v.dataType,
  };
}
