import { gzipSync } from "node:zlib";
import { SettingsError, PipelineError } from "../errors.js";
import {
  createOctokit,
  describeGitHubFailure,
  parseRepository,
  requireToken,
  type GitHubConnection,
} from "./client.js";

/** What to upload to GitHub code scanning. */
export interface SarifUploadOptions extends GitHubConnection {
  /** The SARIF 2.1.0 document (for example Trivy's `--format sarif` output). */
  readonly sarif: string;
  /** The full 40-hex commit sha the results belong to. */
  readonly commitSha: string;
  /** The full git ref analysed: `refs/heads/main`, `refs/pull/12/merge`, `refs/tags/v1.2.3`. */
  readonly ref: string;
  /**
   * Category that keeps several analyses of one commit apart (filesystem scan vs image scan).
   * @default undefined (GitHub's default category)
   */
  readonly category?: string;
}

/** GitHub's answer: the id of the processing job and the URL to poll for its status. */
export interface SarifUploadResult {
  readonly id: string;
  readonly url: string;
  /** Size of the gzip-compressed SARIF that was sent, in bytes. */
  readonly compressedBytes: number;
}

/** GitHub refuses gzip-compressed SARIF above 10 MB. */
export const MAX_COMPRESSED_SARIF_BYTES = 10 * 1024 * 1024;

/** A SARIF upload that GitHub refused or that never got an answer. */
export class SarifUploadError extends PipelineError {}

/**
 * Uploads a SARIF report to GitHub code scanning (`POST /repos/{owner}/{repo}/code-scanning/sarifs`,
 * gzip + base64 as the API requires). Every input is checked before the request; the token
 * needs `security-events: write`.
 */
export async function uploadSarif(options: SarifUploadOptions): Promise<SarifUploadResult> {
  requireToken("GITHUB_TOKEN", options.token);
  const { owner, repo } = parseRepository(options.repository, "GitHub repository");
  if (!/^[0-9a-f]{40}$/.test(options.commitSha ?? "")) {
    throw new SettingsError(
      `SARIF upload: commit sha "${options.commitSha ?? ""}" is not a full 40-hex sha: pass the analysed commit (GITHUB_SHA)`,
    );
  }
  if (!/^refs\/(heads|tags|pull)\/\S+$/.test(options.ref ?? "")) {
    throw new SettingsError(
      `SARIF upload: ref "${options.ref ?? ""}" is not a full git ref: pass refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/merge`,
    );
  }
  assertSarif(options.sarif);
  const compressed = gzipSync(Buffer.from(options.sarif, "utf8"));
  if (compressed.length > MAX_COMPRESSED_SARIF_BYTES) {
    throw new SettingsError(
      `SARIF upload: the report is ${compressed.length} bytes gzip-compressed, above GitHub's ${MAX_COMPRESSED_SARIF_BYTES}: lower the scanner's verbosity or split by category`,
    );
  }
  const octokit = createOctokit(options);
  try {
    const { data } = await octokit.rest.codeScanning.uploadSarif({
      owner,
      repo,
      commit_sha: options.commitSha,
      ref: options.ref,
      sarif: compressed.toString("base64"),
      ...(options.category ? { category: options.category } : {}),
    });
    return { id: data.id ?? "", url: data.url ?? "", compressedBytes: compressed.length };
  } catch (error) {
    throw new SarifUploadError(
      describeGitHubFailure(
        `uploading SARIF for ${options.commitSha.slice(0, 12)} to ${options.repository} code scanning`,
        error,
      ),
    );
  }
}

function assertSarif(sarif: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(sarif);
  } catch {
    throw new SettingsError("SARIF upload: the report is not JSON: pass the scanner's SARIF output file");
  }
  const { version, runs } = (doc ?? {}) as { version?: unknown; runs?: unknown };
  if (version !== "2.1.0" || !Array.isArray(runs)) {
    throw new SettingsError(
      `SARIF upload: the report is not SARIF 2.1.0 (version ${JSON.stringify(version)}, runs ${Array.isArray(runs) ? "present" : "missing"}): run the scanner with SARIF output`,
    );
  }
}
