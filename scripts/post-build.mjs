// After tsc: makes the CLI entry executable (so `node_modules/.bin/ecsmon` and `npx ecsmon` work from a build),
// copies the status page's static files and lib/aws/data (AWS's published tables), and records the git commit the
// build came from in dist/build-info.json for `ecsmon version`.
// The commit is `git rev-parse HEAD` (with "-dirty" when tracked files differ), else $ECSMON_GIT_COMMIT (for
// builds without a .git folder, e.g. a Docker build given it as a build argument), else "unknown".
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, writeFileSync } from "node:fs";

chmodSync(new URL("../dist/cli/ecsmon.js", import.meta.url), 0o755);

// The status page's HTML, JS and CSS are served from beside controller/ui/status-page.js (tsc copies no assets).
cpSync(new URL("../controller/ui/static", import.meta.url), new URL("../dist/controller/ui/static", import.meta.url), {
  recursive: true,
});
// AWS's published per-instance-type tables, read at module load from beside lib/aws/*.js.
cpSync(new URL("../lib/aws/data", import.meta.url), new URL("../dist/lib/aws/data", import.meta.url), {
  recursive: true,
});

function git(args) {
  try {
    return execFileSync("git", args, {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function commit() {
  const head = git(["rev-parse", "HEAD"]);
  if (head && /^[0-9a-f]{40}$/.test(head)) {
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]);
    return dirty ? `${head}-dirty` : head;
  }
  return process.env.ECSMON_GIT_COMMIT || "unknown";
}

writeFileSync(
  new URL("../dist/build-info.json", import.meta.url),
  `${JSON.stringify({ commit: commit(), builtAt: new Date().toISOString() }, null, 2)}\n`,
);
