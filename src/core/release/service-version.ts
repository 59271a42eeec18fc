import { ReleaseError } from "../errors.js";

// `__version__ = "1.2.3"` (either quote style, optional type annotation), anywhere at line start.
const VERSION_ASSIGNMENT = /^__version__\s*(?::\s*str\s*)?=\s*(["'])([^"'\n]*)\1/m;

/**
 * Checks that the service's own version string equals the release version, so the image and
 * `GET /` never report a version other than the tag. `content` is `undefined` when the file is absent.
 * Throws a one-line {@link ReleaseError} naming `path` otherwise.
 */
export function assertServiceVersion(options: {
  path: string;
  content: string | undefined;
  expected: string;
  tag: string;
}): void {
  const { path, content, expected, tag } = options;
  if (content === undefined) {
    throw new ReleaseError(
      `version file ${path} is not in the commit tagged ${tag}: set versionFile to the file holding __version__`,
    );
  }
  const found = VERSION_ASSIGNMENT.exec(content)?.[2];
  if (found === undefined) {
    throw new ReleaseError(`${path} has no __version__ = "X.Y.Z" line: add __version__ = "${expected}" and tag again`);
  }
  if (found !== expected) {
    throw new ReleaseError(
      `${path} says __version__ = "${found}" but the release is ${tag}: set it to "${expected}", commit, and move the tag to that commit`,
    );
  }
}
