import { describe, expect, it } from "vitest";
import { AddressBlockUnavailableError, claimAddressBlock } from "./address-claim.js";

describe("claimAddressBlock", () => {
  it("gives each claimant its own block and frees it on release", async () => {
    const a = await claimAddressBlock();
    const b = await claimAddressBlock();
    expect(a.base).not.toBe(b.base);
    await expect(claimAddressBlock(a.base)).rejects.toBeInstanceOf(AddressBlockUnavailableError);
    await a.release();
    const again = await claimAddressBlock(a.base);
    expect(again.base).toBe(a.base);
    await again.release();
    await b.release();
  });
});
