import type { Directory, Secret } from "@dagger.io/dagger";

import { codecovRefContext, uploadCoverage } from "../core/codecov/upload.js";
import { uploadSarif } from "../core/github/code-scanning.js";
import { runStage, skippedStage, type StageResult } from "../core/report.js";
import { assertUploadTargets } from "../core/uploads.js";

/** The tokens and commit coordinates of the optional report uploads. */
export interface UploadOptions {
  codecovToken?: Secret;
  githubToken?: Secret;
  githubRepository?: string;
  gitSha?: string;
  gitRef?: string;
}

/** The uploads to make, with their tokens read into memory (only to hand to the HTTP clients). */
export interface PreparedUploads {
  codecovToken?: string;
  githubToken?: string;
  options: UploadOptions;
}

/** Reads the tokens and checks the commit coordinates, before any container runs. */
export async function prepareUploads(options: UploadOptions): Promise<PreparedUploads> {
  const codecovToken = (await options.codecovToken?.plaintext())?.trim() || undefined;
  const githubToken = (await options.githubToken?.plaintext())?.trim() || undefined;
  assertUploadTargets({ ...options, codecov: !!codecovToken, codeScanning: !!githubToken });
  return { codecovToken, githubToken, options };
}

/** Uploads tests/coverage.xml to Codecov, as a stage of its own. */
export async function codecovStage(reports: Directory, uploads: PreparedUploads): Promise<StageResult> {
  const { codecovToken: token, options } = uploads;
  if (!token) return skippedStage("codecov", "no Codecov token given");
  return runStage("codecov", async () => {
    const result = await uploadCoverage({
      token,
      repository: options.githubRepository ?? "",
      commitSha: options.gitSha ?? "",
      ...codecovRefContext(options.gitRef ?? ""),
      flags: ["unit"],
      reports: [{ path: "coverage.xml", content: await reports.file("tests/coverage.xml").contents() }],
    });
    return `coverage uploaded (${result.uploadedBytes} bytes): ${result.reportUrl}`;
  });
}

/** Uploads every Trivy SARIF report to GitHub code scanning, one category per scan. */
export async function codeScanningStage(reports: Directory, uploads: PreparedUploads): Promise<StageResult> {
  const { githubToken: token, options } = uploads;
  if (!token) return skippedStage("code-scanning", "no GitHub token given");
  return runStage("code-scanning", async () => {
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
      });
    }
    return `${files.length} SARIF reports uploaded: ${files.join(", ")}`;
  });
}
