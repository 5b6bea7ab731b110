/**
 * One shared copy of each repeated string. Strings parsed from AWS responses are fresh copies: 10,000 tasks carry
 * 10,000 copies of a few hundred container-instance ARNs, task-definition ARNs, zones and statuses (~3 MB). The
 * pool is emptied whenever it reaches `max` entries, so values that churn away cannot accumulate.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(private readonly max = 50_000) {}

  get<T extends string | undefined>(value: T): T {
    if (value === undefined) return value;
    const shared = this.pool.get(value);
    if (shared !== undefined) return shared as T;
    if (this.pool.size >= this.max) this.pool.clear();
    this.pool.set(value, value);
    return value;
  }
}
