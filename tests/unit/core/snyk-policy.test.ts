import { describe, expect, it } from "vitest";

import { SettingsError } from "../../../src/core/errors.js";
import type { SnykVulnerability } from "../../../src/core/snyk.js";
import { applySnykPolicy, parseSnykPolicy } from "../../../src/core/snykPolicy.js";

const NOW = new Date("2026-12-01T00:00:00Z");

/** A finding as Snyk's test API lists it: the project first in `from`. */
function finding(id: string, from: string[]): SnykVulnerability {
  const [pkg, version] = from.at(-1)!.split("@") as [string, string];
  return { id, severity: "high", package: pkg, version, from: ["requirements.txt@0.0.0", ...from] };
}

const URLLIB3 = finding("SNYK-PYTHON-URLLIB3-1", ["requests@2.31.0", "urllib3@1.26.16"]);
const JINJA2 = finding("SNYK-PYTHON-JINJA2-2", ["jinja2@3.1.2"]);

describe("parseSnykPolicy", () => {
  it("reads the ignores `snyk ignore` writes: id, path, reason and expiry", () => {
    const rules = parseSnykPolicy(
      [
        "# Snyk (https://snyk.io) policy file",
        "version: v1.25.0",
        "ignore:",
        "  SNYK-PYTHON-URLLIB3-1:",
        "    - '*':",
        "        reason: not reachable from our code",
        "        expires: 2027-01-01T00:00:00.000Z",
        "        created: 2026-11-01T10:00:00.000Z",
        "  SNYK-PYTHON-JINJA2-2:",
        "    - 'jinja2@3.1.2':",
        "patch: {}",
      ].join("\n"),
    );
    expect(rules).toEqual([
      {
        id: "SNYK-PYTHON-URLLIB3-1",
        path: "*",
        reason: "not reachable from our code",
        expires: new Date("2027-01-01T00:00:00Z"),
      },
      { id: "SNYK-PYTHON-JINJA2-2", path: "jinja2@3.1.2" },
    ]);
  });

  it("reads an empty file or one without ignores as no rules", () => {
    expect(parseSnykPolicy("")).toEqual([]);
    expect(parseSnykPolicy("version: v1.25.0\npatch: {}\n")).toEqual([]);
  });

  it.each([
    ["ignore: [unclosed", /^\.snyk is not valid YAML: /],
    ["- a list", /^\.snyk is not a Snyk policy \(a mapping\)$/],
    ["ignore: SNYK-1", /^\.snyk: `ignore` must map issue ids to lists of paths$/],
    ["ignore:\n  SNYK-1: '*'", /^\.snyk: the ignore of SNYK-1 must be a list of paths$/],
    [
      "ignore:\n  SNYK-1:\n    - '*':\n        expires: next tuesday",
      /^\.snyk: the ignore of SNYK-1 expires on "next tuesday", not a date$/,
    ],
  ])("refuses %j in one line", (text, message) => {
    expect(() => parseSnykPolicy(text)).toThrow(SettingsError);
    expect(() => parseSnykPolicy(text)).toThrow(message);
  });
});

describe("applySnykPolicy", () => {
  it("suppresses a finding whose id has a rule in force for every path", () => {
    const rules = parseSnykPolicy("ignore:\n  SNYK-PYTHON-URLLIB3-1:\n    - '*':\n        reason: accepted\n");
    const { counted, suppressed, expired } = applySnykPolicy([URLLIB3, JINJA2], rules, NOW);
    expect(counted).toEqual([JINJA2]);
    expect(suppressed).toEqual([{ vulnerability: URLLIB3, rule: rules[0] }]);
    expect(expired).toEqual([]);
  });

  it("counts a finding whose rule has expired, and names the rule", () => {
    const rules = parseSnykPolicy(
      "ignore:\n  SNYK-PYTHON-URLLIB3-1:\n    - '*':\n        expires: 2026-11-30T23:59:59Z\n",
    );
    const { counted, suppressed, expired } = applySnykPolicy([URLLIB3], rules, NOW);
    expect(counted).toEqual([URLLIB3]);
    expect(suppressed).toEqual([]);
    expect(expired).toEqual(rules);
  });

  it.each([
    ["requests > urllib3", true],
    ["requests@2.31.0 > urllib3@1.26.16", true],
    ["requests > *", true],
    ["requests@2.0.0 > urllib3", false],
    ["urllib3", false],
    ["flask > urllib3", false],
    ["requests", false],
  ])("matches the dependency path %j: %s", (path, matches) => {
    const rules = parseSnykPolicy(`ignore:\n  SNYK-PYTHON-URLLIB3-1:\n    - '${path}':\n`);
    expect(applySnykPolicy([URLLIB3], rules, NOW).suppressed.length).toBe(matches ? 1 : 0);
  });

  it("never suppresses another id", () => {
    const rules = parseSnykPolicy("ignore:\n  SNYK-PYTHON-URLLIB3-1:\n    - '*':\n");
    expect(applySnykPolicy([JINJA2], rules, NOW).counted).toEqual([JINJA2]);
  });
});
