import { dag, type Directory, type Secret } from "@dagger.io/dagger";

import { CODECOV_CLI_VERSION, codecovUploadCommand } from "../core/codecov/cli.js";
import { uploadSarif } from "../core/github/code-scanning.js";
import { runStage, skippedStage, type StageResult } from "../core/report.js";
import { headerSafeToken } from "../core/tokens.js";
import { assertUploadTargets, uploadVerdict } from "../core/uploads.js";
import { secretOf } from "./secrets.js";

/** The tokens, commit coordinates and servers of the optional report uploads. */
export interface UploadOptions {
  codecovToken?: Secret;
  githubToken?: Secret;
  githubRepository?: string;
  gitSha?: string;
  gitRef?: string;
  /** GitHub's REST API root (GitHub Enterprise Server: https://HOST/api/v3). @default "https://api.github.com" */
  githubApiUrl?: string;
  /** Codecov's URL (self-hosted Codecov). @default "https://codecov.io" */
  codecovUrl?: string;
  /** An upload failure fails the run instead of being a warning. @default false */
  strictUploads?: boolean;
}

/** The uploads to make. The GitHub token is read into memory only to hand it to the HTTP client. */
export interface PreparedUploads {
  /** The Codecov token, still a Secret: it reaches the uploader's container only as a secret variable. */
  codecovToken?: Secret;
  githubToken?: string;
  options: UploadOptions;
}

/** Reads the tokens and checks them, the commit coordinates and URLs, before any container runs. */
export async function prepareUploads(options: UploadOptions): Promise<PreparedUploads> {
  const codecovRaw = await options.codecovToken?.plaintext();
  const codecov = headerSafeToken("--codecov-token", codecovRaw);
  const githubToken = headerSafeToken("--github-token", await options.githubToken?.plaintext());
  assertUploadTargets({ ...options, codecov: !!codecov, codeScanning: !!githubToken });
  const codecovToken =
    codecov && options.codecovToken ? secretOf(options.codecovToken, codecovRaw, codecov) : undefined;
  return { ...(codecovToken ? { codecovToken } : {}), githubToken, options };
}

/**
 * Uploads tests/coverage.xml with Codecov's own uploader (codecov-cli, pinned, from PyPI) in a container of
 * `pythonImage`; the token is the CODECOV_TOKEN secret variable. A failure is a warning unless --strict-uploads.
 */
export async function codecovStage(
  reports: Directory,
  uploads: PreparedUploads,
  pythonImage: string,
): Promise<StageResult> {
  const { codecovToken: token, options } = uploads;
  if (!token) return skippedStage("codecov", "no Codecov token given");
  const command = codecovUploadCommand({
    repository: options.githubRepository ?? "",
    commitSha: options.gitSha ?? "",
    gitRef: options.gitRef ?? "",
    file: "/coverage/coverage.xml",
    flags: ["unit"],
    ...(options.codecovUrl ? { codecovUrl: options.codecovUrl } : {}),
  });
  const result = await runStage("codecov", async () => {
    const coverage = reports.file("tests/coverage.xml");
    const output = await dag
      .container()
      .from(pythonImage)
      .withExec(["pip", "install", "--quiet", "--no-cache-dir", `codecov-cli==${CODECOV_CLI_VERSION}`])
      .withFile("/coverage/coverage.xml", coverage)
      .withWorkdir("/coverage")
      .withSecretVariable("CODECOV_TOKEN", token)
      .withExec(command)
      .stdout();
    const page = /results will be available at: (\S+)/.exec(output)?.[1];
    return `coverage uploaded with codecov-cli ${CODECOV_CLI_VERSION}${page ? `: ${page}` : ""}`;
  });
  return uploadVerdict(result, options.strictUploads ?? false);
}

/** Uploads every Trivy SARIF report to GitHub code scanning, one category per scan; a failure is a warning unless strict. */
export async function codeScanningStage(reports: Directory, uploads: PreparedUploads): Promise<StageResult> {
  const { githubToken: token, options } = uploads;
  if (!token) return skippedStage("code-scanning", "no GitHub token given");
  const result = await runStage("code-scanning", async () => {
    const files = (await reports.glob("scan/*.sarif")).sort();
    if (files.length === 0) throw new Error("no SARIF report to upload: every Trivy run failed before writing one");
    for (const file of files) {
      await uploadSarif({
        token,
        repository: options.githubRepository ?? "",
        commitSha: options.gitSha ?? "",
        ref: options.gitRef ?? "",
        category: file.replace(/^scan\/|\.sarif$/g, ""),
        sarif: await reports.file(file).contents(),
        ...(options.githubApiUrl ? { baseUrl: options.githubApiUrl } : {}),
      });
    }
    return `${files.length} SARIF reports uploaded: ${files.join(", ")}`;
  });
  return uploadVerdict(result, options.strictUploads ?? false);
}
