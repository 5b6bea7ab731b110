import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { stringify } from "yaml";
import type { TargetGroup } from "./target-groups.js";

/**
 * Writes Prometheus file_sd YAML atomically: the content goes to a temporary file in the same directory, which
 * is then renamed over the target, so Prometheus never reads a half-written file. Writes only when the
 * content changes (compared with what is on disk the first time).
 */
export class FileSdWriter {
  private last: string | undefined;
  private loaded = false;

  constructor(readonly path: string) {}

  /** Renders the groups; returns whether the file was (re)written. */
  async write(groups: readonly TargetGroup[]): Promise<boolean> {
    const content = renderFileSd(groups);
    if (!this.loaded) {
      this.last = await readFile(this.path, "utf8").catch(() => undefined);
      this.loaded = true;
    }
    if (content === this.last) return false;
    const tmp = join(
      dirname(this.path),
      `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
    );
    try {
      await writeFile(tmp, content, { mode: 0o644 });
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
    this.last = content;
    return true;
  }
}

/** The file_sd YAML of a list of groups (`[]` when empty, which Prometheus accepts). */
export function renderFileSd(groups: readonly TargetGroup[]): string {
  if (groups.length === 0) return "[]\n";
  return stringify(groups, { lineWidth: 0 });
}
