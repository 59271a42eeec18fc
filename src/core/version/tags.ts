import { SettingsError } from "../errors.js";

/** A release version parsed from a git tag of the form `vMAJOR.MINOR.PATCH[-pre]`. */
export interface ReleaseVersion {
  /** The tag exactly as given, e.g. `v1.2.3-rc.1`. */
  readonly tag: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release identifiers after the `-`, e.g. `rc.1`; undefined for a final release. */
  readonly prerelease?: string;
}

// Numeric parts without leading zeros (semver 2.0 §2); pre-release identifiers are dot-separated
// alphanumerics and hyphens, numeric ones without leading zeros (§9). Build metadata (`+...`) is refused:
// it is ignored by semver precedence, so two different builds could claim the same version.
const NUMERIC = "(0|[1-9]\\d*)";
const PRE_ID = "(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)";
const RELEASE_TAG = new RegExp(`^v${NUMERIC}\\.${NUMERIC}\\.${NUMERIC}(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?$`);

/** Longest tag we accept: far above any real version, low enough that errors stay one line. */
const MAX_TAG_LENGTH = 64;

/**
 * Parses a strict release tag `vMAJOR.MINOR.PATCH[-pre]`.
 * @throws SettingsError (one line) for anything else: `v1.2`, `1.2.3`, `v1.2.3+b.5`, `v01.2.3`, `v1.2.3;id`.
 */
export function parseReleaseTag(tag: string): ReleaseVersion {
  const shown = JSON.stringify(tag.length > MAX_TAG_LENGTH ? `${tag.slice(0, MAX_TAG_LENGTH)}...` : tag);
  const hint = "use a tag like v1.2.3 or v1.2.3-rc.1 (vMAJOR.MINOR.PATCH[-pre], no leading zeros, no +build)";
  if (tag.length > MAX_TAG_LENGTH) throw new SettingsError(`version ${shown} is too long: ${hint}`);
  const match = RELEASE_TAG.exec(tag);
  if (!match) {
    const why = !tag.startsWith("v")
      ? "does not start with 'v'"
      : tag.includes("+")
        ? "carries build metadata '+...'"
        : "is not vMAJOR.MINOR.PATCH[-pre]";
    throw new SettingsError(`version ${shown} ${why}: ${hint}`);
  }
  const [, major, minor, patch, prerelease] = match;
  return {
    tag,
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    ...(prerelease === undefined ? {} : { prerelease }),
  };
}

/**
 * Validates a git commit sha (7 to 40 lowercase hex digits) and returns it.
 * @throws SettingsError when it is not one.
 */
export function parseGitSha(sha: string): string {
  if (!/^[0-9a-f]{7,40}$/.test(sha)) {
    const shown = JSON.stringify(sha.length > 48 ? `${sha.slice(0, 48)}...` : sha);
    throw new SettingsError(
      `git sha ${shown} is not 7-40 lowercase hex digits: pass the commit id, e.g. --git-sha=$(git rev-parse HEAD)`,
    );
  }
  return sha;
}

/** The staging image tag for a commit: `staging-<sha>` (the spec's tag). */
export function stagingTag(gitSha: string): string {
  return `staging-${parseGitSha(gitSha)}`;
}

/** Version strings the service may report for a deployed version: with and without the leading `v`. */
export function sameVersion(reported: string, expected: string): boolean {
  const strip = (v: string) => (/^v\d/.test(v) ? v.slice(1) : v);
  return strip(reported.trim()) === strip(expected.trim());
}
