import { describe, expect, it } from "vitest";

import { StageFailedError } from "../../../src/core/errors.js";
import { lintCommands, lintVerdict } from "../../../src/core/lint.js";

describe("lintCommands", () => {
  it("builds the spec's five commands", () => {
    expect(lintCommands({ packageName: "enterprise", hasTests: true, flake8MaxLineLength: 100 })).toEqual({
      black: ["black", "--check", "enterprise/", "tests/"],
      isort: ["isort", "--check-only", "enterprise/", "tests/"],
      flake8: ["flake8", "enterprise/", "tests/", "--max-line-length=100"],
      mypy: ["mypy", "enterprise/", "--ignore-missing-imports"],
      bandit: ["bandit", "-r", "enterprise/", "-ll"],
    });
  });

  it("leaves tests/ out when the service has none, and uses the configured line length", () => {
    const commands = lintCommands({ packageName: "auth", hasTests: false, flake8MaxLineLength: 120 });
    expect(commands.black).toEqual(["black", "--check", "auth/"]);
    expect(commands.flake8).toEqual(["flake8", "auth/", "--max-line-length=120"]);
  });
});

describe("lintVerdict", () => {
  const clean = ["black", "isort", "flake8", "mypy", "bandit"].map((tool) => ({ tool, exitCode: 0, output: "" }));

  it("passes when every tool exits 0", () => {
    expect(lintVerdict(clean)).toBe("black, isort, flake8, mypy, bandit: all clean");
  });

  it("lists every failing tool with the tail of its output", () => {
    const runs = clean.map((r) =>
      r.tool === "flake8"
        ? { ...r, exitCode: 1, output: "enterprise/api.py:3:1: F401 'os' imported but unused\n" }
        : r.tool === "mypy"
          ? { ...r, exitCode: 1, output: Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n") }
          : r,
    );
    try {
      lintVerdict(runs);
      expect.unreachable("lintVerdict should throw");
    } catch (error) {
      expect(error).toBeInstanceOf(StageFailedError);
      const message = (error as Error).message;
      expect(message.split("\n")[0]).toBe(
        "lint failed: flake8 (exit 1), mypy (exit 1); run the same commands locally (see README) and fix or auto-format",
      );
      expect(message).toContain("F401 'os' imported but unused");
      expect(message).toContain("... (20 earlier lines)");
      expect(message).toContain("line 39");
      expect(message).not.toContain("line 19\n");
      expect((error as StageFailedError).failures).toEqual(["flake8", "mypy"]);
    }
  });
});
