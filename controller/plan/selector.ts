/**
 * Spec regular expressions are matched against the whole name, as Prometheus relabel regexes are:
 * `web` matches the service "web" and not "web-api" (write `web.*` for a prefix). A source that does not
 * compile (the spec validator rejects those, but plan() must not throw) matches nothing.
 */
export class NameMatcher {
  private readonly patterns: RegExp[];
  /** True when the list was empty: everything matches. */
  readonly matchesAll: boolean;

  constructor(sources: readonly string[]) {
    this.matchesAll = sources.length === 0;
    this.patterns = [];
    for (const source of sources) {
      try {
        this.patterns.push(new RegExp(`^(?:${source})$`));
      } catch {
        // An uncompilable source matches nothing.
      }
    }
  }

  matches(name: string | undefined): boolean {
    if (this.matchesAll) return true;
    if (name === undefined) return false;
    return this.patterns.some((pattern) => pattern.test(name));
  }
}

/** The spec's selector compiled once per plan. Lists are AND-ed with each other; entries within a list are OR-ed. */
export class TaskSelector {
  private readonly services: NameMatcher;
  private readonly families: NameMatcher;

  constructor(selector: { serviceNames: readonly string[]; taskFamilies: readonly string[] }) {
    this.services = new NameMatcher(selector.serviceNames);
    this.families = new NameMatcher(selector.taskFamilies);
  }

  /** Why a task is not selected, or undefined when it is. Standalone tasks have no service name. */
  rejects(serviceName: string | undefined, family: string | undefined): string | undefined {
    if (!this.services.matches(serviceName)) {
      return serviceName === undefined
        ? "task belongs to no service and selector.serviceNames is set"
        : `service "${serviceName}" does not match selector.serviceNames`;
    }
    if (!this.families.matches(family)) return `task family "${family ?? ""}" does not match selector.taskFamilies`;
    return undefined;
  }

  serviceSelected(serviceName: string): boolean {
    return this.services.matches(serviceName);
  }
}
