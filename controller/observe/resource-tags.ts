import type { ResourceTags } from "../model.js";

/** A tag as the ECS API spells it (`key`/`value`) or as EC2 does (`Key`/`Value`). */
export interface TagLike {
  key?: string | undefined;
  value?: string | undefined;
  Key?: string | undefined;
  Value?: string | undefined;
}

/** One shared object per distinct tag set: the tasks of a service usually carry the same (propagated) tags. */
const interned = new Map<string, ResourceTags>();
const MAX_INTERNED = 20_000;
const EMPTY: ResourceTags = Object.freeze({});

/**
 * Tags from an API response as a frozen record. `undefined` (the response carried no `tags` member, i.e. they
 * were not asked for) stays undefined so callers can tell "no tags" from "not read". Tags without a key or a
 * value are skipped, as Prometheus's ECS discovery skips them.
 */
export function toResourceTags(list: readonly TagLike[] | undefined): ResourceTags | undefined {
  if (list === undefined) return undefined;
  const entries: [string, string][] = [];
  for (const tag of list) {
    const key = tag.key ?? tag.Key;
    const value = tag.value ?? tag.Value;
    if (key !== undefined && value !== undefined) entries.push([key, value]);
  }
  if (entries.length === 0) return EMPTY;
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const id = JSON.stringify(entries);
  const known = interned.get(id);
  if (known) return known;
  if (interned.size >= MAX_INTERNED) interned.clear();
  const tags = Object.freeze(Object.fromEntries(entries));
  interned.set(id, tags);
  return tags;
}
