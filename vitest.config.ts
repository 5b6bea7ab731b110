import { defineConfig } from "vitest/config";

// One suite: unit tests beside the code (`*.test.ts`), integration and e2e tests under test/.
// Long fault drills live in vitest.faults.config.ts and run from `npm run test:faults`.
export default defineConfig({
  test: {
    include: ["{cli,controller,agents,crds-like-schemas,charts,sim,lib,bench}/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", "test/faults/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The simulator accepts any static keys; AWS clients always use the SDK's default credential chain, so
    // tests (and the processes they spawn with process.env) supply keys the way LocalStack users do.
    env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    reporters: ["default"],
  },
});
