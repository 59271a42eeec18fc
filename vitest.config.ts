import { defineConfig } from "vitest/config";

// One runner, four projects: unit (pure src/core), integration (real local servers:
// moto, HTTP, git, Postgres/Redis), e2e (the module's class on the engine rig, client mode) and
// module (the repository loaded as a module by the engine, as `dagger call` does).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts"] } },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
      {
        // The repository loaded as a module through the engine's TypeScript SDK, as `dagger call` does.
        test: {
          name: "module",
          include: ["tests/module/**/*.test.ts"],
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
