import { describe, expect, it } from "vitest";

import { SettingsError } from "../../../src/core/errors.js";
import { DEFAULT_IMAGES } from "../../../src/core/images.js";
import { resolveSettings, settingsFromPyproject } from "../../../src/core/settings.js";

describe("resolveSettings", () => {
  it("uses the spec's defaults when nothing is set", () => {
    expect(resolveSettings({})).toEqual({
      pythonVersion: "3.11",
      packageName: "enterprise",
      coverageThreshold: 70,
      imageSizeLimitMb: 500,
      flake8MaxLineLength: 100,
      trivySeverities: ["CRITICAL", "HIGH"],
      trivyIgnoreUnfixed: false,
      images: { ...DEFAULT_IMAGES },
    });
  });

  it("prefers arguments over the pyproject table over defaults", () => {
    const settings = resolveSettings(
      { coverageThreshold: 85 },
      { coverageThreshold: 60, packageName: "auth", imageSizeLimitMb: 300 },
    );
    expect(settings.coverageThreshold).toBe(85);
    expect(settings.packageName).toBe("auth");
    expect(settings.imageSizeLimitMb).toBe(300);
  });

  it("normalises severities and accepts lists", () => {
    expect(resolveSettings({ trivySeverities: "critical, HIGH,high" }).trivySeverities).toEqual(["CRITICAL", "HIGH"]);
    expect(resolveSettings({}, { trivySeverities: ["MEDIUM"] }).trivySeverities).toEqual(["MEDIUM"]);
  });

  it("takes --trivy-ignore-unfixed from an argument or the pyproject table", () => {
    expect(resolveSettings({ trivyIgnoreUnfixed: true }).trivyIgnoreUnfixed).toBe(true);
    expect(
      resolveSettings({}, settingsFromPyproject("[tool.faultmaven-pipeline]\ntrivy-ignore-unfixed = true\n"))
        .trivyIgnoreUnfixed,
    ).toBe(true);
    expect(resolveSettings({ trivyIgnoreUnfixed: false }, { trivyIgnoreUnfixed: true }).trivyIgnoreUnfixed).toBe(false);
  });

  it("picks the unpinned official image for another Python version, and keeps an explicit override", () => {
    expect(resolveSettings({ pythonVersion: "3.12" }).images.python).toBe("python:3.12-slim");
    const mirror = `mirror.local:5000/python:3.11-slim@sha256:${"a".repeat(64)}`;
    expect(resolveSettings({ pythonImage: mirror }).images.python).toBe(mirror);
  });

  it.each([
    [
      { coverageThreshold: 150 },
      "invalid setting coverage-threshold=150 (from argument --coverage-threshold): expected a number from 0 to 100, e.g. 70",
    ],
    [{ coverageThreshold: -1 }, "coverage-threshold=-1"],
    [{ coverageThreshold: "seventy" }, 'coverage-threshold="seventy"'],
    [{ imageSizeLimitMb: 0 }, "image-size-limit-mb=0"],
    [{ flake8MaxLineLength: 99.5 }, "flake8-max-line-length=99.5"],
    [{ pythonVersion: "2.7" }, 'python-version="2.7"'],
    [{ packageName: "enterprise; rm -rf /" }, "package-name="],
    [{ trivySeverities: "HIGH,SEVERE" }, 'trivy-severities="HIGH,SEVERE"'],
    [{ trivySeverities: "" }, 'trivy-severities=""'],
    [{ pythonImage: "python:3.11 && curl evil" }, "python-image="],
    [{ trivyImage: "Aquasec/Trivy" }, "trivy-image="],
    [{ trivyIgnoreUnfixed: "yes" }, 'trivy-ignore-unfixed="yes"'],
  ])("rejects %j with a one-line error naming the setting", (args, expected) => {
    const run = () => resolveSettings(args);
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(expected);
    try {
      run();
    } catch (error) {
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("names the pyproject key when the bad value comes from the service's file", () => {
    expect(() => resolveSettings({}, { coverageThreshold: 101 })).toThrow(
      "invalid setting coverage-threshold=101 (from key coverage-threshold in [tool.faultmaven-pipeline])",
    );
  });
});

describe("settingsFromPyproject", () => {
  it("reads the tool table with kebab-case keys", () => {
    const toml = `
[project]
name = "svc"

[tool.faultmaven-pipeline]
package = "enterprise"
coverage-threshold = 75
trivy-severities = ["CRITICAL"]
`;
    expect(settingsFromPyproject(toml)).toEqual({
      packageName: "enterprise",
      coverageThreshold: 75,
      trivySeverities: ["CRITICAL"],
    });
  });

  it("treats a missing file or table as no settings", () => {
    expect(settingsFromPyproject(undefined)).toEqual({});
    expect(settingsFromPyproject("[tool.black]\nline-length = 100\n")).toEqual({});
  });

  it.each([
    [
      "[tool.faultmaven-pipeline]\ncoverage_threshold = 70\n",
      'unknown key "coverage_threshold" in [tool.faultmaven-pipeline] of pyproject.toml; known keys: python-version, package',
    ],
    ["[tool.faultmaven-pipeline\n", "pyproject.toml is not valid TOML"],
    ['[tool]\nfaultmaven-pipeline = "x"\n', "must be a table of settings"],
  ])("rejects a malformed file: %j", (toml, expected) => {
    expect(() => settingsFromPyproject(toml)).toThrow(SettingsError);
    expect(() => settingsFromPyproject(toml)).toThrow(expected);
  });
});

describe("trivyDbRepository", () => {
  it("is unset by default and accepts a mirror repository", () => {
    expect(resolveSettings({}).trivyDbRepository).toBeUndefined();
    expect(resolveSettings({ trivyDbRepository: "127.0.0.1:5000/aquasecurity/trivy-db:2" }).trivyDbRepository).toBe(
      "127.0.0.1:5000/aquasecurity/trivy-db:2",
    );
  });

  it.each(["mirror/trivy-db:2 --insecure", `mirror/trivy-db@sha256:${"a".repeat(64)}`, ""])("rejects %j", (value) => {
    expect(() => resolveSettings({ trivyDbRepository: value })).toThrow("invalid setting trivy-db-repository=");
  });
});
