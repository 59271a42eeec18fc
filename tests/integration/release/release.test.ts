/**
 * The release core against real git repositories built here and local HTTP stand-ins for the
 * GitHub and Docker Hub APIs (the real services are unreachable from this machine). The
 * stand-ins record every request, so "nothing was written" is checked, not assumed.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PipelineError, ReleaseError, SettingsError } from "../../../src/core/errors.js";
import { release, type ReleaseOptions } from "../../../src/core/release/release.js";
import { createGitRepo, serviceMain, type TestGitRepo } from "../../support/git-repo.js";
import { startDockerHubStandin, type DockerHubStandin } from "../../support/standins/docker-hub.js";
import { startGitHubStandin, type GitHubStandin } from "../../support/standins/github.js";

const REPOSITORY = "faultmaven/fm-auth-service";
const GITHUB_TOKEN = "ghs_standinTokenValue0123456789";
const DOCKER_USER = "fmbot";
const DOCKER_PASSWORD = "dckr_pat_standinSecret987";
const IMAGE = "faultmaven/auth-service";
const SECRETS = [GITHUB_TOKEN, DOCKER_PASSWORD];

let github: GitHubStandin;
let dockerHub: DockerHubStandin;
let repo: TestGitRepo;
/** Tags handed to the image publisher, in call order (the Dagger stage pushes them for real). */
let published: string[][];
/** The commit handed to the publisher with each call (the Dagger stage copies that commit's verified digest). */
let publishedCommits: string[];

beforeAll(async () => {
  github = await startGitHubStandin({ repository: REPOSITORY, token: GITHUB_TOKEN });
  dockerHub = await startDockerHubStandin({ username: DOCKER_USER, password: DOCKER_PASSWORD, repositories: [IMAGE] });
});
afterAll(async () => {
  await github.close();
  await dockerHub.close();
});
beforeEach(() => {
  github.requests.length = 0;
  github.releases.length = 0;
  dockerHub.requests.length = 0;
  dockerHub.descriptions.clear();
  dockerHub.tags.clear();
  published = [];
  publishedCommits = [];
  repo = createGitRepo();
});
afterEach(() => repo.remove());

function options(version: string, overrides: Partial<ReleaseOptions> = {}): ReleaseOptions {
  return {
    version,
    git: repo.dir,
    github: { repository: REPOSITORY, token: GITHUB_TOKEN, baseUrl: github.url },
    dockerHub: {
      repository: IMAGE,
      username: DOCKER_USER,
      password: DOCKER_PASSWORD,
      apiBaseUrl: dockerHub.url,
      shortDescription: "FaultMaven authentication service",
      publishImage: async (tags, commit) => {
        published.push([...tags]);
        publishedCommits.push(commit);
        // What the registry push leaves on Docker Hub (the Dagger stage pushes for real).
        for (const t of tags) dockerHub.tags.set(`${IMAGE}:${t}`, `sha256:${"0".repeat(64)}`);
        return tags.map((t) => `docker.io/${IMAGE}:${t}@sha256:${"0".repeat(64)}`);
      },
    },
    date: new Date("2026-11-28T12:00:00Z"),
    ...overrides,
  };
}

/** A service repo with one released version (v1.0.0) and a second batch of work on top. */
function historyWithTwoReleases(): { v1: string; head: string } {
  repo.commit("chore: initial import", { "enterprise/main.py": serviceMain("1.0.0"), "README.md": "# Auth service\n" });
  repo.commit("feat: password login");
  const v1 = repo.commit("chore: release 1.0.0", {
    "CHANGELOG.md": "# Changelog\n\n## [v1.0.0](https://example.invalid) (2026-01-01)\n\n- first\n",
  });
  repo.tag("v1.0.0");
  repo.branch("feature/sso");
  repo.commit("feat(sso): SAML login");
  repo.commit("random wip commit without a type");
  repo.checkout("main");
  repo.commit("fix(tokens): reject expired refresh tokens");
  repo.merge("feature/sso", "Merge pull request #7 from faultmaven/feature/sso");
  repo.commit("refactor(api)!: remove the /v1 routes\n\nBREAKING CHANGE: clients must call /v2");
  repo.commit("docs: describe SSO");
  const head = repo.commit("chore: bump version to 2.0.0", {
    "enterprise/main.py": serviceMain("2.0.0"),
    "README.md": "# Auth service\n\nNow with SSO.\n",
  });
  repo.tag("v2.0.0");
  return { v1, head };
}

