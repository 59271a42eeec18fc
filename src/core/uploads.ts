import { codecovUploadCommand, parseServiceUrl } from "./codecov/cli.js";
import { SettingsError } from "./errors.js";
import type { StageResult } from "./report.js";

/** Where CI reports go after a run: Codecov (coverage) and GitHub code scanning (SARIF). */
export interface UploadRequest {
  /** A Codecov token was given and is not empty. */
  codecov: boolean;
  /** A GitHub token was given and is not empty. */
  codeScanning: boolean;
  githubRepository?: string;
  gitSha?: string;
  gitRef?: string;
  /** GitHub's REST API root. @default "https://api.github.com" */
  githubApiUrl?: string;
  /** Codecov's URL. @default "https://codecov.io" */
  codecovUrl?: string;
}

/**
 * Checks, before any container runs, that an upload that was asked for (a non-empty token) has
 * the commit it belongs to and a valid server URL. An empty token means "skip": GitHub hands forks'
 * pull requests empty secrets (and ci.yml hands fork and Dependabot pull requests no GitHub token,
 * theirs being read-only), and their CI must still run.
 */
export function assertUploadTargets(request: UploadRequest): void {
  if (request.githubApiUrl !== undefined) parseServiceUrl(request.githubApiUrl, "--github-api-url");
  if (!request.codecov && !request.codeScanning) return;
  const missing = (
    [
      ["--github-repository", request.githubRepository],
      ["--git-sha", request.gitSha],
      ["--git-ref", request.gitRef],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([flag]) => flag);
  if (missing.length > 0) {
    const uploads = [request.codecov && "Codecov", request.codeScanning && "code scanning"]
      .filter(Boolean)
      .join(" and ");
    throw new SettingsError(
      `uploading to ${uploads} needs ${missing.join(", ")} (in GitHub Actions: $GITHUB_REPOSITORY, $GITHUB_SHA, $GITHUB_REF)`,
    );
  }
  if (request.codecov)
    codecovUploadCommand({
      repository: request.githubRepository ?? "",
      commitSha: request.gitSha ?? "",
      gitRef: request.gitRef ?? "",
      file: "coverage.xml",
      ...(request.codecovUrl !== undefined ? { codecovUrl: request.codecovUrl } : {}),
    });
}

/**
 * An upload's place in the run: a failed upload (Codecov or GitHub down, a token without the permission) is a
 * warning that leaves the run's verdict to lint, tests and scans, unless `strict` (--strict-uploads). Pure.
 */
export function uploadVerdict(result: StageResult, strict: boolean): StageResult {
  if (result.status !== "failed" || strict) return result;
  return {
    ...result,
    status: "warning",
    summary: `upload failed, reported as a warning (--strict-uploads makes it a failure): ${result.summary}`,
  };
}
