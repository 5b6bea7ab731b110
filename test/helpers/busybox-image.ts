import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DockerEngine } from "./docker-engine.js";

/** Where Debian's `busybox-static` package (installed by `.ci/run`) puts its statically linked binary. */
export const staticBusybox = "/bin/busybox";

/**
 * Builds a tiny workload image without any registry: `FROM scratch` plus the host's static busybox, with
 * its applets (`sh`, `httpd`, `dd`, `sleep`, ...) linked into /bin. Returns the tag.
 */
export async function buildBusyboxImage(engine: DockerEngine, tag = "ecsmon-test/busybox:1"): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), "ecsmon-bb-"));
  try {
    await copyFile(staticBusybox, join(context, "busybox")).catch((error) => {
      throw new Error(`${staticBusybox} is missing (install Debian's busybox-static package): ${String(error)}`);
    });
    await writeFile(
      join(context, "Dockerfile"),
      [
        "FROM scratch",
        "COPY busybox /bin/busybox",
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
        'RUN ["/bin/busybox", "mkdir", "-p", "/tmp", "/www"]',
        'CMD ["/bin/sh"]',
        "",
      ].join("\n"),
    );
    await engine.docker(["build", "--network", "none", "-q", "-t", tag, context]);
    return tag;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
