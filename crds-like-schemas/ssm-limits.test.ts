import { describe, expect, it } from "vitest";
import { checkSsmSize, SSM_ADVANCED_MAX_BYTES, SSM_STANDARD_MAX_BYTES } from "./ssm-limits.js";

describe("checkSsmSize", () => {
  it.each([
    { bytes: 10, tier: undefined, ok: true, requiredTier: "Standard" },
    { bytes: SSM_STANDARD_MAX_BYTES, tier: undefined, ok: true, requiredTier: "Standard" },
    { bytes: SSM_STANDARD_MAX_BYTES + 1, tier: undefined, ok: false, requiredTier: "Advanced" },
    { bytes: SSM_STANDARD_MAX_BYTES + 1, tier: "Advanced", ok: true, requiredTier: "Advanced" },
    { bytes: SSM_STANDARD_MAX_BYTES + 1, tier: "Intelligent-Tiering", ok: true, requiredTier: "Advanced" },
    { bytes: SSM_ADVANCED_MAX_BYTES, tier: "Advanced", ok: true, requiredTier: "Advanced" },
    { bytes: SSM_ADVANCED_MAX_BYTES + 1, tier: "Advanced", ok: false, requiredTier: undefined },
    { bytes: SSM_ADVANCED_MAX_BYTES + 1, tier: "Standard", ok: false, requiredTier: undefined },
  ] as const)("$bytes bytes in tier $tier", ({ bytes, tier, ok, requiredTier }) => {
    const check = checkSsmSize("x".repeat(bytes), tier);
    expect(check).toMatchObject({ ok, bytes, requiredTier });
    expect(check.message === "").toBe(ok);
  });

  it("says which tier applies", () => {
    expect(checkSsmSize("x".repeat(5_210)).message).toBe(
      "spec is 5,210 bytes: exceeds the Standard tier limit of 4 KB; store it with --tier Advanced (up to 8 KB)",
    );
    expect(checkSsmSize("x".repeat(9_000), "Advanced").message).toMatch(
      /^spec is 9,000 bytes: exceeds the Advanced tier limit of 8 KB, the largest SSM allows/,
    );
  });

  it("counts UTF-8 bytes, not characters", () => {
    const text = "é".repeat(2_049);
    expect(text.length).toBeLessThan(SSM_STANDARD_MAX_BYTES);
    expect(checkSsmSize(text)).toMatchObject({ ok: false, bytes: 4_098 });
  });
});
