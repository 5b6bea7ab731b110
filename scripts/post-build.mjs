// Makes the CLI entry executable after tsc, so `node_modules/.bin/ecsmon` and `npx ecsmon` work from a build.
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/cli/ecsmon.js", import.meta.url), 0o755);