function expectNoSecretIn(value: unknown): void {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe("release: successful runs", () => {
  it("first release: notes cover the whole history, GitHub release created, image tagged X.Y.Z and latest, description updated", async () => {
    repo.commit("chore: initial import", {
      "enterprise/main.py": serviceMain("0.1.0"),
      "README.md": "# Auth service\n",
    });
    repo.commit("feat: health endpoint");
    const head = repo.commit("fix: ready probe checks Redis");
    repo.tag("v0.1.0");

    const report = await release(options("v0.1.0"));

    expect(report).toMatchObject({
      tag: "v0.1.0",
      version: "0.1.0",
      prerelease: false,
      commit: head,
      previousTag: null,
      commitCount: 3,
      dryRun: false,
    });
    expect(report.changelog).toContain(
      "## [v0.1.0](https://github.com/faultmaven/fm-auth-service/releases/tag/v0.1.0) (2026-11-28)",
    );
    expect(report.changelog).toMatch(
      /### Features\n\n- health endpoint \(\[[0-9a-f]{7}\]\(https:\/\/github\.com\/faultmaven\/fm-auth-service\/commit\/[0-9a-f]{40}\)\)/,
    );
    expect(report.changelogFile.startsWith("# Changelog\n\n## [v0.1.0]")).toBe(true);
    expect(github.releases).toHaveLength(1);
    expect(github.releases[0]).toMatchObject({
      tag_name: "v0.1.0",
      prerelease: false,
      draft: false,
      body: report.changelog,
    });
    expect(report.githubRelease).toEqual({
      id: github.releases[0]!.id,
      url: github.releases[0]!.html_url,
      action: "created",
    });
    expect(published).toEqual([["0.1.0", "latest"]]);
    expect(report.dockerHub).toMatchObject({ repository: IMAGE, tags: ["0.1.0", "latest"], descriptionUpdated: true });
    expect(report.dockerHub?.published).toHaveLength(2);
    expect(dockerHub.descriptions.get(IMAGE)).toEqual({
      full_description: "# Auth service\n",
      description: "FaultMaven authentication service",
    });
    expectNoSecretIn(report);
  });

  it("normal release: notes since the previous tag, merges and non-conventional commits handled, breaking change first", async () => {
    const { head } = historyWithTwoReleases();

    const report = await release(options("v2.0.0"));

    expect(report.previousTag).toBe("v1.0.0");
    expect(report.commit).toBe(head);
    expect(report.commitCount).toBe(6); // the merge commit itself is not a changelog line
    const c = report.changelog;
    expect(c.split("\n")[0]).toBe(
      "## [v2.0.0](https://github.com/faultmaven/fm-auth-service/compare/v1.0.0...v2.0.0) (2026-11-28)",
    );
    const order = [
      "### ⚠ BREAKING CHANGES",
      "remove the /v1 routes — clients must call /v2",
      "### Features",
      "**sso:** SAML login",
      "### Bug Fixes",
      "**tokens:** reject expired refresh tokens",
      "### Other Changes",
    ];
    const positions = order.map((s) => c.indexOf(s));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(c).toContain("- random wip commit without a type (");
    expect(c).not.toContain("Merge pull request");
    expect(c).not.toContain("password login"); // released in v1.0.0
    expect(report.changelogFile).toMatch(/^# Changelog\n\n## \[v2\.0\.0\][\s\S]*## \[v1\.0\.0\]/);
    expect(github.releases.map((r) => [r.tag_name, r.prerelease])).toEqual([["v2.0.0", false]]);
    expect(published).toEqual([["2.0.0", "latest"]]);
    expect(dockerHub.descriptions.get(IMAGE)?.full_description).toBe("# Auth service\n\nNow with SSO.\n");
  });

  it("pre-release: marked prerelease on GitHub, never tagged latest on Docker Hub", async () => {
    repo.commit("chore: initial import", { "enterprise/main.py": serviceMain("1.0.0"), "README.md": "r" });
    repo.tag("v1.0.0");
    repo.commit("feat: MFA", { "enterprise/main.py": serviceMain("1.1.0-rc.1") });
    repo.tag("v1.1.0-rc.1");

    const report = await release(options("v1.1.0-rc.1"));

    expect(report).toMatchObject({ prerelease: true, previousTag: "v1.0.0", commitCount: 1 });
    expect(github.releases).toEqual([expect.objectContaining({ tag_name: "v1.1.0-rc.1", prerelease: true })]);
    expect(published).toEqual([["1.1.0-rc.1"]]);
    expect(report.dockerHub?.tags).toEqual(["1.1.0-rc.1"]);
  });

  it("rerun: updates the existing GitHub release in place, never a second one", async () => {
    historyWithTwoReleases();
    const first = await release(options("v2.0.0"));
    github.releases[0]!.body = "edited by hand";

    const second = await release(options("v2.0.0"));

    expect(github.releases).toHaveLength(1);
    expect(github.releases[0]!.body).toBe(second.changelog);
    expect(second.githubRelease).toEqual({
      id: first.githubRelease.id,
      url: first.githubRelease.url,
      action: "updated",
    });
    const releaseWrites = github.writes().map((r) => `${r.method} ${r.path}`);
    expect(releaseWrites).toEqual([
      `POST /repos/${REPOSITORY}/releases`,
      `PATCH /repos/${REPOSITORY}/releases/${first.githubRelease.id}`,
    ]);
  });

  it("rerun: an X.Y.Z tag already on Docker Hub is never pushed again and latest is not moved", async () => {
    historyWithTwoReleases();
    const first = await release(options("v2.0.0"));
    expect(first.dockerHub?.kept).toBeNull();
    expect(published).toEqual([["2.0.0", "latest"]]);

    const second = await release(options("v2.0.0"));
    expect(publishedCommits).toEqual([first.commit]);
    expect(published).toHaveLength(1);
    expect(second.dockerHub?.published).toEqual([]);
    expect(second.dockerHub?.kept).toBe(
      `${IMAGE}:2.0.0 already holds sha256:${"0".repeat(64)}: released tags never move, so nothing is pushed`,
    );
    expect(second.githubRelease.action).toBe("updated");
    expect(second.dockerHub?.descriptionUpdated).toBe(true);
  });

  it("an X.Y.Z tag someone else pushed is kept, and the tag lookup comes before every write", async () => {
    historyWithTwoReleases();
    dockerHub.tags.set(`${IMAGE}:2.0.0`, `sha256:${"e".repeat(64)}`);
    const report = await release(options("v2.0.0"));
    expect(published).toEqual([]);
    expect(report.dockerHub?.kept).toMatch(
      new RegExp(`:2\\.0\\.0 already holds sha256:e{64}: released tags never move`),
    );
    const calls = dockerHub.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls.indexOf(`GET /v2/repositories/${IMAGE}/tags/2.0.0`)).toBeLessThan(
      calls.indexOf(`PATCH /v2/repositories/${IMAGE}/`),
    );
    expect(github.releases).toHaveLength(1);
  });

  it("releases a given sha instead of HEAD", async () => {
    const { head } = historyWithTwoReleases();
    repo.commit("feat: later work, not released");
    const report = await release(options("v2.0.0", { commit: head }));
    expect(report.commit).toBe(head);
  });

  it("lightweight tags work like annotated ones", async () => {
    repo.commit("feat: x", { "enterprise/main.py": serviceMain("0.2.0"), "README.md": "r" });
    repo.tag("v0.2.0", { lightweight: true });
    await expect(release(options("v0.2.0"))).resolves.toMatchObject({ tag: "v0.2.0" });
  });

  it("dry run: every check and the notes, no write request", async () => {
    historyWithTwoReleases();
    const report = await release(options("v2.0.0", { dryRun: true }));
    expect(report.githubRelease.action).toBe("would-create");
    expect(report.changelog).toContain("### ⚠ BREAKING CHANGES");
    expect(github.writes()).toEqual([]);
    expect(published).toEqual([]);
    expect(github.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/${REPOSITORY}/releases/tags/v2.0.0`,
    ]);
    // The Docker Hub login checks the credentials and the tag lookup reads; nothing is written.
    expect(dockerHub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v2/users/login",
      `GET /v2/repositories/${IMAGE}/tags/2.0.0`,
    ]);
  });

  it("dry run of a rerun says the existing release would be updated", async () => {
    historyWithTwoReleases();
    const first = await release(options("v2.0.0"));
    const writesBefore = github.writes().length;
    const report = await release(options("v2.0.0", { dryRun: true }));
    expect(report.githubRelease).toEqual({ ...first.githubRelease, action: "would-update" });
    expect(github.writes()).toHaveLength(writesBefore);
  });
});

describe("release: refused before any request", () => {
  beforeEach(() => historyWithTwoReleases());

  type Case = [name: string, make: () => ReleaseOptions, kind: typeof PipelineError, message: RegExp];
  const cases: Case[] = [
    ["v1.2", () => options("v1.2"), SettingsError, /version "v1\.2" is not vMAJOR\.MINOR\.PATCH\[-pre\]/],
    ["1.2.3", () => options("1.2.3"), SettingsError, /version "1\.2\.3" does not start with 'v'/],
    ["v01.2.3", () => options("v01.2.3"), SettingsError, /no leading zeros/],
    ["v1.2.3+b.5", () => options("v1.2.3+b.5"), SettingsError, /build metadata/],
    ["tag missing", () => options("v2.1.0"), ReleaseError, /tag v2\.1\.0 does not exist in .*: create it/],
    [
      "tag not on the released commit",
      () => options("v1.0.0"),
      ReleaseError,
      /tag v1\.0\.0 points at [0-9a-f]{12} but the released commit is [0-9a-f]{12}/,
    ],
    [
      "unknown commit",
      () => options("v2.0.0", { commit: "deadbeef" }),
      SettingsError,
      /commit "deadbeef" does not exist/,
    ],
    [
      "version file missing",
      () => options("v2.0.0", { versionFile: "enterprise/other.py" }),
      ReleaseError,
      /version file enterprise\/other\.py is not in the commit/,
    ],
    [
      "GITHUB_TOKEN empty",
      () => options("v2.0.0", { github: { repository: REPOSITORY, token: "", baseUrl: github.url } }),
      SettingsError,
      /GITHUB_TOKEN is missing or empty/,
    ],
    [
      "GITHUB_TOKEN blank",
      () => options("v2.0.0", { github: { repository: REPOSITORY, token: "  \n", baseUrl: github.url } }),
      SettingsError,
      /GITHUB_TOKEN is missing or empty/,
    ],
    [
      "GITHUB_TOKEN missing",
      () => options("v2.0.0", { github: { repository: REPOSITORY, token: undefined, baseUrl: github.url } }),
      SettingsError,
      /GITHUB_TOKEN is missing or empty/,
    ],
    [
      "DOCKER_USERNAME missing",
      () => withDocker({ username: undefined }),
      SettingsError,
      /DOCKER_USERNAME is missing or empty/,
    ],
    ["DOCKER_PASSWORD empty", () => withDocker({ password: "" }), SettingsError, /DOCKER_PASSWORD is missing or empty/],
    [
      "bad GitHub repository",
      () => options("v2.0.0", { github: { repository: "no-slash", token: GITHUB_TOKEN, baseUrl: github.url } }),
      SettingsError,
      /GitHub repository "no-slash" is not owner\/repo/,
    ],
    [
      "bad Docker Hub repository",
      () => withDocker({ repository: "Auth" }),
      SettingsError,
      /Docker Hub repository "Auth"/,
    ],
    [
      "description file missing",
      () => withDocker({ descriptionFile: "DOCKERHUB.md" }),
      ReleaseError,
      /Docker Hub description file DOCKERHUB\.md is not in the commit/,
    ],
    ["not a git repository", () => options("v2.0.0", { git: "/" }), ReleaseError, /\/ is not a git repository/],
  ];

  function withDocker(patch: Record<string, unknown>): ReleaseOptions {
    const base = options("v2.0.0");
    return { ...base, dockerHub: { ...base.dockerHub!, ...patch } as ReleaseOptions["dockerHub"] };
  }

  it.each(cases)("%s: one-line error, zero requests recorded", async (_name, make, kind, message) => {
    const error = await release(make()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
    expectNoSecretIn((error as Error).message);
    expect(github.requests).toEqual([]);
    expect(dockerHub.requests).toEqual([]);
    expect(published).toEqual([]);
  });

  it("version string mismatch names the file and both versions", async () => {
    repo.commit("chore: forgot the bump", { "enterprise/main.py": serviceMain("2.0.0-dev") });
    repo.tag("v2.0.1");
    await expect(release(options("v2.0.1"))).rejects.toThrow(
      /^enterprise\/main\.py says __version__ = "2\.0\.0-dev" but the release is v2\.0\.1: set it to "2\.0\.1"/,
    );
    expect(github.requests).toEqual([]);
    expect(dockerHub.requests).toEqual([]);
  });
});

describe("release: refused by a service before any write", () => {
  beforeEach(() => historyWithTwoReleases());

  it("a GitHub token the API rejects fails on the read, with no write and no secret in the message", async () => {
    const error = await release(
      options("v2.0.0", { github: { repository: REPOSITORY, token: "ghs_wrong_token", baseUrl: github.url } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as Error).message).toMatch(
      /GitHub API: reading the release for v2\.0\.0 .* failed with HTTP 401 \(Bad credentials\): the token is invalid or expired/,
    );
    expect((error as Error).message).not.toContain("ghs_wrong_token");
    expect(github.writes()).toEqual([]);
    expect(published).toEqual([]);
    expect(dockerHub.requests).toEqual([]);
  });

  it("Docker Hub credentials the API rejects fail at login, before the image push and the GitHub release", async () => {
    const base = options("v2.0.0");
    const error = await release({ ...base, dockerHub: { ...base.dockerHub!, password: "wrong-password-123" } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReleaseError);
    expect((error as Error).message).toMatch(
      /^Docker Hub: logging in to Docker Hub as fmbot answered HTTP 401: check DOCKER_USERNAME\/DOCKER_PASSWORD/,
    );
    expect((error as Error).message).not.toContain("wrong-password-123");
    expect(dockerHub.writes(["/v2/users/login"])).toEqual([]);
    expect(github.writes()).toEqual([]);
    expect(published).toEqual([]);
  });

  it("a Docker Hub repository the account cannot write is reported after the GitHub release (the only late failure)", async () => {
    const base = options("v2.0.0");
    const error = await release({ ...base, dockerHub: { ...base.dockerHub!, repository: "someone/else" } }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(
      /^Docker Hub: updating the description of someone\/else answered HTTP 404/,
    );
    expect(github.releases).toHaveLength(1);
  });
});
