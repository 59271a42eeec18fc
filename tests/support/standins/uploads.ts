/**
 * The three services `ci` sends a token to (Codecov through codecov-cli, GitHub's code scanning, Snyk), each a
 * stand-in accepting only its own token, and what a run that reached all three leaves in them. Shared by the
 * client-mode and module-mode secret suites.
 */
import { expect } from "vitest";

import { startCodecovStandin, type CodecovStandin } from "./codecov.js";
import { startGitHubStandin, type GitHubStandin } from "./github.js";
import type { Listen, RecordingServer } from "./recording-server.js";
import { startSnykStandin } from "./snyk.js";

export interface UploadStandins {
  readonly codecov: CodecovStandin;
  readonly github: GitHubStandin;
  readonly snyk: RecordingServer;
  /** Requests any of the three received. */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startUploadStandins(options: {
  tokens: { codecov: string; github: string; snyk: string };
  repository: string;
  /** Where codecov-cli (always in a container) reaches Codecov. */
  codecovListen: Listen;
  /** Where the module's own process reaches GitHub and Snyk. @default loopback */
  listen?: Listen;
}): Promise<UploadStandins> {
  const { tokens, listen } = options;
  const codecov = await startCodecovStandin({ token: tokens.codecov, listen: options.codecovListen });
  const github = await startGitHubStandin({
    repository: options.repository,
    token: tokens.github,
    ...(listen ? { listen } : {}),
  });
  const snyk = await startSnykStandin({ token: tokens.snyk, ...(listen ? { listen } : {}) });
  return {
    codecov,
    github,
    snyk,
    requestCount: () => codecov.requests.length + github.requests.length + snyk.requests.length,
    close: async () => {
      await Promise.all([codecov.close(), github.close(), snyk.close()]);
    },
  };
}

/** A ci run's summary.json says every upload passed, and the stand-ins hold the coverage and the SARIF of `sha`. */
export function expectEveryUploadMade(summaryJson: string, standins: UploadStandins, sha: string): void {
  const { stages } = JSON.parse(summaryJson) as { stages: { name: string; status: string }[] };
  const statusOf = (name: string) => stages.find((stage) => stage.name === name)?.status;
  expect([statusOf("codecov"), statusOf("code-scanning"), statusOf("snyk")]).toEqual(["passed", "passed", "passed"]);
  expect(standins.codecov.stored.size).toBe(1);
  expect(standins.github.sarifs.map((sarif) => sarif.commit_sha)).toContain(sha);
}
