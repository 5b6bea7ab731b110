import { defineConfig } from "vitest/config";

// Long-running fault drills (minutes each): `npm run test:faults`.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The simulator accepts any static keys; AWS clients always use the SDK's default credential chain, so
    // tests (and the processes they spawn with process.env) supply keys the way LocalStack users do.
    env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    fileParallelism: false,
  },
});
