import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { StageFailedError } from "../../../src/core/errors.js";
import { parseCoveragePercent, parseJunit, testVerdict } from "../../../src/core/testReports.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/junit/${name}`, import.meta.url), "utf8");
const failedUnit = fixture("unit-failed.xml");
const passedIntegration = fixture("integration-passed.xml");

describe("parseJunit", () => {
  it("reads pytest's totals and failing test ids, decoding XML entities", () => {
    expect(parseJunit(failedUnit)).toEqual({
      tests: 5,
      failures: 1,
      errors: 1,
      skipped: 1,
      failed: [
        "tests.unit.test_tokens::test_expired_token_rejected",
        "tests.unit.test_passwords::test_hash_<roundtrip>",
      ],
    });
    expect(parseJunit(passedIntegration).failed).toEqual([]);
  });
});

describe("parseCoveragePercent", () => {
  it.each([
    ['<?xml version="1.0" ?><coverage version="7.6" line-rate="0.8123" branch-rate="0">', 81.23],
    ['<coverage line-rate="1" lines-valid="10">', 100],
    ["<coverage>", undefined],
  ])("%s -> %s", (xml, expected) => {
    expect(parseCoveragePercent(xml)).toBe(expected);
  });
});

describe("testVerdict", () => {
  const ok = (suite: "unit" | "integration" | "security") => ({
    suite,
    exitCode: 0,
    output: "",
    junitXml: passedIntegration,
  });

  it("passes with counts and coverage", () => {
    expect(testVerdict([ok("unit"), ok("integration"), ok("security")], { percent: 82.5, threshold: 70 })).toBe(
      "unit 3 passed, integration 3 passed, security 3 passed; unit coverage 82.5% (threshold 70%)",
    );
  });

  it("names failing suites and tests, and still reports the others", () => {
    const runs = [
      { suite: "unit" as const, exitCode: 1, output: "", junitXml: failedUnit },
      ok("integration"),
      ok("security"),
    ];
    expect(() => testVerdict(runs, { percent: 80, threshold: 70 })).toThrow(
      "tests failed: unit suite: 2 of 5 failed: tests.unit.test_tokens::test_expired_token_rejected, tests.unit.test_passwords::test_hash_<roundtrip>",
    );
  });

  it("reports a coverage shortfall with the numbers, even when every test passed", () => {
    const runs = [{ ...ok("unit"), exitCode: 1 }, ok("integration"), ok("security")];
    expect(() => testVerdict(runs, { percent: 65.2, threshold: 70 })).toThrow(
      "tests failed: unit coverage 65.2% is below the threshold 70%: add unit tests or lower --coverage-threshold",
    );
  });

  it("falls back to the output tail when pytest wrote no report (e.g. a collection error)", () => {
    const runs = [
      ok("unit"),
      { suite: "integration" as const, exitCode: 4, output: "ERROR: file or directory not found: tests/integration" },
      ok("security"),
    ];
    try {
      testVerdict(runs, { percent: 90, threshold: 70 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StageFailedError);
      expect((error as Error).message).toContain(
        "integration suite: pytest exited 4\n    ERROR: file or directory not found",
      );
    }
  });

  it("fails when no coverage report exists", () => {
    expect(() => testVerdict([ok("unit"), ok("integration"), ok("security")], { threshold: 70 })).toThrow(
      "unit coverage: no coverage.xml was written",
    );
  });
});
