import { existsSync, readFileSync, writeFileSync } from "node:fs";

import { beforeAll, describe, expect, it } from "vitest";

import { describeModule, type ModuleSurface } from "../support/introspect.js";

/**
 * The module's CLI surface, read offline by the SDK's own introspector, against a reviewed golden
 * file. Regenerate after an intended change with `UPDATE_GOLDEN=1 npx vitest run tests/unit/module-surface.test.ts`
 * and review the diff: it is the `dagger functions` / `--help` output users will see.
 */
const GOLDEN = new URL("../fixtures/module-surface.json", import.meta.url);

/** Functions with effects outside the engine: Dagger must never serve them from its function cache. */
const SIDE_EFFECTING = ["publish", "migrate", "deploy", "rollback", "smoke", "release", "notify"];

let surface: ModuleSurface;

beforeAll(async () => {
  surface = await describeModule();
}, 60_000);

describe("module surface (dagger functions, offline)", () => {
  it("matches the reviewed golden file exactly: names, arguments, types, defaults, descriptions", () => {
    if (process.env.UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, JSON.stringify(surface, null, 2) + "\n");
    }
    expect(surface).toEqual(JSON.parse(readFileSync(GOLDEN, "utf8")));
  });

  it("has the CI functions of the spec", () => {
    const names = surface.functions.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["lint", "test", "scan", "build", "scan-image", "ci"]));
  });

  it("documents every function (with an example) and every argument", () => {
    for (const fn of surface.functions) {
      expect(fn.description, fn.name).toMatch(/\S/);
      expect(fn.description, fn.name).toContain("Example usage: dagger call");
      for (const arg of fn.args) expect(arg.description, `${fn.name} --${arg.name}`).toMatch(/\S/);
    }
    for (const arg of surface.constructorArgs) expect(arg.description, `--${arg.name}`).toMatch(/\S/);
  });

  it("runs `dagger call ci` with no arguments on the bundled service", () => {
    const source = surface.constructorArgs.find((a) => a.name === "source");
    expect(source).toMatchObject({ type: "Directory", optional: true, defaultPath: "/examples/auth-service" });
    expect(surface.constructorArgs.filter((a) => !a.optional)).toEqual([]);
    expect(surface.functions.find((f) => f.name === "ci")?.args.filter((a) => !a.optional)).toEqual([]);
  });

  it("states every function's cache policy, and the stated policy is the one it has", () => {
    for (const fn of surface.functions) {
      const stated = /Cache: (never|the default)\b/.exec(fn.description)?.[1];
      expect(stated, `${fn.name} says "Cache: never" or "Cache: the default"`).toBeDefined();
      expect(fn.cache, fn.name).toBe(stated === "never" ? "never" : undefined);
    }
  });

  it("never caches side-effecting functions", () => {
    for (const fn of surface.functions.filter((f) => SIDE_EFFECTING.includes(f.name))) {
      expect(fn.cache, fn.name).toBe("never");
    }
  });
});
