import { decodeToken, encodeToken, InputReader } from "../input.js";
import { AwsError, type SimRequestContext, type SimService } from "../service.js";
import {
  ADVANCED_MAX_VALUE,
  DATA_TYPES,
  DEFAULT_KMS_KEY,
  NAME_MAX,
  nameFromArnOrName,
  type ParameterTier,
  type ParameterVersion,
  pseudoCiphertext,
  renderParameter,
  SsmParameterStore,
  STANDARD_MAX_VALUE,
  select,
  TIERS,
  TYPES,
  validateName,
} from "./ssm-store.js";

export type { ParameterTier, ParameterType, ParameterVersion, SsmLimits } from "./ssm-store.js";
export { SsmParameterStore } from "./ssm-store.js";

/** Builds the simulated SSM (Parameter Store subset; JSON 1.1, target prefix AmazonSSM). */
export function createSsmService(store = new SsmParameterStore()): SimService & { store: SsmParameterStore } {
  const putParameter = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    // PutParameter takes the name only, never an ARN (validateName rejects the ":").
    const name = r.reqStr("Name", { min: 1, max: NAME_MAX });
    validateName(name);
    const value = r.reqStr("Value");
    const type = r.oneOf("Type", TYPES);
    const overwrite = r.bool("Overwrite") ?? false;
    const requestedTier = r.oneOf("Tier", TIERS);
    const dataType = r.oneOf("DataType", DATA_TYPES);
    const description = r.str("Description", { max: 1024 });
    const allowedPattern = r.str("AllowedPattern", { max: 1024 });
    const keyId = r.str("KeyId", { min: 1, max: 256 });
    const tags = r.list("Tags", { max: 1000 });
    if (value.length > ADVANCED_MAX_VALUE)
      r.fail("Value", `${value.slice(0, 16)}…`, `Member must have length less than or equal to ${ADVANCED_MAX_VALUE}`);
    if (tags && tags.length > 0 && overwrite) {
      throw new AwsError(
        "ValidationException",
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }

    const params = store.region(ctx.region);
    const history = params.get(name);
    const current = history?.at(-1);
    if (current && !overwrite) {
      throw new AwsError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
      );
    }
    if (!current && !type)
      throw new AwsError("ValidationException", "A parameter type is required when you create a parameter.");
    const effectiveType = type ?? (current as ParameterVersion).type;
    if (keyId && effectiveType !== "SecureString") {
      throw new AwsError("ValidationException", "KeyId is required for SecureString type parameter only.");
    }
    if (allowedPattern !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(allowedPattern);
      } catch {
        throw new AwsError(
          "InvalidAllowedPatternException",
          "The request does not meet the regular expression requirement.",
        );
      }
      if (!re.test(value)) {
        throw new AwsError(
          "ParameterPatternMismatchException",
          `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
        );
      }
    }

    let tier: ParameterTier;
    if (requestedTier === "Intelligent-Tiering")
      tier = value.length > STANDARD_MAX_VALUE || current?.tier === "Advanced" ? "Advanced" : "Standard";
    else tier = requestedTier ?? current?.tier ?? "Standard";
    if (current?.tier === "Advanced" && tier === "Standard") {
      throw new AwsError(
        "ValidationException",
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    if (tier === "Standard" && value.length > STANDARD_MAX_VALUE) {
      throw new AwsError(
        "ValidationException",
        `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX_VALUE} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`,
      );
    }
    if (!current || current.tier !== tier) {
      const limit = tier === "Standard" ? store.limits.maxStandardParameters : store.limits.maxAdvancedParameters;
      if (store.count(ctx.region, tier) >= limit) {
        throw new AwsError(
          "ParameterLimitExceeded",
          `You have exceeded the number of parameters for this AWS account. Delete unnecessary parameters and try again.`,
        );
      }
    }
    if (history && history.length >= store.limits.maxVersions) {
      const oldest = history[0] as ParameterVersion;
      if (oldest.labels.length > 0) {
        throw new AwsError(
          "ParameterMaxVersionLimitExceeded",
          `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
        );
      }
      history.shift();
    }

    const version = (current?.version ?? 0) + 1;
    const entry: ParameterVersion = {
      name,
      type: effectiveType,
      value,
      version,
      tier,
      description: description ?? current?.description,
      allowedPattern: allowedPattern ?? current?.allowedPattern,
      keyId: effectiveType === "SecureString" ? (keyId ?? current?.keyId ?? DEFAULT_KMS_KEY) : undefined,
      dataType: dataType ?? current?.dataType ?? "text",
      labels: [],
      lastModifiedDate: new Date(),
    };
    if (history) history.push(entry);
    else params.set(name, [entry]);
    return { Version: version, Tier: tier };
  };

  const getParameter = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    const { v, selector } = select(store, ctx, r.reqStr("Name", { min: 1, max: NAME_MAX }));
    return { Parameter: renderParameter(ctx, v, r.bool("WithDecryption") ?? false, selector) };
  };

  const getParameters = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    const names = r.list<string>("Names", { min: 1, max: 10 }) ?? r.missing("Names");
    const decrypt = r.bool("WithDecryption") ?? false;
    const Parameters: unknown[] = [];
    const InvalidParameters: string[] = [];
    for (const raw of names) {
      try {
        const { v, selector } = select(store, ctx, String(raw));
        Parameters.push(renderParameter(ctx, v, decrypt, selector));
      } catch (err) {
        if (err instanceof AwsError) InvalidParameters.push(String(raw));
        else throw err;
      }
    }
    return { Parameters, InvalidParameters };
  };

  const getParametersByPath = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    const raw = r.reqStr("Path", { min: 1, max: NAME_MAX });
    if (!raw.startsWith("/")) {
      throw new AwsError(
        "ValidationException",
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
      );
    }
    const path = raw.endsWith("/") ? raw : `${raw}/`;
    const recursive = r.bool("Recursive") ?? false;
    const decrypt = r.bool("WithDecryption") ?? false;
    const max = r.num("MaxResults", { min: 1, max: 10, integer: true }) ?? 10;
    const token = r.str("NextToken");
    let offset = 0;
    if (token !== undefined) {
      const decoded = decodeToken(token, `ssm-path:${path}:${recursive}`);
      if (decoded === undefined) throw new AwsError("InvalidNextToken", "The specified token isn't valid.");
      offset = decoded;
    }
    const names = [...store.region(ctx.region).keys()]
      .filter(
        (n) =>
          (raw === "/" || n.startsWith(path)) &&
          n.startsWith("/") &&
          (recursive || !n.slice(path.length).includes("/")),
      )
      .sort();
    const page = names.slice(offset, offset + max);
    return {
      Parameters: page.map((n) => renderParameter(ctx, store.latest(ctx.region, n) as ParameterVersion, decrypt)),
      NextToken: offset + max < names.length ? encodeToken(offset + max, `ssm-path:${path}:${recursive}`) : undefined,
    };
  };

  const getParameterHistory = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    const name = nameFromArnOrName(r.reqStr("Name", { min: 1, max: NAME_MAX }));
    const decrypt = r.bool("WithDecryption") ?? false;
    const max = r.num("MaxResults", { min: 1, max: 50, integer: true }) ?? 50;
    const token = r.str("NextToken");
    const history = store.history(ctx.region, name);
    if (!history) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
    let offset = 0;
    if (token !== undefined) {
      const decoded = decodeToken(token, `ssm-history:${name}`);
      if (decoded === undefined) throw new AwsError("InvalidNextToken", "The specified token isn't valid.");
      offset = decoded;
    }
    const page = history.slice(offset, offset + max);
    const next = offset + max < history.length ? encodeToken(offset + max, `ssm-history:${name}`) : undefined;
    return {
      Parameters: page.map((v) => ({
        Name: v.name,
        Type: v.type,
        KeyId: v.keyId,
        LastModifiedDate: v.lastModifiedDate,
        LastModifiedUser: `arn:aws:iam::${ctx.accountId}:root`,
        Description: v.description,
        Value: v.type === "SecureString" && !decrypt ? pseudoCiphertext(v.value, v.keyId ?? DEFAULT_KMS_KEY) : v.value,
        AllowedPattern: v.allowedPattern,
        Version: v.version,
        Labels: v.labels,
        Tier: v.tier,
        Policies: [],
        DataType: v.dataType,
      })),
      NextToken: next,
    };
  };

  const deleteParameter = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const name = nameFromArnOrName(new InputReader(input).reqStr("Name", { min: 1, max: NAME_MAX }));
    if (!store.region(ctx.region).delete(name)) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
    return {};
  };

  const deleteParameters = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const names =
      new InputReader(input).list<string>("Names", { min: 1, max: 10 }) ?? new InputReader(input).missing("Names");
    const DeletedParameters: string[] = [];
    const InvalidParameters: string[] = [];
    for (const raw of names) {
      const name = nameFromArnOrName(String(raw));
      if (store.region(ctx.region).delete(name)) DeletedParameters.push(name);
      else InvalidParameters.push(name);
    }
    return { DeletedParameters, InvalidParameters };
  };

  const labelParameterVersion = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const r = new InputReader(input);
    const name = nameFromArnOrName(r.reqStr("Name"));
    const labels = (r.list<string>("Labels", { min: 1, max: 10 }) ?? r.missing("Labels")).map(String);
    const history = store.history(ctx.region, name);
    if (!history) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
    const wanted = r.num("ParameterVersion", { min: 1, integer: true });
    const target = wanted === undefined ? history.at(-1) : history.find((h) => h.version === wanted);
    if (!target) {
      throw new AwsError(
        "ParameterVersionNotFound",
        `Systems Manager could not find version ${wanted} of ${name}. Verify the version and try again.`,
      );
    }
    const InvalidLabels: string[] = [];
    for (const label of labels) {
      if (/^\d/.test(label) || /^(aws|ssm)/i.test(label) || label.length > 100 || !/^[a-zA-Z0-9_.-]+$/.test(label)) {
        InvalidLabels.push(label);
        continue;
      }
      for (const h of history) h.labels = h.labels.filter((l) => l !== label);
      target.labels.push(label);
    }
    return { InvalidLabels, ParameterVersion: target.version };
  };

  return {
    signingName: "ssm",
    targetPrefix: "AmazonSSM",
    store,
    operations: {
      PutParameter: putParameter,
      GetParameter: getParameter,
      GetParameters: getParameters,
      GetParameterHistory: getParameterHistory,
      GetParametersByPath: getParametersByPath,
      DeleteParameter: deleteParameter,
      DeleteParameters: deleteParameters,
      LabelParameterVersion: labelParameterVersion,
    },
  };
}
