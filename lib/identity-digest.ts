import { hash } from "node:crypto";

/**
 * A SHA-256 digest function cached by object identity, for objects that are never mutated once built: plan()
 * hands out the same target objects while a task is unchanged, so a steady reconcile serialises none of them.
 * Entries go with their objects (WeakMap).
 */
export function identityDigest<T extends object>(serialize: (value: T) => string): (value: T) => string {
  const digests = new WeakMap<T, string>();
  return (value) => {
    let digest = digests.get(value);
    if (digest === undefined) {
      digest = hash("sha256", serialize(value));
      digests.set(value, digest);
    }
    return digest;
  };
}
