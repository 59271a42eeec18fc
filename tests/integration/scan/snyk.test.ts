/**
 * Snyk's dependency test (src/core/snyk.ts) against a local stand-in of Snyk's v1 test API
 * (tests/support/standins/snyk.ts): the request it sends, and each verdict it gives.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ScannerFailedError, VulnerabilitiesFoundError } from "../../../src/core/errors.js";
import { snykTest, snykVerdict } from "../../../src/core/snyk.js";
import { parseSnykPolicy } from "../../../src/core/snykPolicy.js";
import type { RecordingServer } from "../../support/standins/recording-server.js";
import { startSnykStandin } from "../../support/standins/snyk.js";

const TOKEN = "snyk-standin-token-0f3a";
const BUNDLED = readFileSync(resolve(import.meta.dirname, "../../../examples/auth-service/requirements.txt"), "utf8");
let snyk: RecordingServer;
const api = () => `${snyk.url}/v1`;

beforeAll(async () => {
  snyk = await startSnykStandin({ token: TOKEN });
});
afterAll(async () => {
  await snyk?.close();
});

describe("snyk test", () => {
  it("sends requirements.txt with the token in the Authorization header, under the organisation", async () => {
    await snykTest({ token: TOKEN, requirements: BUNDLED, org: "org-123", apiUrl: api() });
    const sent = snyk.requests.at(-1)!;
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/test/pip");
    expect(sent.query.get("org")).toBe("org-123");
    expect(sent.headers.authorization).toBe(`token ${TOKEN}`);
    expect(JSON.parse(sent.body.toString("utf8"))).toEqual({
      encoding: "plain",
      files: { target: { contents: BUNDLED } },
    });
  });

  it("passes the bundled service", async () => {
    const result = await snykTest({ token: TOKEN, requirements: BUNDLED, apiUrl: api() });
    expect(snykVerdict(result)).toBe("snyk: no high or critical issues in 10 dependencies");
  });

  it("passes medium issues, counting them", async () => {
    const result = await snykTest({ token: TOKEN, requirements: `${BUNDLED}requests==2.30.0\n`, apiUrl: api() });
    expect(snykVerdict(result)).toBe("snyk: no high or critical issues in 11 dependencies (1 of lower severity)");
  });

  it("fails on a high issue naming its id, CVE, package, installed and fixed versions", async () => {
    const result = await snykTest({ token: TOKEN, requirements: `${BUNDLED}urllib3==1.26.16\n`, apiUrl: api() });
    expect(() => snykVerdict(result)).toThrow(VulnerabilitiesFoundError);
    expect(() => snykVerdict(result)).toThrow(
      "snyk: found 1 high or critical issue in 11 dependencies (HIGH SNYK-PYTHON-URLLIB3-STANDIN1 (CVE-2023-43804) in urllib3 1.26.16, fixed in 1.26.17, 2.0.6); upgrade them or, if accepted, ignore them in .snyk (snyk ignore --id=...)",
    );
  });

  it("passes a high issue that the service's .snyk ignores, listing the suppression", async () => {
    const result = await snykTest({ token: TOKEN, requirements: `${BUNDLED}urllib3==1.26.16\n`, apiUrl: api() });
    const rules = parseSnykPolicy(
      "ignore:\n  SNYK-PYTHON-URLLIB3-STANDIN1:\n    - '*':\n        reason: no redirects to other hosts\n        expires: 2027-06-30T00:00:00.000Z\n",
    );
    expect(snykVerdict(result, { rules, now: new Date("2026-12-01T00:00:00Z") })).toBe(
      "snyk: no high or critical issues in 11 dependencies [suppressed by .snyk: SNYK-PYTHON-URLLIB3-STANDIN1 in urllib3 1.26.16 until 2027-06-30: no redirects to other hosts]",
    );
  });

  it("fails on a high issue whose ignore has expired, saying that it expired", async () => {
    const result = await snykTest({ token: TOKEN, requirements: `${BUNDLED}urllib3==1.26.16\n`, apiUrl: api() });
    const rules = parseSnykPolicy(
      "ignore:\n  SNYK-PYTHON-URLLIB3-STANDIN1:\n    - '*':\n        expires: 2026-11-01T00:00:00.000Z\n",
    );
    expect(() => snykVerdict(result, { rules, now: new Date("2026-12-01T00:00:00Z") })).toThrow(
      /^snyk: found 1 high or critical issue in 11 dependencies \(HIGH SNYK-PYTHON-URLLIB3-STANDIN1 .*\[expired in \.snyk: SNYK-PYTHON-URLLIB3-STANDIN1 \(2026-11-01\)\]$/,
    );
  });

  it("a refused token is a scanner failure that never shows the token", async () => {
    const run = snykTest({ token: "wrong-token-77", requirements: BUNDLED, apiUrl: api() });
    await expect(run).rejects.toThrow(ScannerFailedError);
    await expect(run).rejects.toThrow(/Snyk refused the token \(HTTP 401\); check SNYK_TOKEN/);
    await expect(run).rejects.not.toThrow(/wrong-token-77/);
  });

  it("an unreachable API or an answer that is not a test result is a scanner failure, never a pass", async () => {
    await expect(snykTest({ token: TOKEN, requirements: BUNDLED, apiUrl: "http://127.0.0.1:9/v1" })).rejects.toThrow(
      /^snyk: the scanner failed, so there is no verdict: http:\/\/127\.0\.0\.1:9\/v1\/test\/pip unreachable/,
    );
    await expect(snykTest({ token: TOKEN, requirements: BUNDLED, apiUrl: `${snyk.url}/elsewhere` })).rejects.toThrow(
      /answered HTTP 404/,
    );
  });
});
