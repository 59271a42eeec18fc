import { gzipSync } from "node:zlib";
import { PipelineError, SettingsError } from "../errors.js";
import { parseRepository, requireToken } from "../github/client.js";

/** One coverage report file (Cobertura XML, LCOV, ...) as Codecov receives it. */
export interface CoverageReport {
  /** Path shown by Codecov, relative to the repository root: `coverage.xml`. */
  readonly path: string;
  readonly content: string;
}

/** What to upload to Codecov and where. */
export interface CoverageUploadOptions {
  /** Codecov upload token. Held in memory only; sent as a header, never in a URL. */
  readonly token: string;
  /** `owner/repo` on GitHub. */
  readonly repository: string;
  /** Full 40-hex sha of the tested commit. */
  readonly commitSha: string;
  /** Branch name, for Codecov's branch view. @default undefined */
  readonly branch?: string;
  /** Pull request number, when the run tests a PR. @default undefined */
  readonly pullRequest?: number;
  /** CI build id (GITHUB_RUN_ID) so reruns group together. @default undefined */
  readonly build?: string;
  /** Codecov flags (`unit`, `integration`) that split coverage by suite. @default [] */
  readonly flags?: readonly string[];
  /** Repository files, to let Codecov map report paths onto them. @default [] */
  readonly networkFiles?: readonly string[];
  readonly reports: readonly CoverageReport[];
  /**
   * Codecov's API root; tests point it at a local stand-in, self-hosted users at their server.
   * @default "https://codecov.io"
   */
  readonly baseUrl?: string;
}

/** Codecov's answer: the page showing the upload and the storage URL the report went to (without its query). */
export interface CoverageUploadResult {
  readonly reportUrl: string;
  readonly storageUrl: string;
  readonly uploadedBytes: number;
}

/** Codecov refused the upload or the storage PUT failed. */
export class CoverageUploadError extends PipelineError {}

const FLAG = /^[\w.-]{1,45}$/;

/**
 * Builds Codecov's upload body (pure): an optional network section listing repository files,
 * then each report preceded by `# path=` and closed by `<<<<<< EOF`.
 */
export function buildCodecovPayload(reports: readonly CoverageReport[], networkFiles: readonly string[] = []): string {
  const network = networkFiles.length > 0 ? `${networkFiles.join("\n")}\n<<<<<< network\n` : "";
  return network + reports.map((r) => `# path=${r.path}\n${r.content.replace(/\n?$/, "\n")}<<<<<< EOF\n`).join("");
}

/**
 * Uploads coverage reports through Codecov's v4 upload API: `POST /upload/v4?...` answers with the
 * report page and a pre-signed storage URL, then the gzip-compressed payload is `PUT` there.
 * Inputs are checked before the first request.
 */
export async function uploadCoverage(options: CoverageUploadOptions): Promise<CoverageUploadResult> {
  const token = requireToken("CODECOV_TOKEN", options.token);
  parseRepository(options.repository, "Codecov repository");
  if (!/^[0-9a-f]{40}$/.test(options.commitSha ?? "")) {
    throw new SettingsError(
      `Codecov upload: commit sha "${options.commitSha ?? ""}" is not a full 40-hex sha: pass the tested commit (GITHUB_SHA)`,
    );
  }
  if (options.reports.length === 0 || options.reports.some((r) => r.content.trim() === "")) {
    throw new SettingsError(
      "Codecov upload: no coverage report, or an empty one: run the tests with coverage (pytest --cov-report=xml) first",
    );
  }
  const badFlag = (options.flags ?? []).find((f) => !FLAG.test(f));
  if (badFlag !== undefined) {
    throw new SettingsError(
      `Codecov upload: flag "${badFlag}" is invalid: use up to 45 letters, digits, '_', '-' or '.'`,
    );
  }
  const base = (options.baseUrl ?? "https://codecov.io").replace(/\/+$/, "");
  const query = new URLSearchParams({
    package: "faultmaven-auth-pipeline",
    commit: options.commitSha,
    slug: options.repository,
    service: "github-actions",
  });
  if (options.branch) query.set("branch", options.branch);
  if (options.pullRequest !== undefined) query.set("pr", String(options.pullRequest));
  if (options.build) query.set("build", options.build);
  if (options.flags?.length) query.set("flags", options.flags.join(","));

  const answer = await send("asking Codecov for an upload URL", `${base}/upload/v4?${query}`, {
    method: "POST",
    headers: { "X-Upload-Token": token, "X-Reduced-Redundancy": "false", Accept: "text/plain" },
  });
  const [reportUrl = "", storageUrl = ""] = answer
    .trim()
    .split("\n")
    .map((l) => l.trim());
  if (!/^https?:\/\//.test(storageUrl)) {
    throw new CoverageUploadError(
      `Codecov upload: ${base} answered without a storage URL on its second line: check the Codecov URL and token`,
    );
  }
  const body = gzipSync(Buffer.from(buildCodecovPayload(options.reports, options.networkFiles), "utf8"));
  await send("storing the coverage report", storageUrl, {
    method: "PUT",
    headers: { "Content-Type": "text/plain", "Content-Encoding": "gzip" },
    body,
  });
  return { reportUrl, storageUrl: storageUrl.split("?")[0] ?? "", uploadedBytes: body.length };
}

async function send(action: string, url: string, init: RequestInit): Promise<string> {
  // Only the origin and path go into messages: the storage URL's query is a signature.
  const where = url.split("?")[0];
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CoverageUploadError(
      `Codecov upload: ${action} at ${where} failed: ${(error as Error).message}: check the network and the Codecov URL`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    const detail = text.replace(/\s+/g, " ").trim().slice(0, 200);
    throw new CoverageUploadError(
      `Codecov upload: ${action} at ${where} answered HTTP ${response.status} (${detail}): check the token and repository`,
    );
  }
  return text;
}

/**
 * Codecov's branch / pull-request fields from a full git ref (pure): `refs/heads/main` → branch
 * `main`; `refs/pull/12/merge` → pull request 12; tags and anything else → neither.
 */
export function codecovRefContext(ref: string): { branch?: string; pullRequest?: number } {
  const branch = /^refs\/heads\/(.+)$/.exec(ref)?.[1];
  if (branch) return { branch };
  const pr = /^refs\/pull\/(\d+)\/(merge|head)$/.exec(ref)?.[1];
  return pr ? { pullRequest: Number(pr) } : {};
}
