/**
 * Every `dagger call` in the workflows names a function and arguments the module really has,
 * passes every required argument, and hands Secret arguments through a secret provider (env:,
 * cmd:, file:) rather than as plain text. Checked against the module's offline introspection,
 * which lists exactly what `dagger functions` would.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { describeModule, type ModuleSurface } from "../../support/introspect.js";
import { allDaggerCalls, surfaceProblems, type DaggerCall } from "./workflow-files.js";

let surface: ModuleSurface;
beforeAll(async () => {
  surface = await describeModule();
}, 300_000);

const calls = allDaggerCalls();

describe("dagger calls in .github/workflows", () => {
  it("finds the five calls: ci, deploy staging, deploy production, rollback, release", () => {
    expect(calls.map((c) => `${c.file}:${c.job}:${c.fn}`)).toEqual([
      "ci.yml:ci:ci",
      "ci.yml:deploy-staging:deploy",
      "cd.yml:deploy-production:deploy",
      "cd.yml:rollback-production:rollback",
      "release.yml:release:release",
    ]);
  });

  it.each(calls.map((c) => [`${c.file} ${c.job}: ${c.fn}`, c] as [string, DaggerCall]))(
    "%s matches the module surface",
    (_name, call) => {
      expect(surfaceProblems(call, surface)).toEqual([]);
    },
  );

  it("no function pushes anywhere but ECR: no --registry (an unauthenticated push elsewhere), and no workflow passes it", () => {
    const withRegistry = surface.functions.filter((f) => f.args.some((a) => a.name === "registry")).map((f) => f.name);
    expect(withRegistry).toEqual([]);
    // The CD functions are there, so the check above looked at their arguments.
    for (const name of ["publish", "deploy"])
      expect(surface.functions.find((f) => f.name === name)?.args.map((a) => a.name)).toContain("aws-endpoint-url");
    for (const call of calls) expect(call.flags.has("registry"), `${call.file} ${call.job}`).toBe(false);
  });

  it("side-effecting functions are never served from the function cache", () => {
    for (const name of ["deploy", "rollback", "release"]) {
      const fn = surface.functions.find((f) => f.name === name);
      expect(fn, `function ${name}`).toBeDefined();
      expect(fn?.cache).toBe("never");
    }
  });
});
