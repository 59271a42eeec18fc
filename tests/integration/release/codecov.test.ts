/**
 * The Codecov upload as the module makes it: Codecov's own uploader (codecov-cli at the pinned version, installed by
 * scripts/setup/codecov-cli.sh) runs the command `codecovUploadCommand` builds, with the token only in the
 * CODECOV_TOKEN environment variable, against a recording stand-in for Codecov's upload API.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CODECOV_CLI_VERSION, codecovUploadCommand, type CodecovUploadRequest } from "../../../src/core/codecov/cli.js";
import { SettingsError } from "../../../src/core/errors.js";
import { startCodecovStandin, type CodecovStandin } from "../../support/standins/codecov.js";

const ROOT = resolve(import.meta.dirname, "../../..");
const TOKEN = "3f1c0b8e-codecov-standin-token";
const SHA = "89abcdef0123456789abcdef0123456789abcdef";
const COBERTURA = `<?xml version="1.0" ?>\n<coverage line-rate="0.82" version="7.6"><packages/></coverage>\n`;

let codecov: CodecovStandin;
let cli = "";
let workdir = "";
beforeAll(async () => {
  const out = execFileSync("bash", [resolve(ROOT, "scripts/setup/codecov-cli.sh"), CODECOV_CLI_VERSION], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  cli = /^codecovcli=(.+)$/m.exec(out)?.[1] ?? "";
  codecov = await startCodecovStandin({ token: TOKEN });
  workdir = mkdtempSync(join(tmpdir(), "codecov-"));
  writeFileSync(join(workdir, "coverage.xml"), COBERTURA);
}, 300_000);
afterAll(async () => {
  await codecov?.close();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});
beforeEach(() => {
  codecov.requests.length = 0;
  codecov.stored.clear();
});

const request = (overrides: Partial<CodecovUploadRequest> = {}): CodecovUploadRequest => ({
  repository: "faultmaven/fm-auth-service",
  commitSha: SHA,
  gitRef: "refs/heads/main",
  file: join(workdir, "coverage.xml"),
  flags: ["unit"],
  codecovUrl: codecov.url,
  ...overrides,
});

/**
 * Runs the command as the uploader's container does: the token only in the environment, and (`withoutGit`) a PATH
 * holding only the uploader's own directory, as in the pinned python image, which has no git.
 */
function upload(command: string[], token = TOKEN, withoutGit = false): Promise<{ code: number; output: string }> {
  const [, ...args] = command;
  const path = withoutGit ? dirname(cli) : (process.env.PATH ?? "");
  return new Promise((done) => {
    execFile(
      cli,
      args,
      { cwd: workdir, env: { PATH: path, HOME: workdir, CODECOV_TOKEN: token }, timeout: 120_000 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe("codecov-cli with the module's command", () => {
  it("creates the commit, the report and the upload, then stores the coverage; the token travels only in a header", async () => {
    const { code, output } = await upload(codecovUploadCommand(request()));
    expect(code, output).toBe(0);
    expect(codecov.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /upload/github/faultmaven::::fm-auth-service/commits",
      `POST /upload/github/faultmaven::::fm-auth-service/commits/${SHA}/reports`,
      `POST /upload/github/faultmaven::::fm-auth-service/commits/${SHA}/reports/default/uploads`,
      "PUT /storage/upload-1",
    ]);
    const commit = JSON.parse(codecov.requests[0]!.body.toString("utf8")) as Record<string, unknown>;
    expect(commit).toMatchObject({ branch: "main", commitid: SHA });
    const uploadBody = JSON.parse(codecov.requests[2]!.body.toString("utf8")) as Record<string, unknown>;
    expect(uploadBody["flags"]).toEqual(["unit"]);
    const stored = JSON.parse(codecov.stored.get("upload-1") ?? "{}") as {
      coverage_files: { filename: string; data: string }[];
    };
    expect(stored.coverage_files).toHaveLength(1);
    expect(inflateSync(Buffer.from(stored.coverage_files[0]!.data, "base64")).toString("utf8")).toBe(COBERTURA);
    for (const r of codecov.requests) {
      expect(r.url).not.toContain(TOKEN);
      expect(r.body.toString("utf8")).not.toContain(TOKEN);
    }
    expect(codecov.requests.slice(0, 3).every((r) => r.headers["authorization"] === `token ${TOKEN}`)).toBe(true);
    expect(output).not.toContain(TOKEN);
  }, 120_000);

  it("uploads where there is no git (the pinned python image has none)", async () => {
    const { code, output } = await upload(codecovUploadCommand(request()), TOKEN, true);
    expect(code, output).toBe(0);
    expect(codecov.stored.size).toBe(1);
  }, 120_000);

  it("a pull request ref is filed under its number", async () => {
    const { code, output } = await upload(codecovUploadCommand(request({ gitRef: "refs/pull/12/merge" })));
    expect(code, output).toBe(0);
    const commit = JSON.parse(codecov.requests[0]!.body.toString("utf8")) as Record<string, unknown>;
    expect(String(commit["pullid"])).toBe("12");
  }, 120_000);

  it("a token Codecov refuses fails the uploader (non-zero), stores nothing, and the output holds no token", async () => {
    const wrong = "wrong-token-0000";
    const { code, output } = await upload(codecovUploadCommand(request()), wrong);
    expect(code).not.toBe(0);
    expect(codecov.requests.some((r) => r.method === "PUT")).toBe(false);
    expect(output).not.toContain(wrong);
  }, 120_000);

  it("an unreachable Codecov fails the uploader", async () => {
    const { code } = await upload(codecovUploadCommand(request({ codecovUrl: "http://127.0.0.1:9" })));
    expect(code).not.toBe(0);
  }, 120_000);
});

describe("codecovUploadCommand", () => {
  it("never puts a token on the command line and disables search and telemetry", () => {
    const command = codecovUploadCommand(request({ codecovUrl: "https://codecov.example.com/" }));
    expect(command.slice(0, 7)).toEqual([
      "codecovcli",
      "--url",
      "https://codecov.example.com",
      "--disable-telem",
      "--auto-load-params-from",
      "GithubActions",
      "upload-process",
    ]);
    expect(command).toEqual(expect.arrayContaining(["--disable-search", "--fail-on-error", "--flag", "unit"]));
    expect(command.some((a) => /token/i.test(a))).toBe(false);
  });

  it.each([
    [{ repository: "not-a-slug" }, /--github-repository "not-a-slug" is not owner\/repo/],
    [{ commitSha: "abc1234" }, /--git-sha must be the full 40-hex commit/],
    [{ flags: ["unit tests"] }, /Codecov flag "unit tests" must be 1-45/],
    [{ codecovUrl: "http://codecov.example.com" }, /--codecov-url .* must be https:\/\//],
    [{ codecovUrl: "codecov" }, /--codecov-url "codecov" is not a URL/],
  ] as const)("%j is refused in one line", (overrides, pattern) => {
    expect(() => codecovUploadCommand(request(overrides))).toThrow(SettingsError);
    expect(() => codecovUploadCommand(request(overrides))).toThrow(pattern);
  });
});
