import { InputReader } from "../input.js";
import { AwsError, type SimRequestContext, type SimService } from "../service.js";
import {
  ADVANCED_MAX_VALUE,
  DEFAULT_KMS_KEY,
  MAX_VERSIONS,
  NAME_MAX,
  nameFromArnOrName,
  type ParameterTier,
  type ParameterVersion,
  renderParameter,
  SsmParameterStore,
  STANDARD_MAX_VALUE,
  select,
  TIERS,
  TYPES,
  validateName,
} from "./ssm-store.js";

export type { ParameterTier, ParameterType, ParameterVersion } from "./ssm-store.js";
export { SsmParameterStore } from "./ssm-store.js";

/**
 * Builds the simulated SSM (JSON 1.1, target prefix AmazonSSM): PutParameter and GetParameter, the calls
 * ecsmon makes for its spec, and DeleteParameter, which tests and a local user use to remove the spec.
 */
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
    const description = r.str("Description", { max: 1024 });
    if (value.length > ADVANCED_MAX_VALUE)
      r.fail("Value", `${value.slice(0, 16)}…`, `Member must have length less than or equal to ${ADVANCED_MAX_VALUE}`);

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
    if (history && history.length >= MAX_VERSIONS) history.shift();

    const version = (current?.version ?? 0) + 1;
    const entry: ParameterVersion = {
      name,
      type: effectiveType,
      value,
      version,
      tier,
      description: description ?? current?.description,
      keyId: effectiveType === "SecureString" ? (current?.keyId ?? DEFAULT_KMS_KEY) : undefined,
      dataType: "text",
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

  const deleteParameter = (input: Record<string, unknown>, ctx: SimRequestContext) => {
    const name = nameFromArnOrName(new InputReader(input).reqStr("Name", { min: 1, max: NAME_MAX }));
    if (!store.region(ctx.region).delete(name)) throw new AwsError("ParameterNotFound", `Parameter ${name} not found.`);
    return {};
  };

  return {
    signingName: "ssm",
    targetPrefix: "AmazonSSM",
    store,
    operations: {
      PutParameter: putParameter,
      GetParameter: getParameter,
      DeleteParameter: deleteParameter,
    },
  };
}
