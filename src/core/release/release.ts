import { ReleaseError, SettingsError } from "../errors.js";
import { parseRepository, requireToken } from "../github/client.js";
import { GitHubReleases, type GitHubRelease } from "../github/releases.js";
import { prependChangelogSection, renderChangelogSection } from "./changelog.js";
import {
  dockerHubTags,
  loginToDockerHub,
  MAX_SHORT_DESCRIPTION,
  parseDockerHubRepository,
  type DockerHubSession,
} from "./docker-hub.js";
import { GitRepository, hostGit, type GitRunner } from "./git.js";
import { assertServiceVersion } from "./service-version.js";
import { parseReleaseVersion, previousReleaseTag } from "./version.js";

/** Docker Hub side of a release. */
export interface DockerHubReleaseOptions {
  /** `namespace/name`, for example `faultmaven/auth-service`. */
  readonly repository: string;
  /** DOCKER_USERNAME. */
  readonly username: string | undefined;
  /** DOCKER_PASSWORD (password or access token). Held in memory only. */
  readonly password: string | undefined;
  /**
   * Pushes the release image under each tag and resolves with the pushed references
   * (`docker.io/ns/name:1.2.3@sha256:...`). The Dagger stage provides it; called only after every check passed.
   * @default undefined (no image is pushed; the report lists none)
   */
  readonly publishImage?: (tags: readonly string[], commit: string) => Promise<readonly string[]>;
  /**
   * File (at the released commit) whose content becomes the Docker Hub full description.
   * @default "README.md"
   */
  readonly descriptionFile?: string;
  /** One-line Docker Hub description, at most 100 characters. @default undefined (unchanged) */
  readonly shortDescription?: string;
  /** Whether to update the Docker Hub description at all. @default true */
  readonly updateDescription?: boolean;
  /** Docker Hub API root. @default "https://hub.docker.com" */
  readonly apiBaseUrl?: string;
}

/** Everything {@link release} needs. */
export interface ReleaseOptions {
  /** The release tag: `v1.2.3` or `v1.2.3-rc.1`. */
  readonly version: string;
  /** The repository: a directory path (read with the host's git CLI) or a {@link GitRunner}. */
  readonly git: string | GitRunner;
  /** How to name the repository in messages. @default the directory path, or "the source" */
  readonly where?: string;
  /** The commit being released; the tag must point at it. @default "HEAD" */
  readonly commit?: string;
  /** GitHub repository `owner/repo`, GITHUB_TOKEN (contents: write) and API root. */
  readonly github: { readonly repository: string; readonly token: string | undefined; readonly baseUrl?: string };
  /** Docker Hub publish and description update. @default undefined (GitHub release only) */
  readonly dockerHub?: DockerHubReleaseOptions;
  /** File holding `__version__ = "X.Y.Z"`, which must equal the release. @default "enterprise/main.py" */
  readonly versionFile?: string;
  /** The changelog file whose content (at the released commit) the new section is added to. @default "CHANGELOG.md" */
  readonly changelogFile?: string;
  /** Release date for the changelog heading. @default now */
  readonly date?: Date;
  /** Run every check and build the notes, but make no write request. @default false */
  readonly dryRun?: boolean;
}

/** The outcome of {@link release}; JSON-serialisable and free of secrets. */
export interface ReleaseReport {
  readonly tag: string;
  readonly version: string;
  readonly prerelease: boolean;
  readonly commit: string;
  readonly previousTag: string | null;
  readonly commitCount: number;
  /** The release notes (one CHANGELOG.md section, markdown). */
  readonly changelog: string;
  /** The whole CHANGELOG.md with the section added, ready to commit. */
  readonly changelogFile: string;
  readonly githubRelease: {
    readonly id: number | null;
    readonly url: string | null;
    readonly action: "created" | "updated" | "would-create" | "would-update";
  };
  readonly dockerHub: {
    readonly repository: string;
    readonly tags: readonly string[];
    readonly published: readonly string[];
    /** Set when the version tag was already on Docker Hub: it is never pushed again (released tags never move). */
    readonly kept: string | null;
    readonly descriptionUpdated: boolean;
  } | null;
  readonly dryRun: boolean;
}

