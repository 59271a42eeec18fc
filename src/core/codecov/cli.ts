/**
 * The Codecov upload, made by Codecov's own uploader (`codecov-cli` from PyPI, pinned) as the spec's codecov action
 * does: Codecov changes its upload protocol, its CLI follows, so this module only builds the command. The token is
 * never an argument: the CLI reads it from the CODECOV_TOKEN environment variable, which the Dagger layer sets from a
 * Secret (`withSecretVariable`).
 */
import { SettingsError } from "../errors.js";
import { parseRepository } from "../github/client.js";

/** The pinned uploader: a new release is a reviewed change, not something that happens to a CI run. */
export const CODECOV_CLI_VERSION = "11.3.1";

/** Codecov's public service; self-hosted Codecov is `--codecov-url`. */
export const DEFAULT_CODECOV_URL = "https://codecov.io";

/** What to upload and where. */
export interface CodecovUploadRequest {
  /** `owner/repo` on GitHub. */
  readonly repository: string;
  /** Full 40-hex sha of the tested commit. */
  readonly commitSha: string;
  /** Full ref of the tested commit (`refs/heads/main`, `refs/pull/12/merge`). */
  readonly gitRef: string;
  /** Coverage file to upload, as the CLI will see it (a path inside its container). */
  readonly file: string;
  /** Codecov flags (`unit`) that split coverage by suite. @default [] */
  readonly flags?: readonly string[];
  /** Codecov's URL, for self-hosted Codecov. @default "https://codecov.io" */
  readonly codecovUrl?: string;
}

const FLAG = /^[\w.-]{1,45}$/;

/** Branch or pull request number of a full ref, as Codecov files an upload. Pure. */
export function codecovRefContext(ref: string): { branch?: string; pullRequest?: number } {
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (branch) return { branch };
  const pr = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(ref)?.[1];
  return pr ? { pullRequest: Number(pr) } : {};
}

/** Validates a service URL: https, or http on loopback (tests, a local server). @throws SettingsError */
export function parseServiceUrl(url: string, argument: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError(`${argument} ${JSON.stringify(url.slice(0, 100))} is not a URL: pass https://host[/path]`);
  }
  const loopback = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost";
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback))
    throw new SettingsError(
      `${argument} ${JSON.stringify(url.slice(0, 100))} must be https:// (plain http only on loopback)`,
    );
  return url.replace(/\/+$/, "");
}

/**
 * The uploader's command line (argv, no shell): `codecovcli --url <url> --disable-telem --auto-load-params-from
 * GithubActions upload-process ...` with the commit, slug, branch or PR, flags and the one coverage file, search
 * disabled, failing on any error. Pure.
 *
 * `--auto-load-params-from` names the CI adapter: without it codecov-cli probes every CI it knows and its last
 * probe runs `git help`, which crashes the uploader in an image without git (python:3.11-slim). The explicit
 * arguments below take precedence over anything the adapter would read.
 * @throws SettingsError (one line) on a malformed repository, sha, flag or URL.
 */
export function codecovUploadCommand(request: CodecovUploadRequest): string[] {
  const { owner, repo } = parseRepository(request.repository, "--github-repository");
  if (!/^[0-9a-f]{40}$/.test(request.commitSha))
    throw new SettingsError(
      `--git-sha must be the full 40-hex commit for Codecov, got ${JSON.stringify(request.commitSha.slice(0, 48))}`,
    );
  for (const flag of request.flags ?? [])
    if (!FLAG.test(flag))
      throw new SettingsError(`Codecov flag ${JSON.stringify(flag)} must be 1-45 of [A-Za-z0-9_.-]`);
  const { branch, pullRequest } = codecovRefContext(request.gitRef);
  return [
    "codecovcli",
    "--url",
    parseServiceUrl(request.codecovUrl ?? DEFAULT_CODECOV_URL, "--codecov-url"),
    "--disable-telem",
    "--auto-load-params-from",
    "GithubActions",
    "upload-process",
    "--git-service",
    "github",
    "--slug",
    `${owner}/${repo}`,
    "--sha",
    request.commitSha,
    ...(branch ? ["--branch", branch] : []),
    ...(pullRequest !== undefined ? ["--pr", String(pullRequest)] : []),
    ...(request.flags ?? []).flatMap((flag) => ["--flag", flag]),
    "--file",
    request.file,
    "--disable-search",
    "--fail-on-error",
  ];
}
