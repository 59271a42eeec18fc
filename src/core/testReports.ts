import { XMLParser } from "fast-xml-parser";

import { StageFailedError } from "./errors.js";
import { indent, tail } from "./output.js";

export type SuiteName = "unit" | "integration" | "security";

/** One pytest run: which suite, its exit code, output, and the JUnit XML it wrote (if any). */
export interface SuiteRun {
  suite: SuiteName;
  exitCode: number;
  output: string;
  junitXml?: string;
}

/** Counts and failing test ids read from a JUnit XML report. */
export interface JunitSummary {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  failed: string[];
}

/**
 * Digits after the point of the coverage gate. The test stage passes it to pytest-cov as
 * `--cov-precision`, and {@link isBelowThreshold} rounds with it: one number, one rule.
 */
export const COVERAGE_PRECISION = 2;

/**
 * Coverage as coverage.py totals it (and as `--cov-fail-under` judges it): executed statements plus
 * executed branch arcs, over statements plus arcs. With `branch = true` this is NOT Cobertura's
 * line-rate, which counts statements only.
 */
export interface CoverageTotal {
  covered: number;
  valid: number;
  /** Unrounded percentage, 100 * covered / valid (100 when nothing is measurable). */
  percent: number;
}

/** Elements that may repeat: always arrays, so one <testsuite> and many read the same way. */
const REPEATED = new Set(["testsuite", "testcase"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  // Entities in attributes and text (&lt;, &#x27;, ...) decoded; CDATA read as text.
  processEntities: true,
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATED.has(name),
});

type XmlNode = Record<string, unknown>;

function parseXml(xml: string, what: string): XmlNode {
  try {
    return parser.parse(xml, true) as XmlNode;
  } catch (error) {
    throw new StageFailedError(`${what} is not well-formed XML: ${(error as Error).message}`);
  }
}

function children(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== "object") return [];
  const value = (node as XmlNode)[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => (v && typeof v === "object" ? (v as XmlNode) : {}));
}

function numberAttr(node: XmlNode, name: string): number {
  const value = Number(node[name] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

/**
 * Reads a JUnit XML report (pytest's, or any tool's): totals summed over every <testsuite>, at the
 * root or under <testsuites>, and the ids (classname::name) of testcases holding <failure> or <error>.
 */
export function parseJunit(xml: string): JunitSummary {
  const doc = parseXml(xml, "the JUnit report");
  const suites = [
    ...children(doc, "testsuite"),
    ...children(doc, "testsuites").flatMap((s) => children(s, "testsuite")),
  ];
  const summary: JunitSummary = { tests: 0, failures: 0, errors: 0, skipped: 0, failed: [] };
  for (const suite of suites) {
    summary.tests += numberAttr(suite, "tests");
    summary.failures += numberAttr(suite, "failures");
    summary.errors += numberAttr(suite, "errors");
    summary.skipped += numberAttr(suite, "skipped");
    for (const testcase of children(suite, "testcase")) {
      if (testcase.failure !== undefined || testcase.error !== undefined) {
        summary.failed.push(`${String(testcase.classname ?? "?")}::${String(testcase.name ?? "?")}`);
      }
    }
  }
  return summary;
}

/** The coverage total from a Cobertura coverage.xml as coverage.py writes it (root counts). */
export function parseCobertura(xml: string): CoverageTotal | undefined {
  const root = children(parseXml(xml, "coverage.xml"), "coverage")[0];
  if (!root || root["lines-valid"] === undefined) return undefined;
  const covered = numberAttr(root, "lines-covered") + numberAttr(root, "branches-covered");
  const valid = numberAttr(root, "lines-valid") + numberAttr(root, "branches-valid");
  return { covered, valid, percent: valid === 0 ? 100 : (100 * covered) / valid };
}

/**
 * Python's round(x, digits) for a float: the exact decimal value of x, ties to even. JavaScript's
 * toFixed rounds ties up, so an exact tie (81.125 -> 81.12) is settled here.
 */
export function pythonRound(x: number, digits: number): number {
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf(".");
  const rest = exact.slice(point + 1 + digits);
  if (!/^50*$/.test(rest)) return Number(x.toFixed(digits));
  const kept = exact.slice(0, point + 1 + digits);
  const lastDigit = Number(kept[kept.length - 1] === "." ? kept[kept.length - 2] : kept[kept.length - 1]);
  const truncated = Number(kept);
  const rounded = lastDigit % 2 === 0 ? truncated : truncated + 10 ** -digits;
  return Math.sign(x) * Number(rounded.toFixed(digits));
}

/** coverage.py's `should_fail_under` (what `--cov-fail-under` runs), with its threshold-precision rule. */
export function isBelowThreshold(percent: number, threshold: number, precision = COVERAGE_PRECISION): boolean {
  if (threshold === 100 && percent !== 100) return true;
  const thresholdDigits = Number.isInteger(threshold) ? 0 : (String(threshold).split(".")[1]?.length ?? 0);
  return pythonRound(percent, Math.max(precision, thresholdDigits)) < threshold;
}

/** coverage.py's display_covered: never shows 0 or 100 unless it is exactly that. */
export function displayPercent(percent: number, precision = COVERAGE_PRECISION): string {
  const near = 1 / 10 ** precision;
  if (percent > 0 && percent < near) return near.toFixed(precision);
  if (percent > 100 - near && percent < 100) return (100 - near).toFixed(precision);
  return pythonRound(percent, precision).toFixed(precision);
}

/**
 * The test stage passes when every suite exited 0 and coverage meets the threshold. Otherwise one
 * error names every failing suite, its failing tests (or its output tail when no report was
 * written) and the coverage shortfall. Coverage is judged exactly as pytest-cov's
 * `--cov-fail-under` judges it, so the two can never disagree.
 */
export function testVerdict(runs: SuiteRun[], coverage: { total?: CoverageTotal; threshold: number }): string {
  const problems: string[] = [];
  const passedLines: string[] = [];
  const shortfall = coverage.total !== undefined && isBelowThreshold(coverage.total.percent, coverage.threshold);
  const shown = coverage.total ? `${displayPercent(coverage.total.percent)}%` : "?";
  for (const run of runs) {
    const summary = run.junitXml ? parseJunit(run.junitXml) : undefined;
    if (run.exitCode === 0) {
      passedLines.push(`${run.suite} ${summary ? summary.tests - summary.skipped : "?"} passed`);
      continue;
    }
    if (summary && summary.failed.length > 0) {
      const listed = summary.failed.slice(0, 10).join(", ");
      const more = summary.failed.length > 10 ? ` and ${summary.failed.length - 10} more` : "";
      problems.push(`${run.suite} suite: ${summary.failed.length} of ${summary.tests} failed: ${listed}${more}`);
    } else if (run.suite === "unit" && shortfall) {
      // pytest-cov fails the run on the threshold alone; reported below with the numbers.
    } else {
      problems.push(`${run.suite} suite: pytest exited ${run.exitCode}\n${indent(tail(run.output))}`);
    }
  }
  if (coverage.total === undefined) {
    problems.push("unit coverage: no coverage.xml was written (is pytest-cov in requirements-dev.txt?)");
  } else if (shortfall) {
    problems.push(
      `unit coverage ${shown} is below the threshold ${coverage.threshold}%: add unit tests or lower --coverage-threshold`,
    );
  }
  if (problems.length > 0) {
    throw new StageFailedError(`tests failed: ${problems.join("; ")}`, problems);
  }
  return `${passedLines.join(", ")}; unit coverage ${shown} of statements and branches (threshold ${coverage.threshold}%)`;
}
