/**
 * The checker behind dagger-calls.test.ts, on a hand-written surface (so it is known to catch
 * each kind of mismatch whatever the module's functions are today).
 */
import { describe, expect, it } from "vitest";
import type { Arg, ModuleSurface } from "../../support/introspect.js";
import { parseDaggerCall, surfaceProblems } from "./workflow-files.js";

const arg = (name: string, type: string, optional: boolean): Arg => ({ name, type, optional, description: "" });
const surface: ModuleSurface = {
  objectName: "FaultmavenAuthPipeline",
  constructorArgs: [arg("source", "Directory", true)],
  functions: [
    {
      name: "release",
      description: "",
      returnType: "String",
      cache: "never",
      args: [arg("version", "String", false), arg("github-token", "Secret", false), arg("dry-run", "Boolean", true)],
    },
  ],
};
const call = (text: string) => parseDaggerCall("release.yml", "release", { with: { call: text } });

describe("surfaceProblems", () => {
  it("accepts a call that matches", () => {
    expect(
      surfaceProblems(call("--source=. release --version=$GITHUB_REF_NAME --github-token=env:T"), surface),
    ).toEqual([]);
  });

  it.each([
    ["--source=. publish --version=v1", /function publish does not exist \(has: release\)/],
    ["--src=. release --version=v1 --github-token=env:T", /constructor: --src does not exist/],
    ["release --version=v1 --github-token=env:T --force=true", /release: --force does not exist/],
    ["release --github-token=env:T", /release: required --version is missing/],
    ["release --version=v1 --github-token=$GITHUB_TOKEN", /--github-token is a Secret but gets a plain value/],
  ])("%s", (text, problem) => {
    const problems = surfaceProblems(call(text), surface);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it.each([
    ['release --version="v1"', /quote/],
    ["release --version=${{ github.ref_name }}", /\$\{\{ \}\}/],
    ["release --version v1", /is not --name=value/],
  ])("parseDaggerCall refuses %s", (text, message) => {
    expect(() => call(text)).toThrow(message);
  });
});
