import { AnchoredPatterns as NameMatcher } from "../../lib/anchored-pattern.js";

/** Whole-name matching of spec regular expressions (lib/anchored-pattern.ts), under the name plan() uses. */
export { NameMatcher };

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
