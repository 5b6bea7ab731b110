#!/usr/bin/env node
// The `ecsmon` executable. The program itself lives in program.ts so that tests can import it without running it.
import { main } from "./program.js";

// A reader that goes away early (`ecsmon status | head`) closes the pipe: stop quietly, as a SIGPIPE would,
// instead of dying on an unhandled EPIPE with a stack trace. Other stream errors still surface.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
