import { describe, expect, it } from "vitest";

import { SourceLayoutError } from "../../../src/core/errors.js";
import { assertSourceLayout, requiredPaths } from "../../../src/core/layout.js";

const FULL = new Set(["enterprise/__init__.py", "requirements-dev.txt", "tests", "Dockerfile"]);

describe("source layout", () => {
  it("lists what each set of stages needs", () => {
    expect(requiredPaths(["build"], "enterprise")).toEqual(["Dockerfile"]);
    expect(requiredPaths(["scan"], "enterprise")).toEqual([]);
    expect(requiredPaths(["lint", "test", "build"], "auth")).toEqual([
      "auth/__init__.py",
      "requirements-dev.txt",
      "tests",
      "Dockerfile",
    ]);
  });

  it("passes a complete service", () => {
    expect(() => assertSourceLayout(["lint", "test", "scan", "build"], "enterprise", FULL)).not.toThrow();
  });

  it.each([
    [["build"], "Dockerfile", "Dockerfile is missing (add a Dockerfile at the service root)"],
    [
      ["lint"],
      "enterprise/__init__.py",
      "enterprise/__init__.py is missing (point --source at the service root or set --package-name",
    ],
    [["test"], "tests", "tests is missing (add a tests/ directory"],
    [["test"], "requirements-dev.txt", "requirements-dev.txt is missing"],
  ] as const)("for %j fails when %s is missing", (stages, missing, expected) => {
    const present = new Set([...FULL].filter((p) => p !== missing));
    const run = () => assertSourceLayout([...stages], "enterprise", present);
    expect(run).toThrow(SourceLayoutError);
    expect(run).toThrow(expected);
  });

  it("ignores what the chosen stages do not need", () => {
    expect(() => assertSourceLayout(["scan"], "enterprise", new Set())).not.toThrow();
    expect(() =>
      assertSourceLayout(["lint"], "enterprise", new Set(["enterprise/__init__.py", "requirements-dev.txt"])),
    ).not.toThrow();
  });

  it("names every missing path in one line", () => {
    const run = () => assertSourceLayout(["lint", "test", "build"], "enterprise", new Set());
    expect(run).toThrow(
      /enterprise\/__init__.py is missing .*; requirements-dev.txt is missing .*; tests is missing .*; Dockerfile is missing/,
    );
  });
});
