import { SettingsError } from "../errors.js";
import { parseGitSha, parseReleaseTag, stagingTag } from "../version/tags.js";
import type { EnvironmentConfig } from "./environments.js";

/** The version-related arguments of a deploy, before validation. */
export interface VersionInputs {
  /** Release tag `vX.Y.Z[-pre]`. Required in production. */
  readonly version?: string;
  /** Commit being deployed (7-40 hex). Required in staging (it names the image tag). */
  readonly gitSha?: string;
  /** Git ref that triggered the deploy (`refs/heads/main`, `refs/tags/v1.2.3`); checked when given. */
  readonly gitRef?: string;
}

/** What a deploy will call the image and the running version. */
export interface ResolvedVersion {
  /** Image tags pushed or moved in ECR (production: `vX.Y.Z` and `latest`; staging: `staging-<sha>`). */
  readonly imageTags: readonly string[];
  /** Tags that must never move once they exist (all but `latest`). */
  readonly immutableTags: readonly string[];
  /** Value of APP_VERSION in the task, which `/` must report. */
  readonly appVersion: string;
  /** The release tag, when one was given. */
  readonly version?: string;
}

/**
 * Applies the environment's version rules. Production: a strict `vX.Y.Z` (pre-releases refused unless the
 * environment allows them), from a tag ref; staging: a commit sha (image tag `staging-<sha>`), from main,
 * optionally with a version (then APP_VERSION is that version). Pure.
 * @throws SettingsError with a one-line message.
 */
export function resolveVersion(environment: EnvironmentConfig, inputs: VersionInputs): ResolvedVersion {
  const env = environment.name;
  const parsed = inputs.version !== undefined && inputs.version !== "" ? parseReleaseTag(inputs.version) : undefined;
  if (environment.versionTagRequired && !parsed) {
    throw new SettingsError(`${env} deploys need a release tag: pass --version=vX.Y.Z (the git tag being released)`);
  }
  if (parsed?.prerelease !== undefined && !environment.allowPrerelease) {
    throw new SettingsError(
      `${env} does not accept pre-release ${parsed.tag}: deploy it to staging, or release a final vX.Y.Z`,
    );
  }
  if (inputs.gitRef !== undefined && inputs.gitRef !== "") {
    if (environment.deployFrom === "tag") {
      const expected = parsed ? `refs/tags/${parsed.tag}` : "refs/tags/vX.Y.Z";
      if (inputs.gitRef !== expected) {
        throw new SettingsError(
          `${env} deploys only from the release tag ${expected}, not ${JSON.stringify(inputs.gitRef.slice(0, 100))}: push the tag and deploy from it`,
        );
      }
    } else if (inputs.gitRef !== "refs/heads/main") {
      throw new SettingsError(
        `${env} deploys only from refs/heads/main, not ${JSON.stringify(inputs.gitRef.slice(0, 100))}: merge to main first`,
      );
    }
  }
  if (environment.versionTagRequired && parsed) {
    return {
      imageTags: [parsed.tag, "latest"],
      immutableTags: [parsed.tag],
      appVersion: parsed.tag,
      version: parsed.tag,
    };
  }
  if (inputs.gitSha === undefined || inputs.gitSha === "") {
    throw new SettingsError(`${env} deploys need the commit: pass --git-sha=$(git rev-parse HEAD)`);
  }
  const tag = stagingTag(parseGitSha(inputs.gitSha));
  return {
    imageTags: [tag],
    immutableTags: [tag],
    appVersion: parsed?.tag ?? tag,
    ...(parsed ? { version: parsed.tag } : {}),
  };
}

/**
 * Validates an image digest (`sha256:` + 64 hex), e.g. the one passed to promote.
 * @throws SettingsError otherwise.
 */
export function parseImageDigest(digest: string, argument = "--promote-digest"): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new SettingsError(
      `image digest ${JSON.stringify(digest.slice(0, 80))} is not sha256:<64 hex>: pass ${argument}=sha256:... from the staging deploy report`,
    );
  }
  return digest;
}

/** The notification target after validation: a URL, or none with the warning to put in the report. */
export interface ResolvedWebhook {
  readonly url?: string;
  readonly warning?: string;
}

/**
 * Resolves the Slack webhook: absent → no notification; empty (an unset CI secret arrives as "") → no
 * notification and a warning, never a refused deploy; otherwise validated as by `validateWebhookUrl`.
 */
export function resolveWebhook(url: string | undefined): ResolvedWebhook {
  if (url === undefined) return {};
  if (url.trim() === "") return { warning: "the Slack webhook is empty (an unset secret?): no notification was sent" };
  return { url: validateWebhookUrl(url) as string };
}

/**
 * Validates a Slack webhook URL without ever printing it: https, or http on loopback (tests).
 * @throws SettingsError (which never quotes the URL).
 */
export function validateWebhookUrl(url: string | undefined): string | undefined {
  if (url === undefined || url.trim() === "") return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SettingsError("Slack webhook is not a URL (value hidden): pass the incoming-webhook URL as a secret");
  }
  const loopback = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost" || parsed.hostname === "[::1]";
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    throw new SettingsError(
      "Slack webhook must be an https:// URL (value hidden): pass the incoming-webhook URL as a secret",
    );
  }
  return url;
}

/** Longest wait the pipeline accepts for any ECS wait: 6 h. */
export const MAX_WAIT_MS = 6 * 60 * 60 * 1000;
/** A wait must allow at least this many first-poll delays (60 s at the default 2 s pacing). */
export const MIN_WAIT_POLL_DELAYS = 30;

/** Timeouts and pacing to check together. */
export interface WaitBounds {
  readonly rolloutTimeoutMs?: number;
  readonly migrationTimeoutMs?: number;
  readonly rollbackTimeoutMs?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly factor?: number };
}

/**
 * Checks the poll pacing and every timeout before any call: a timeout shorter than 30 first-poll delays (60 s at
 * the default pacing) would end a healthy rollout, and a rollback that reused it would end the same way. Pure.
 * @throws SettingsError naming the argument.
 */
export function validateWaitBounds(settings: WaitBounds): void {
  const initialMs = settings.backoff?.initialMs ?? 2000;
  const maxMs = settings.backoff?.maxMs ?? 15000;
  const factor = settings.backoff?.factor ?? 1.5;
  if (!(Number.isFinite(initialMs) && initialMs >= 1 && Number.isFinite(maxMs) && maxMs >= initialMs))
    throw new SettingsError(`poll backoff must have 1 <= initialMs <= maxMs (got ${initialMs}, ${maxMs})`);
  if (!(Number.isFinite(factor) && factor >= 1 && factor <= 10))
    throw new SettingsError(`poll backoff factor must be between 1 and 10 (got ${factor})`);
  const min = MIN_WAIT_POLL_DELAYS * initialMs;
  const named = [
    ["rollout", "--rollout-timeout-seconds", settings.rolloutTimeoutMs],
    ["migration", "--migration-timeout-seconds", settings.migrationTimeoutMs],
    ["rollback", "--rollback-timeout-seconds", settings.rollbackTimeoutMs],
  ] as const;
  for (const [what, argument, value] of named) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < min || value > MAX_WAIT_MS)
      throw new SettingsError(
        `the ${what} timeout ${Number.isFinite(value) ? `${Math.round(value / 1000)} s` : String(value)} is outside ${Math.round(min / 1000)} s..${MAX_WAIT_MS / 3_600_000} h: fix ${argument}`,
      );
  }
}
