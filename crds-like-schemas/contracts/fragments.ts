import { z } from "zod";

/** Pieces of schema that several contracts share. Functions, so that each use is its own schema instance. */

/** A count: a whole number, 0 or more. */
export const count = () => z.number().int().nonnegative();

/** A point in time as ISO-8601 text. */
export const isoTime = () => z.string().describe("ISO-8601 time");

/**
 * The fields every message between the controller and an agent starts with: its contract (name and version, so
 * that either side can be upgraded alone) and the node it concerns.
 */
export const nodeMessage = <C extends string>(contract: C) => ({
  contract: z.literal(contract),
  cluster: z.string(),
  nodeId: z.string(),
});
