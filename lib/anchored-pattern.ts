/**
 * Spec regular expressions are matched against the whole name, as Prometheus relabel regexes are: `web`
 * matches "web" and not "web-api" (write `web.*` for a prefix). Entries are OR-ed, and an empty list matches
 * every name. A source that does not compile matches nothing and is reported through `onInvalid`: the spec
 * validator rejects those, but matching must not throw. The controller's selectors and the agent's stats
 * container filter both match this way.
 */
export class AnchoredPatterns {
  private readonly patterns: RegExp[] = [];
  /** True when the list was empty: everything matches. */
  readonly matchesAll: boolean;

  constructor(sources: readonly string[], onInvalid?: (source: string, error: string) => void) {
    this.matchesAll = sources.length === 0;
    for (const source of sources) {
      try {
        this.patterns.push(new RegExp(`^(?:${source})$`));
      } catch (error) {
        onInvalid?.(source, (error as Error).message);
      }
    }
  }

  matches(name: string | undefined): boolean {
    if (this.matchesAll) return true;
    if (name === undefined) return false;
    return this.patterns.some((pattern) => pattern.test(name));
  }
}
