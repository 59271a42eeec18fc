import semver from "semver";
import { SettingsError } from "../errors.js";

/** A release version, parsed from a tag such as `v1.2.3` or `v1.2.3-rc.1`. */
export interface ReleaseVersion {
  /** The git tag, with its `v` prefix: `v1.2.3-rc.1`. */
  readonly tag: string;
  /** The version without the prefix, as the service and Docker Hub spell it: `1.2.3-rc.1`. */
  readonly version: string;
  /** True for any pre-release suffix (`-beta.1`, `-rc.2`, ...): GitHub marks it pre-release, Docker Hub gets no `latest`. */
  readonly prerelease: boolean;
}

// The `v` prefix is required and build metadata (`+...`) is refused: a tag names exactly one
// image tag, and Docker tags cannot carry `+`. semver.valid() then rejects leading zeros and
// malformed pre-release identifiers, which a hand-written regex tends to get wrong.
const STRICT_TAG = /^v(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/**
 * Parses a release tag strictly: `vMAJOR.MINOR.PATCH` with an optional `-pre.release` suffix.
 * `v1.2`, `1.2.3`, `v01.2.3` and `v1.2.3+build.5` are refused with a one-line {@link SettingsError}.
 */
export function parseReleaseVersion(tag: string): ReleaseVersion {
  const hint = "use a tag like v1.2.3 or v1.2.3-rc.1";
  if (typeof tag !== "string" || tag.trim() === "") {
    throw new SettingsError(`release version is missing: ${hint}`);
  }
  if (tag.includes("+")) {
    throw new SettingsError(
      `release version "${tag}" carries build metadata (+...), which image tags cannot hold: ${hint}`,
    );
  }
  if (!tag.startsWith("v")) {
    throw new SettingsError(`release version "${tag}" must start with "v": ${hint}`);
  }
  const version = tag.slice(1);
  if (!STRICT_TAG.test(tag) || semver.valid(version, { loose: false }) !== version) {
    throw new SettingsError(
      `release version "${tag}" is not strict semver vMAJOR.MINOR.PATCH[-pre] (no leading zeros): ${hint}`,
    );
  }
  return { tag, version, prerelease: semver.prerelease(version) !== null };
}

/** Whether `tag` is a release tag in the strict form {@link parseReleaseVersion} accepts. */
export function isReleaseTag(tag: string): boolean {
  try {
    parseReleaseVersion(tag);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tag the changelog starts from: the highest release tag below `current` among `tags`.
 * A stable release looks back to the previous stable one (its notes cover its own pre-releases);
 * a pre-release looks back to the nearest tag of any kind. `undefined` on a first release.
 */
export function previousReleaseTag(current: ReleaseVersion, tags: readonly string[]): string | undefined {
  const candidates = tags
    .filter(isReleaseTag)
    .map((t) => parseReleaseVersion(t))
    .filter((v) => semver.lt(v.version, current.version))
    .filter((v) => current.prerelease || !v.prerelease);
  candidates.sort((a, b) => semver.rcompare(a.version, b.version));
  return candidates[0]?.tag;
}