/** Everything {@link checkRelease} established; {@link release} only writes from it. */
interface ReleasePlan {
  readonly report: Omit<ReleaseReport, "githubRelease" | "dockerHub" | "dryRun">;
  readonly releases: GitHubReleases;
  readonly existing: GitHubRelease | undefined;
  readonly dockerTags: readonly string[];
  readonly dockerHubSession: DockerHubSession | undefined;
  /** Why the image is not pushed: the version tag already exists on Docker Hub. */
  readonly dockerKept: string | undefined;
  readonly fullDescription: string | undefined;
}

/**
 * Releases one version: checks the tag, the commit and the service's version string, builds the
 * changelog from Conventional Commits since the previous tag, then publishes the Docker Hub image
 * (`X.Y.Z`, plus `latest` for a stable release), creates or updates the GitHub release, and updates
 * the Docker Hub description. Every check runs before the first write request; a failed check
 * throws a one-line {@link SettingsError} or {@link ReleaseError} and changes nothing.
 */
export async function release(options: ReleaseOptions): Promise<ReleaseReport> {
  const plan = await checkRelease(options);
  const docker = options.dockerHub;
  if (options.dryRun) {
    return {
      ...plan.report,
      githubRelease: {
        id: plan.existing?.id ?? null,
        url: plan.existing?.url ?? null,
        action: plan.existing ? "would-update" : "would-create",
      },
      dockerHub: docker
        ? {
            repository: docker.repository,
            tags: plan.dockerTags,
            published: [],
            kept: plan.dockerKept ?? null,
            descriptionUpdated: false,
          }
        : null,
      dryRun: true,
    };
  }

  // Image first: a GitHub release must never announce an image that is not there.
  const published =
    docker?.publishImage && !plan.dockerKept ? await docker.publishImage(plan.dockerTags, plan.report.commit) : [];
  const githubRelease = await plan.releases.upsert(
    { tag: plan.report.tag, body: plan.report.changelog, prerelease: plan.report.prerelease },
    plan.existing,
  );
  if (docker && plan.dockerHubSession && plan.fullDescription !== undefined) {
    await plan.dockerHubSession.updateDescription({
      repository: docker.repository,
      fullDescription: plan.fullDescription,
      ...(docker.shortDescription !== undefined ? { shortDescription: docker.shortDescription } : {}),
    });
  }
  return {
    ...plan.report,
    githubRelease: { id: githubRelease.id, url: githubRelease.url, action: githubRelease.action },
    dockerHub: docker
      ? {
          repository: docker.repository,
          tags: plan.dockerTags,
          published: [...published],
          kept: plan.dockerKept ?? null,
          descriptionUpdated: plan.fullDescription !== undefined,
        }
      : null,
    dryRun: false,
  };
}

