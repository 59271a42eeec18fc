import { describe, expect, it } from "vitest";

import { StageFailedError } from "../../../src/core/errors.js";
import {
  aggregate,
  assertRunPassed,
  errorText,
  runStage,
  skippedStage,
  summaryTable,
} from "../../../src/core/report.js";

/** A clock that advances by the given steps, one per call. */
function clock(...times: number[]): () => number {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)] ?? 0;
}

describe("runStage", () => {
  it("times a passing stage and keeps its summary", async () => {
    expect(await runStage("lint", async () => "all clean", clock(1000, 3500))).toEqual({
      name: "lint",
      status: "passed",
      durationMs: 2500,
      summary: "all clean",
    });
  });

  it("turns a thrown error into a failed result with the error's message", async () => {
    const result = await runStage(
      "test",
      async () => {
        throw new StageFailedError("tests failed: unit suite: 1 of 5 failed");
      },
      clock(0, 40),
    );
    expect(result).toMatchObject({
      status: "failed",
      durationMs: 40,
      summary: "tests failed: unit suite: 1 of 5 failed",
    });
  });
});

describe("aggregate, summaryTable and assertRunPassed", () => {
  const passed = { name: "lint", status: "passed" as const, durationMs: 1200, summary: "all clean" };
  const failedTest = {
    name: "test",
    status: "failed" as const,
    durationMs: 9000,
    summary: "tests failed: unit | integration\nmore",
  };
  const failedScan = {
    name: "scan",
    status: "failed" as const,
    durationMs: 300,
    summary: "source scan: the scanner failed",
  };

  it("passes only when no stage failed; skipped stages are not failures of their own", () => {
    expect(aggregate([passed, skippedStage("scan-image", "not run")], 10).ok).toBe(true);
    const report = aggregate([passed, failedTest, failedScan], 10_500);
    expect(report.ok).toBe(false);
    expect(report.failed).toEqual(["test", "scan"]);
  });

  it("renders every stage with status, duration and the first line of its summary", () => {
    const table = summaryTable(
      aggregate([passed, failedTest, failedScan, skippedStage("scan-image", "not run: build failed")], 10_500),
    );
    expect(table.split("\n")).toEqual([
      "| stage | status | duration | summary |",
      "|---|---|---|---|",
      "| lint | ✅ passed | 1.2 s | all clean |",
      "| test | ❌ failed | 9.0 s | tests failed: unit \\| integration |",
      "| scan | ❌ failed | 0.3 s | source scan: the scanner failed |",
      "| scan-image | ⏭️ skipped | 0.0 s | not run: build failed |",
      "",
      "2 of 3 stages failed: test, scan (1 skipped).",
    ]);
  });

  it("throws one error naming every failed stage with each stage's full message", () => {
    const report = aggregate([passed, failedTest, failedScan], 1);
    expect(() => assertRunPassed(report)).toThrow(StageFailedError);
    try {
      assertRunPassed(report);
    } catch (error) {
      const message = (error as Error).message;
      expect(message.split("\n")[0]).toBe("ci failed in test, scan");
      expect(message).toContain("[test] tests failed: unit | integration\nmore");
      expect(message).toContain("[scan] source scan: the scanner failed");
      expect((error as StageFailedError).failures).toEqual(["test", "scan"]);
    }
    expect(() => assertRunPassed(aggregate([passed], 1))).not.toThrow();
  });
});

describe("summaryTable verdict", () => {
  it("counts only the stages that ran as passed, and says how many were skipped", () => {
    const passed = { name: "lint", status: "passed" as const, durationMs: 1000, summary: "ok" };
    const table = summaryTable(aggregate([passed, skippedStage("codecov", "no Codecov token given")], 2000));
    expect(table.split("\n").pop()).toBe("All 1 stages that ran passed in 2.0 s (1 skipped).");
  });
});

describe("errorText", () => {
  it("shows a failed command with its exit code and output tail", () => {
    const exec = Object.assign(new Error("exit code: 2"), {
      cmd: ["pip", "install", "-r", "requirements-dev.txt"],
      exitCode: 2,
      stdout: "",
      stderr: "ERROR: No matching distribution found for fastapi==99.0",
    });
    expect(errorText(exec)).toBe(
      "`pip install -r requirements-dev.txt` exited 2\n    ERROR: No matching distribution found for fastapi==99.0",
    );
  });

  it("adds the first line of the cause to a vague message", () => {
    const error = new Error("API Error", { cause: new Error("engine unreachable: dial-stdio exited 1\nmore") });
    expect(errorText(error)).toBe("API Error: engine unreachable: dial-stdio exited 1");
    expect(errorText(new Error("plain"))).toBe("plain");
    expect(errorText("text")).toBe("text");
  });
});
