import { type Container, type Directory, type Secret, dag } from "@dagger.io/dagger";

import { ReleaseError } from "../core/errors.js";
import { checkReleaseEndpoints } from "../core/release/endpoints.js";
import { DEFAULT_IMAGES } from "../core/images.js";
import { GitCommandError, type GitRunner } from "../core/release/git.js";
import { release, type ReleaseReport } from "../core/release/release.js";
import { headerSafeToken } from "../core/tokens.js";
import { copyImageByDigest } from "./registry-copy.js";
import { secretOf } from "./secrets.js";
import type { VerifiedImage } from "./verified-image.js";

/**
 * What a release pushes: the digest staging verified, copied byte for byte (with AWS access), or an image the
 * module built (without).
 */
export type ReleaseImage = { readonly verified: VerifiedImage } | { readonly built: Container };

/** Inputs of {@link releaseStage}. */
export interface ReleaseStageOptions {
  /** The release tag, `v1.2.3` or `v1.2.3-rc.1`. */
  readonly version: string;
  /** The repository WITH its `.git` directory (history and tags). */
  readonly repo: Directory;
  /**
   * The release image to push to Docker Hub, for the released commit: the digest staging verified (copied byte
   * for byte) or, without AWS access, the module's `build()`. Called only once every check has passed, so a bad
   * tag or token fails in seconds, not after a build.
   */
  readonly image: (commit: string) => Promise<ReleaseImage>;
  readonly githubToken: Secret;
  readonly dockerUsername: Secret;
  readonly dockerPassword: Secret;
  /** GitHub `owner/repo` the release is created in. */
  readonly githubRepository: string;
  /** Docker Hub `namespace/name` the image is pushed to. */
  readonly dockerHubRepository: string;
  /** File holding `__version__`, relative to the repository root. @default "enterprise/main.py" */
  readonly versionFile?: string;
  /** Checks and notes only, no push and no API write. @default false */
  readonly dryRun?: boolean;
  /** The service's file that becomes the Docker Hub description, relative to the repository root. @default "README.md" */
  readonly descriptionFile?: string;
  /** An image with `git`: the repository is read by git in a container of it. @default DEFAULT_IMAGES.git */
  readonly gitImage?: string;
  /** An image with `skopeo`: the verified image is copied with it. @default DEFAULT_IMAGES.skopeo */
  readonly skopeoImage?: string;
  /** GitHub API root (GitHub Enterprise, tests). @default "https://api.github.com" */
  readonly githubApiUrl?: string;
  /** Docker Hub API root (tests). @default "https://hub.docker.com" */
  readonly dockerHubApiUrl?: string;
  /** Registry the image is pushed to, as image references name it. @default "docker.io" */
  readonly registry?: string;
}

/**
 * The Dagger side of a release: checks the endpoints and the tokens, reads the repository, turns the token Secrets
 * into in-memory strings for the API clients only (never into a container argument, variable, file or log), and
 * pushes the image: the verified digest with skopeo (the logins in an auth file mounted from a Secret), a built
 * image with `withRegistryAuth`. Every decision is in src/core/release.
 */
export async function releaseStage(options: ReleaseStageOptions): Promise<ReleaseReport> {
  const registry = options.registry ?? "docker.io";
  checkReleaseEndpoints({
    registry,
    dockerHubApiUrl: options.dockerHubApiUrl,
    githubApiUrl: options.githubApiUrl,
  });
  const [githubRaw, usernameRaw, passwordRaw] = await Promise.all([
    options.githubToken.plaintext(),
    options.dockerUsername.plaintext(),
    options.dockerPassword.plaintext(),
  ]);
  // Blank values go on as "" for the release's own "missing" error, which names the variable.
  const githubToken = headerSafeToken("--github-token", githubRaw) ?? "";
  const dockerUsername = headerSafeToken("--docker-username", usernameRaw) ?? "";
  const dockerPassword = headerSafeToken("--docker-password", passwordRaw) ?? "";
  const passwordSecret = secretOf(options.dockerPassword, passwordRaw, dockerPassword);
  const dockerLogin = { registry, username: dockerUsername, password: passwordSecret };
  const publishImage = async (tags: readonly string[], commit: string): Promise<string[]> => {
    const image = await options.image(commit);
    const push = async (tag: string): Promise<string> => {
      const to = `${registry}/${options.dockerHubRepository}:${tag}`;
      if ("built" in image) return image.built.withRegistryAuth(registry, dockerUsername, passwordSecret).publish(to);
      const { verified } = image;
      const stored = await copyImageByDigest({
        skopeoImage: options.skopeoImage ?? DEFAULT_IMAGES.skopeo,
        from: verified.reference,
        to,
        logins: [verified.login, dockerLogin],
      });
      if (stored !== verified.digest)
        throw new ReleaseError(
          `${registry} stored ${to} as ${stored}, not the verified digest ${verified.digest}: the copy changed the image`,
        );
      return `${to}@${stored}`;
    };
    const refs: string[] = [];
    // One tag at a time: `latest` is only moved once the version tag is known to be there.
    for (const tag of tags) refs.push(await push(tag));
    return refs;
  };
  const common = {
    version: options.version,
    github: {
      repository: options.githubRepository,
      token: githubToken,
      ...(options.githubApiUrl ? { baseUrl: options.githubApiUrl } : {}),
    },
    dockerHub: {
      repository: options.dockerHubRepository,
      username: dockerUsername,
      password: dockerPassword,
      publishImage,
      ...(options.descriptionFile ? { descriptionFile: options.descriptionFile } : {}),
      ...(options.dockerHubApiUrl ? { apiBaseUrl: options.dockerHubApiUrl } : {}),
    },
    ...(options.versionFile ? { versionFile: options.versionFile } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  };

  // git runs in a pinned container, never on the machine running the module: under `dagger call` that is the
  // TypeScript runtime's container, which has no git.
  const git = containerGit(options.gitImage ?? DEFAULT_IMAGES.git, options.repo);
  return release({ ...common, git, where: "the release source" });
}

/** Where the shell around git records git's own exit code (see {@link containerGit}). */
const GIT_EXIT_CODE_FILE = "/tmp/git-exit-code";

/**
 * A {@link GitRunner} that runs each git command in a container of `image` with the repository mounted.
 *
 * Dagger reads exit codes 128-191 as "killed by a signal" and fails the exec even with `expect: ANY`, but git exits
 * 128 on an ordinary fatal answer (a path missing at a commit), so a shell records git's exit code in a file and
 * always succeeds itself.
 */
export function containerGit(image: string, repo: Directory): GitRunner {
  const base = dag.container().from(image).withMountedDirectory("/repo", repo).withWorkdir("/repo");
  return async (args) => {
    const run = base.withExec([
      "sh",
      "-c",
      `git -c safe.directory='*' "$@"; echo "$?" > ${GIT_EXIT_CODE_FILE}`,
      "git",
      ...args,
    ]);
    const [code, stdout, stderr] = await Promise.all([
      run.file(GIT_EXIT_CODE_FILE).contents(),
      run.stdout(),
      run.stderr(),
    ]);
    const exitCode = Number(code.trim());
    if (exitCode !== 0) {
      const detail = stderr.trim().split("\n")[0] ?? "";
      throw new GitCommandError(`git ${args.join(" ")} failed in the release source: ${detail}`, exitCode);
    }
    return stdout;
  };
}
