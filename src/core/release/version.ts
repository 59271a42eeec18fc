import semver from "semver";
import { SettingsError } from "../errors.js";
import { parseReleaseTag } from "../version/tags.js";

/** A release version, parsed from a tag such as `v1.2.3` or `v1.2.3-rc.1`. */
export interface ReleaseVersion {
  /** The git tag, with its `v` prefix: `v1.2.3-rc.1`. */
  readonly tag: string;
  /** The version without the prefix, as the service and Docker Hub spell it: `1.2.3-rc.1`. */
  readonly version: string;
  /** True for any pre-release suffix (`-beta.1`, `-rc.2`, ...): GitHub marks it pre-release, Docker Hub gets no `latest`. */
  readonly prerelease: boolean;
}

/**
 * Parses a release tag strictly: `vMAJOR.MINOR.PATCH` with an optional `-pre.release` suffix.
 * The grammar is the deploy's own ({@link parseReleaseTag}), so a tag that can be released can be
 * deployed and the reverse: `v1.2`, `1.2.3`, `v01.2.3` and `v1.2.3+build.5` are refused with a
 * one-line {@link SettingsError}.
 */
export function parseReleaseVersion(tag: string): ReleaseVersion {
  if (typeof tag !== "string" || tag.trim() === "") {
    throw new SettingsError("release version is missing: use a tag like v1.2.3 or v1.2.3-rc.1");
  }
  const parsed = parseReleaseTag(tag);
  return { tag, version: tag.slice(1), prerelease: parsed.prerelease !== undefined };
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
