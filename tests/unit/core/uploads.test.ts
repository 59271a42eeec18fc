import { describe, expect, it } from "vitest";
import { SettingsError } from "../../../src/core/errors.js";
import { aggregate, skippedStage, summaryTable, type StageResult } from "../../../src/core/report.js";
import { assertUploadTargets, uploadVerdict } from "../../../src/core/uploads.js";

const failed: StageResult = {
  name: "codecov",
  status: "failed",
  durationMs: 900,
  summary: "codecov-cli exited 1: 503",
};
const passed: StageResult = { name: "test", status: "passed", durationMs: 1000, summary: "42 passed" };

describe("uploadVerdict", () => {
  it("turns a failed upload into a warning that leaves the run green", () => {
    const warned = uploadVerdict(failed, false);
    expect(warned.status).toBe("warning");
    expect(warned.summary).toMatch(
      /^upload failed, reported as a warning \(--strict-uploads makes it a failure\): codecov-cli exited 1: 503$/,
    );
    const report = aggregate([passed, warned], 2000);
    expect(report.ok).toBe(true);
    const table = summaryTable(report);
    expect(table).toContain("| codecov | ⚠️ warning |");
    expect(table.split("\n").at(-1)).toBe("All 1 stages that ran passed in 2.0 s. Warnings, not failures: codecov.");
  });

  it("keeps the failure with --strict-uploads, and leaves passed and skipped uploads alone", () => {
    expect(uploadVerdict(failed, true)).toEqual(failed);
    expect(aggregate([passed, uploadVerdict(failed, true)], 1).failed).toEqual(["codecov"]);
    const skipped = skippedStage("code-scanning", "no GitHub token given");
    expect(uploadVerdict(skipped, false)).toEqual(skipped);
  });
});

describe("assertUploadTargets", () => {
  const full = {
    githubRepository: "faultmaven/fm-auth-service",
    gitSha: "89abcdef0123456789abcdef0123456789abcdef",
    gitRef: "refs/heads/main",
  };
  it("needs nothing when no upload was asked for (fork pull requests: empty tokens)", () => {
    expect(() => assertUploadTargets({ codecov: false, codeScanning: false })).not.toThrow();
  });
  it.each([
    [{ codecov: true, codeScanning: false }, /uploading to Codecov needs --github-repository, --git-sha, --git-ref/],
    [{ codecov: true, codeScanning: false, ...full, gitSha: "89abcde" }, /--git-sha must be the full 40-hex commit/],
    [
      { codecov: true, codeScanning: false, ...full, codecovUrl: "http://codecov.internal" },
      /--codecov-url .* must be https/,
    ],
    [
      { codecov: false, codeScanning: true, ...full, githubApiUrl: "ghe.example.com" },
      /--github-api-url "ghe\.example\.com" is not a URL/,
    ],
  ] as const)("%j is refused in one line", (request, pattern) => {
    expect(() => assertUploadTargets(request)).toThrow(SettingsError);
    expect(() => assertUploadTargets(request)).toThrow(pattern);
  });
  it("accepts GitHub Enterprise Server and self-hosted Codecov over https", () => {
    expect(() =>
      assertUploadTargets({
        codecov: true,
        codeScanning: true,
        ...full,
        githubApiUrl: "https://ghe.example.com/api/v3",
        codecovUrl: "https://codecov.example.com",
      }),
    ).not.toThrow();
  });
});
