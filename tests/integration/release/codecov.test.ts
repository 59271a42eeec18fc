/** Coverage upload against a recording stand-in for Codecov's v4 upload API (unreachable here). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SettingsError } from "../../../src/core/errors.js";
import { CoverageUploadError, uploadCoverage, type CoverageUploadOptions } from "../../../src/core/codecov/upload.js";
import { startCodecovStandin, type CodecovStandin } from "../../support/standins/codecov.js";

const TOKEN = "3f1c0b8e-codecov-standin-token";
const SHA = "89abcdef0123456789abcdef0123456789abcdef";
const COBERTURA = `<?xml version="1.0" ?>\n<coverage line-rate="0.82" version="7.6"><packages/></coverage>\n`;

let codecov: CodecovStandin;
beforeAll(async () => {
  codecov = await startCodecovStandin({ token: TOKEN });
});
afterAll(() => codecov.close());
beforeEach(() => {
  codecov.requests.length = 0;
  codecov.stored.clear();
});

const options = (overrides: Partial<CoverageUploadOptions> = {}): CoverageUploadOptions => ({
  token: TOKEN,
  repository: "faultmaven/fm-auth-service",
  commitSha: SHA,
  branch: "main",
  build: "4242",
  flags: ["unit"],
  reports: [{ path: "coverage.xml", content: COBERTURA }],
  baseUrl: codecov.url,
  ...overrides,
});

describe("uploadCoverage", () => {
  it("asks for a storage URL, then PUTs the gzip payload there; the token travels only in a header", async () => {
    const result = await uploadCoverage(options({ pullRequest: 12 }));

    expect(codecov.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /upload/v4", "PUT /storage/upload-1"]);
    const [post, put] = codecov.requests;
    expect(Object.fromEntries(post!.query)).toEqual({
      package: "faultmaven-auth-pipeline",
      commit: SHA,
      slug: "faultmaven/fm-auth-service",
      service: "github-actions",
      branch: "main",
      pr: "12",
      build: "4242",
      flags: "unit",
    });
    expect(post!.headers["x-upload-token"]).toBe(TOKEN);
    for (const r of codecov.requests) expect(r.url).not.toContain(TOKEN);
    expect(put!.headers["content-encoding"]).toBe("gzip");
    expect(codecov.stored.get("upload-1")).toBe(`# path=coverage.xml\n${COBERTURA}<<<<<< EOF\n`);
    expect(result).toEqual({
      reportUrl: `https://codecov.io/github/faultmaven/fm-auth-service/commit/${SHA}`,
      storageUrl: `${codecov.url}/storage/upload-1`,
      uploadedBytes: expect.any(Number),
    });
  });

  it("a token Codecov refuses: one-line error without the token, no PUT", async () => {
    const error = await uploadCoverage(options({ token: "wrong-token-xyz" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoverageUploadError);
    expect((error as Error).message).toMatch(/answered HTTP 401/);
    expect((error as Error).message).not.toContain("wrong-token-xyz");
    expect(codecov.requests.map((r) => r.method)).toEqual(["POST"]);
  });

  it("an unreachable Codecov is a clear error", async () => {
    const error = await uploadCoverage(options({ baseUrl: "http://127.0.0.1:1" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoverageUploadError);
    expect((error as Error).message).toMatch(
      /asking Codecov for an upload URL at http:\/\/127\.0\.0\.1:1\/upload\/v4 failed/,
    );
  });

  it.each<[string, Partial<CoverageUploadOptions>, RegExp]>([
    ["missing token", { token: undefined as unknown as string }, /CODECOV_TOKEN is missing or empty/],
    ["short sha", { commitSha: "abc" }, /not a full 40-hex sha/],
    ["no report", { reports: [] }, /no coverage report/],
    ["empty report", { reports: [{ path: "coverage.xml", content: " \n" }] }, /no coverage report, or an empty one/],
    ["bad flag", { flags: ["unit tests"] }, /flag "unit tests" is invalid/],
    ["bad repository", { repository: "x" }, /not owner\/repo/],
  ])("%s: one-line error, no request", async (_name, overrides, message) => {
    const error = await uploadCoverage(options(overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toMatch(message);
    expect(codecov.requests).toEqual([]);
  });
});
