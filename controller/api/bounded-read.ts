/** What a {@link BoundedRead} returns: the newest value it has, and how old it is. */
export interface Reading<T> {
  /** Undefined when no read has ever completed. */
  value: T | undefined;
  /** Epoch ms at which `value` was read. */
  readAt: number | undefined;
  /** Whether the refresh this call asked for did not complete in time (or failed), so `value` is older than wanted. */
  stale: boolean;
  /** Why it is stale: the read's error, or that it did not answer within the budget. */
  reason: string | undefined;
}

export interface BoundedReadOptions {
  /** A value younger than this is served without a new read. */
  maxAgeMs: number;
  /** How long a caller waits for a refresh before it is answered with the older value, marked stale. */
  waitMs: number;
  now?: () => number;
}

/**
 * A read from Redis that a request can never hang on: the last value is kept in memory; a caller that finds it
 * older than `maxAgeMs` starts one refresh (never more than one in flight, so a stalled Redis does not pile up
 * commands) and waits for it at most `waitMs`. A stalled or unreachable Redis thus costs a request `waitMs`,
 * and the answer says how old its data is.
 */
export class BoundedRead<T> {
  private value: T | undefined;
  private readAt: number | undefined;
  private lastError: string | undefined;
  private inflight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly options: BoundedReadOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async read(): Promise<Reading<T>> {
    const asked = this.now();
    if (this.readAt !== undefined && asked - this.readAt < this.options.maxAgeMs) return this.reading(false);
    this.inflight ??= this.fetch()
      .then(
        (value) => {
          this.value = value;
          this.readAt = this.now();
          this.lastError = undefined;
        },
        (error: unknown) => {
          this.lastError = (error as Error)?.message ?? String(error);
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.inflight,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.waitMs);
      }),
    ]);
    clearTimeout(timer);
    return this.reading(this.readAt === undefined || this.readAt < asked);
  }

  private reading(stale: boolean): Reading<T> {
    const reason = !stale ? undefined : (this.lastError ?? `Redis did not answer within ${this.options.waitMs} ms`);
    return { value: this.value, readAt: this.readAt, stale, reason };
  }
}

/** One {@link BoundedRead} per key (a cluster), created on first use; keys not in `keep` can be dropped. */
export class BoundedReads<T> {
  private readonly reads = new Map<string, BoundedRead<T>>();

  constructor(
    private readonly fetch: (key: string) => Promise<T>,
    private readonly options: BoundedReadOptions,
  ) {}

  read(key: string): Promise<Reading<T>> {
    let read = this.reads.get(key);
    if (!read) {
      read = new BoundedRead(() => this.fetch(key), this.options);
      this.reads.set(key, read);
    }
    return read.read();
  }

  /** Frees the kept values of keys no longer asked about (a cluster this replica now holds, or left the spec). */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.reads.keys()) if (!keep(key)) this.reads.delete(key);
  }
}