/** Every check and read of a release, in order: arguments, repository, then the services (reads and login only). */
async function checkRelease(options: ReleaseOptions): Promise<ReleasePlan> {
  // 1. Arguments and secrets: no I/O yet.
  const version = parseReleaseVersion(options.version);
  const githubToken = requireToken("GITHUB_TOKEN", options.github.token);
  parseRepository(options.github.repository, "GitHub repository");
  const docker = options.dockerHub;
  const dockerCredentials = docker ? checkDockerHubOptions(docker) : undefined;

  // 2. The repository: tag, commit, version string, history. Reads only.
  const where = options.where ?? (typeof options.git === "string" ? options.git : "the source");
  const repo = new GitRepository(typeof options.git === "string" ? hostGit(options.git) : options.git);
  await repo.assertRepository(where);
  const commit = await releasedCommit(repo, version.tag, options.commit ?? "HEAD", where);
  const versionFile = options.versionFile ?? "enterprise/main.py";
  assertServiceVersion({
    path: versionFile,
    content: await repo.fileAt(commit, versionFile),
    expected: version.version,
    tag: version.tag,
  });

  const previousTag = previousReleaseTag(version, await repo.tagsMergedInto(commit));
  const commits = await repo.commitsBetween(previousTag, commit);
  const changelog = renderChangelogSection({
    tag: version.tag,
    previousTag,
    date: (options.date ?? new Date()).toISOString().slice(0, 10),
    repository: options.github.repository,
    commits,
  });
  const changelogFile = prependChangelogSection(
    await repo.fileAt(commit, options.changelogFile ?? "CHANGELOG.md"),
    changelog,
    version.tag,
  );

  let fullDescription: string | undefined;
  if (docker && docker.updateDescription !== false) {
    const file = docker.descriptionFile ?? "README.md";
    fullDescription = await repo.fileAt(commit, file);
    if (fullDescription === undefined) {
      throw new ReleaseError(
        `Docker Hub description file ${file} is not in the commit tagged ${version.tag}: add it, or set descriptionFile / updateDescription=false`,
      );
    }
  }

  // 3. Services, reads and login only: a rejected token, an unknown repository or a wrong Docker
  //    Hub password fails here, before any write.
  const releases = new GitHubReleases({ ...options.github, token: githubToken });
  const existing = await releases.findByTag(version.tag);
  const dockerHubSession =
    docker && dockerCredentials
      ? await loginToDockerHub({
          ...dockerCredentials,
          ...(docker.apiBaseUrl !== undefined ? { baseUrl: docker.apiBaseUrl } : {}),
        })
      : undefined;

  // A version tag already on Docker Hub is never pushed again, nor is `latest` moved with it: a rerun after a
  // partial failure finishes the GitHub release and the description without touching the image users pull.
  const dockerTags = docker ? dockerHubTags(version) : [];
  const versionTag = dockerTags[0];
  const existingDigest =
    docker && dockerHubSession && versionTag
      ? await dockerHubSession.tagDigest(docker.repository, versionTag)
      : undefined;
  const dockerKept = existingDigest
    ? `${docker?.repository}:${versionTag} already holds ${existingDigest}: released tags never move, so nothing is pushed`
    : undefined;

  return {
    report: {
      tag: version.tag,
      version: version.version,
      prerelease: version.prerelease,
      commit,
      previousTag: previousTag ?? null,
      commitCount: commits.length,
      changelog,
      changelogFile,
    },
    releases,
    existing,
    dockerTags,
    dockerHubSession,
    dockerKept,
    fullDescription,
  };
}

function checkDockerHubOptions(docker: DockerHubReleaseOptions): { username: string; password: string } {
  const username = requireToken("DOCKER_USERNAME", docker.username);
  const password = requireToken("DOCKER_PASSWORD", docker.password);
  parseDockerHubRepository(docker.repository);
  if (docker.shortDescription !== undefined && docker.shortDescription.length > MAX_SHORT_DESCRIPTION) {
    throw new SettingsError(
      `Docker Hub short description is ${docker.shortDescription.length} characters: Docker Hub allows ${MAX_SHORT_DESCRIPTION}`,
    );
  }
  return { username, password };
}

/** The full sha of `ref`, which the release tag must point at. */
async function releasedCommit(repo: GitRepository, tag: string, ref: string, where: string): Promise<string> {
  const commit = await repo.commitOf(ref);
  if (!commit) {
    throw new SettingsError(`commit "${ref}" does not exist in ${where}: pass a sha or ref of the released commit`);
  }
  const tagged = await repo.commitOf(`refs/tags/${tag}`);
  if (!tagged) {
    throw new ReleaseError(
      `tag ${tag} does not exist in ${where}: create it on the release commit (git tag -a ${tag} -m "Release ${tag}") and fetch tags (fetch-depth: 0)`,
    );
  }
  if (tagged !== commit) {
    throw new ReleaseError(
      `tag ${tag} points at ${tagged.slice(0, 12)} but the released commit is ${commit.slice(0, 12)}: release the tagged commit or move the tag`,
    );
  }
  return commit;
}
