/** SARIF upload against a recording stand-in for GitHub's code-scanning API (unreachable here). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SettingsError } from "../../../src/core/errors.js";
import { SarifUploadError, uploadSarif, type SarifUploadOptions } from "../../../src/core/github/code-scanning.js";
import { startGitHubStandin, type GitHubStandin } from "../../support/standins/github.js";

const REPOSITORY = "faultmaven/fm-auth-service";
const TOKEN = "ghs_codeScanningStandinToken42";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const SARIF = JSON.stringify({
  version: "2.1.0",
  $schema: "https://json.schemastore.org/sarif-2.1.0.json",
  runs: [{ tool: { driver: { name: "Trivy", rules: [] } }, results: [] }],
});

let github: GitHubStandin;
beforeAll(async () => {
  github = await startGitHubStandin({ repository: REPOSITORY, token: TOKEN });
});
afterAll(() => github.close());
beforeEach(() => {
  github.requests.length = 0;
  github.sarifs.length = 0;
});

const options = (overrides: Partial<SarifUploadOptions> = {}): SarifUploadOptions => ({
  token: TOKEN,
  repository: REPOSITORY,
  baseUrl: github.url,
  sarif: SARIF,
  commitSha: SHA,
  ref: "refs/heads/main",
  ...overrides,
});

describe("uploadSarif", () => {
  it("POSTs gzip+base64 SARIF with commit_sha and ref, and returns GitHub's id and status URL", async () => {
    const result = await uploadSarif(options({ category: "trivy-fs" }));

    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /repos/${REPOSITORY}/code-scanning/sarifs`,
    ]);
    expect(github.requests[0]!.headers["authorization"]).toBe(`token ${TOKEN}`);
    expect(github.sarifs).toEqual([{ commit_sha: SHA, ref: "refs/heads/main", sarif: SARIF, category: "trivy-fs" }]);
    expect(result.id).toBe("sarif-1");
    expect(result.url).toMatch(/\/code-scanning\/sarifs\/sarif-1$/);
    expect(result.compressedBytes).toBeGreaterThan(0);
  });

  it("reports GitHub's refusal with the status and no token", async () => {
    const error = await uploadSarif(options({ token: "ghs_not_the_right_one" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SarifUploadError);
    expect((error as Error).message).toMatch(/HTTP 401 \(Bad credentials\)/);
    expect((error as Error).message).not.toContain("ghs_not_the_right_one");
  });

  it.each<[string, Partial<SarifUploadOptions>, RegExp]>([
    ["empty token", { token: "" }, /GITHUB_TOKEN is missing or empty/],
    ["short sha", { commitSha: "0123abc" }, /not a full 40-hex sha/],
    ["branch name instead of ref", { ref: "main" }, /is not a full git ref/],
    ["not JSON", { sarif: "<xml/>" }, /not JSON/],
    ["not SARIF 2.1.0", { sarif: JSON.stringify({ version: "2.0.0", runs: [] }) }, /not SARIF 2\.1\.0/],
    ["bad repository", { repository: "nope" }, /not owner\/repo/],
  ])("%s: one-line error, no request", async (_name, overrides, message) => {
    const error = await uploadSarif(options(overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
    expect(github.requests).toEqual([]);
  });
});
