import { SettingsError } from "./errors.js";

/** Where CI reports go after a run: Codecov (coverage) and GitHub code scanning (SARIF). */
export interface UploadRequest {
  /** A Codecov token was given and is not empty. */
  codecov: boolean;
  /** A GitHub token was given and is not empty. */
  codeScanning: boolean;
  githubRepository?: string;
  gitSha?: string;
  gitRef?: string;
}

/**
 * Checks, before any container runs, that an upload that was asked for (a non-empty token) has
 * the commit it belongs to. An empty token means "skip": GitHub hands forks' pull requests empty
 * secrets, and their CI must still run.
 */
export function assertUploadTargets(request: UploadRequest): void {
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
}
