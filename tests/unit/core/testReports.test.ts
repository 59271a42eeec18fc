import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { StageFailedError } from "../../../src/core/errors.js";
import {
  displayPercent,
  isBelowThreshold,
  parseCobertura,
  parseJunit,
  pythonRound,
  testVerdict,
} from "../../../src/core/testReports.js";

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

describe("parseJunit on shapes pytest and other tools write", () => {
  it("sums every <testsuite> under <testsuites>, not only the first", () => {
    const xml = `<?xml version="1.0"?><testsuites>
      <testsuite name="a" tests="2" failures="1" errors="0" skipped="0">
        <testcase classname="a.T" name="one"/><testcase classname="a.T" name="two"><failure message="x"/></testcase>
      </testsuite>
      <testsuite name="b" tests="3" failures="0" errors="1" skipped="1">
        <testcase classname="b.T" name="three"><error>boom</error></testcase>
        <testcase classname="b.T" name="four"><skipped/></testcase><testcase classname="b.T" name="five"/>
      </testsuite></testsuites>`;
    expect(parseJunit(xml)).toEqual({
      tests: 5,
      failures: 1,
      errors: 1,
      skipped: 1,
      failed: ["a.T::two", "b.T::three"],
    });
  });

  it("reads a bare <testsuite> root with a single testcase", () => {
    const xml = `<testsuite tests="1" failures="1"><testcase classname="c" name="only"><failure/></testcase></testsuite>`;
    expect(parseJunit(xml)).toMatchObject({ tests: 1, failures: 1, failed: ["c::only"] });
  });

  it("decodes named and numeric entities in names", () => {
    const xml = `<testsuite tests="1" failures="1"><testcase classname="t.x" name="test_&quot;q&quot;_&#x27;s&#39;_&amp;_&#60;"><failure/></testcase></testsuite>`;
    expect(parseJunit(xml).failed).toEqual([`t.x::test_"q"_'s'_&_<`]);
  });

  it("is not fooled by markup inside CDATA (a failure message that looks like a testcase)", () => {
    const xml = `<testsuite tests="1" failures="1"><testcase classname="t" name="cdata"><failure><![CDATA[<testcase name="fake"><failure/></testcase> & <testsuite tests="99">]]></failure></testcase><system-out><![CDATA[<testsuite tests="50">]]></system-out></testsuite>`;
    expect(parseJunit(xml)).toEqual({ tests: 1, failures: 1, errors: 0, skipped: 0, failed: ["t::cdata"] });
  });

  it("refuses a report that is not XML, naming it", () => {
    expect(() => parseJunit("<testsuite tests='1'><testcase")).toThrow(/the JUnit report is not well-formed XML/);
  });
});

describe("parseCobertura", () => {
  it("totals statements and branch arcs, as coverage.py and --cov-fail-under do (not line-rate)", () => {
    // coverage.py 7.17 on the bundled service: line-rate 0.8328, pytest-cov's total 81.72%.
    const xml = `<?xml version="1.0" ?><coverage version="7.17.5" lines-valid="688" lines-covered="573" line-rate="0.8328" branches-valid="78" branches-covered="53" branch-rate="0.6795"><!-- c --><sources/></coverage>`;
    const total = parseCobertura(xml);
    expect(total).toMatchObject({ covered: 626, valid: 766 });
    expect(displayPercent(total!.percent)).toBe("81.72");
  });
  it.each([
    ['<coverage lines-valid="10" lines-covered="10" branches-valid="0" branches-covered="0"/>', 100],
    ['<coverage lines-valid="0" lines-covered="0"/>', 100],
    ['<coverage line-rate="0.5"/>', undefined],
  ])("%s -> %s", (xml, expected) => {
    expect(parseCobertura(xml)?.percent).toBe(expected);
  });
});

describe("the coverage gate is coverage.py's should_fail_under, to the digit", () => {
  // Expected values printed by coverage 7.17.5's should_fail_under / display_covered with precision 2.
  it.each([
    [69.995, 70, false, "70.00"],
    [69.994, 70, true, "69.99"],
    [81.125, 81.13, true, "81.12"],
    [81.125, 81.125, false, "81.12"],
    [99.999, 100, true, "99.99"],
    [100, 100, false, "100.00"],
    [81.72323759791122, 81.73, true, "81.72"],
    [0.001, 0, false, "0.01"],
  ])("%s against %s: below=%s, shown %s", (percent, threshold, below, shown) => {
    expect(isBelowThreshold(percent, threshold)).toBe(below);
    expect(displayPercent(percent)).toBe(shown);
  });

  it("rounds exact ties to even, as Python does (JavaScript's toFixed rounds them up)", () => {
    expect(pythonRound(81.125, 2)).toBe(81.12);
    expect(pythonRound(81.375, 2)).toBe(81.38);
    expect(pythonRound(2.675, 2)).toBe(2.67);
    expect(pythonRound(0.5, 0)).toBe(0);
    expect(pythonRound(1.5, 0)).toBe(2);
  });
});

describe("testVerdict", () => {
  const total = (percent: number) => ({ covered: percent, valid: 100, percent });
  const ok = (suite: "unit" | "integration" | "security") => ({
    suite,
    exitCode: 0,
    output: "",
    junitXml: passedIntegration,
  });

  it("passes with counts and coverage", () => {
    expect(testVerdict([ok("unit"), ok("integration"), ok("security")], { total: total(82.5), threshold: 70 })).toBe(
      "unit 3 passed, integration 3 passed, security 3 passed; unit coverage 82.50% of statements and branches (threshold 70%)",
    );
  });

  it("names failing suites and tests, and still reports the others", () => {
    const runs = [
      { suite: "unit" as const, exitCode: 1, output: "", junitXml: failedUnit },
      ok("integration"),
      ok("security"),
    ];
    expect(() => testVerdict(runs, { total: total(80), threshold: 70 })).toThrow(
      "tests failed: unit suite: 2 of 5 failed: tests.unit.test_tokens::test_expired_token_rejected, tests.unit.test_passwords::test_hash_<roundtrip>",
    );
  });

  it("reports a coverage shortfall with the numbers, even when every test passed", () => {
    const runs = [{ ...ok("unit"), exitCode: 1 }, ok("integration"), ok("security")];
    expect(() => testVerdict(runs, { total: total(65.2), threshold: 70 })).toThrow(
      "tests failed: unit coverage 65.20% is below the threshold 70%: add unit tests or lower --coverage-threshold",
    );
  });

  it("falls back to the output tail when pytest wrote no report (e.g. a collection error)", () => {
    const runs = [
      ok("unit"),
      { suite: "integration" as const, exitCode: 4, output: "ERROR: file or directory not found: tests/integration" },
      ok("security"),
    ];
    try {
      testVerdict(runs, { total: total(90), threshold: 70 });
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
