/**
 * `release` reads the repository with git in a container of the pinned git image (the rig's stand-in): the
 * answers the release checks rely on must come back as git gave them, "not found" included. git answers a path
 * missing at a commit with exit code 128, which Dagger reads as a signal and fails even with `expect: ANY`.
 */
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GitCommandError, GitRepository } from "../../src/core/release/git.js";
import { containerGit } from "../../src/stages/release.js";
import { createGitRepo, type TestGitRepo } from "../support/git-repo.js";
import { type EngineSession, openSession, rigImages } from "./support/session.js";

let session: EngineSession;
let repo: TestGitRepo;
let sha: string;

beforeAll(async () => {
  session = await openSession("release-git");
  repo = createGitRepo();
  sha = repo.commit("chore: start", { "enterprise/main.py": '__version__ = "1.0.0"\n' });
  repo.tag("v1.0.0");
});
afterAll(async () => {
  repo?.remove();
  await session?.close();
});

describe("git in the pinned container (client mode)", () => {
  it("answers reads, a missing ref (exit 1) and a path missing at a commit (exit 128)", async () => {
    const git = containerGit(rigImages().git, dag.host().directory(repo.dir));
    const repository = new GitRepository(git);
    expect(await repository.commitOf("refs/tags/v1.0.0")).toBe(sha);
    expect(await repository.commitOf("refs/tags/v9.9.9")).toBeUndefined();
    expect(await repository.fileAt(sha, "enterprise/main.py")).toBe('__version__ = "1.0.0"\n');
    expect(await repository.fileAt(sha, "CHANGELOG.md")).toBeUndefined();
    const failure = await git(["show", "no-such-ref"]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitCommandError);
    expect((failure as GitCommandError).exitCode).toBe(128);
  });
});
