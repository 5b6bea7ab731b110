import { createServer, type Server } from "node:net";

/** Port of the claim listener: below the ephemeral range, so no dynamic port can take it. */
const CLAIM_PORT = 32_000;

export class AddressBlockUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressBlockUnavailableError";
  }
}

/** A held `127.<base>.0.0/16` block; release it when the simulator stops. */
export interface AddressClaim {
  base: number;
  release(): Promise<void>;
}

function listen(host: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve(undefined);
      else reject(error);
    });
    server.listen(CLAIM_PORT, host, () => resolve(server));
    server.unref();
  });
}

/**
 * Claims an address block for one simulator across processes: a listener on `127.<base>.254.254:32000`
 * (an address no node or task uses) marks the block taken, so parallel simulators (e.g. test files running
 * in separate processes) never share node or task addresses. With `base` given, only that block is tried.
 */
export async function claimAddressBlock(base?: number): Promise<AddressClaim> {
  const candidates = base !== undefined ? [base] : shuffled();
  for (const b of candidates) {
    const server = await listen(`127.${b}.254.254`);
    if (server) {
      return {
        base: b,
        release: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    }
  }
  throw new AddressBlockUnavailableError(
    base !== undefined
      ? `address block 127.${base}.0.0/16 is in use by another simulator`
      : "every 127.x.0.0/16 block is in use",
  );
}

function shuffled(): number[] {
  const bases = Array.from({ length: 252 }, (_, i) => i + 2);
  for (let i = bases.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [bases[i], bases[j]] = [bases[j]!, bases[i]!];
  }
  return bases;
}
