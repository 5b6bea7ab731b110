import { defineConfig } from "vitest/config";

// Long-running fault drills (minutes each): `npm run test:faults`.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
