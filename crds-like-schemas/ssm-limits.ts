/**
 * SSM Parameter Store value limits: 4,096 bytes in the Standard tier, 8,192 bytes in the Advanced tier
 * (Intelligent-Tiering picks Advanced automatically when a value needs it). Sizes count UTF-8 bytes.
 */

export type SsmTier = "Standard" | "Advanced" | "Intelligent-Tiering";

export const SSM_TIERS: readonly SsmTier[] = ["Standard", "Advanced", "Intelligent-Tiering"];
export const SSM_STANDARD_MAX_BYTES = 4_096;
export const SSM_ADVANCED_MAX_BYTES = 8_192;

export interface SsmSizeCheck {
  ok: boolean;
  bytes: number;
  /** The tier the check was made against. */
  tier: SsmTier;
  /** The smallest tier that holds the value, or `undefined` when no tier does. */
  requiredTier: "Standard" | "Advanced" | undefined;
  /** Why it does not fit and what to do; empty when it fits. */
  message: string;
}

const count = (n: number) => n.toLocaleString("en-US");

/** The byte limit of a tier. */
export function ssmTierLimit(tier: SsmTier): number {
  return tier === "Standard" ? SSM_STANDARD_MAX_BYTES : SSM_ADVANCED_MAX_BYTES;
}

/**
 * Checks that `text` fits the SSM `tier` (Standard when not given), e.g.
 * `spec is 5,210 bytes: exceeds the Standard tier limit of 4 KB; store it with --tier Advanced (up to 8 KB)`.
 * The limits are 4,096 and 8,192 bytes.
 */
export function checkSsmSize(text: string, tier: SsmTier = "Standard"): SsmSizeCheck {
  const bytes = Buffer.byteLength(text, "utf8");
  const requiredTier =
    bytes <= SSM_STANDARD_MAX_BYTES ? "Standard" : bytes <= SSM_ADVANCED_MAX_BYTES ? "Advanced" : undefined;
  const limit = ssmTierLimit(tier);
  if (bytes <= limit) return { ok: true, bytes, tier, requiredTier, message: "" };
  if (requiredTier === "Advanced") {
    return {
      ok: false,
      bytes,
      tier,
      requiredTier,
      message: `spec is ${count(bytes)} bytes: exceeds the Standard tier limit of 4 KB; store it with --tier Advanced (up to 8 KB)`,
    };
  }
  return {
    ok: false,
    bytes,
    tier,
    requiredTier,
    message: `spec is ${count(bytes)} bytes: exceeds the Advanced tier limit of 8 KB, the largest SSM allows; shorten it (comments and fields left at their defaults count too)`,
  };
}
