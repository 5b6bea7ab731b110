/** A reconcile failure that retrying cannot fix (e.g. the cluster left the spec): the loop stops, the outcome is counted. */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}
