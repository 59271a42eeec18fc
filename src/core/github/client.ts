import { Octokit } from "@octokit/rest";
import { SettingsError } from "../errors.js";

/** Where and how to reach the GitHub REST API. */
export interface GitHubConnection {
  /** A token with the scopes the call needs. Held in memory only; never logged or put in an error. */
  readonly token: string;
  /** `owner/repo`. */
  readonly repository: string;
  /**
   * API root; tests point it at a local stand-in, GitHub Enterprise users at their server.
   * @default "https://api.github.com"
   */
  readonly baseUrl?: string;
}

/** `owner` and `repo` of a validated `owner/repo` string. */
export interface RepositoryName {
  readonly owner: string;
  readonly repo: string;
}

const REPOSITORY = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/** Splits `owner/repo`, or throws a one-line {@link SettingsError} naming the setting. */
export function parseRepository(value: string, setting = "repository"): RepositoryName {
  const match = REPOSITORY.exec(value ?? "");
  if (!match || match[2] === "." || match[2] === "..") {
    throw new SettingsError(`${setting} "${value ?? ""}" is not owner/repo: pass the GitHub repository as owner/name`);
  }
  return { owner: match[1]!, repo: match[2]! };
}

/** Throws a one-line {@link SettingsError} when a required token is missing or blank. The value is never echoed. */
export function requireToken(name: string, value: string | undefined): string {
  if (value === undefined || value === null || value.trim() === "") {
    throw new SettingsError(
      `${name} is missing or empty: pass it as a secret (for example --${kebab(name)}=env:${name})`,
    );
  }
  return value;
}

function kebab(name: string): string {
  return name.toLowerCase().replace(/_/g, "-");
}

/** An Octokit client for `connection`: no retries (callers decide) and no request logging. */
export function createOctokit(connection: GitHubConnection): Octokit {
  return new Octokit({
    auth: connection.token,
    baseUrl: (connection.baseUrl ?? "https://api.github.com").replace(/\/+$/, ""),
    userAgent: "faultmaven-auth-pipeline",
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

/**
 * A one-line description of a failed GitHub call: HTTP status, GitHub's message and the next
 * step. Built from the status and response body only, never from request headers (the token).
 */
export function describeGitHubFailure(action: string, error: unknown): string {
  const status = (error as { status?: number }).status;
  const data = (error as { response?: { data?: { message?: string } } }).response?.data;
  const message =
    typeof data?.message === "string" ? data.message : error instanceof Error ? error.message : String(error);
  const hint =
    status === 401
      ? "the token is invalid or expired"
      : status === 403
        ? "the token lacks the permission for this call"
        : status === 404
          ? "the repository does not exist or the token cannot see it"
          : status === 422
            ? "GitHub rejected the payload"
            : "retry, or check GitHub's status";
  return `GitHub API: ${action} failed${status ? ` with HTTP ${status}` : ""} (${oneLine(message)}): ${hint}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}
