#!/usr/bin/env node
// The `ecsmon` executable. The program itself lives in program.ts so that tests can import it without running it.
import { main } from "./program.js";

main(process.argv).then((code) => {
  process.exitCode = code;
});
