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
    reporters: ["default"],
  },
});
