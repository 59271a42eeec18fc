/**
 * `dagger call release --dry-run` in module mode, on a real git repository passed as `--repo`: the module's own
 * container has no git, so every history question must be answered by git in the pinned git image (the rig's
 * stand-in). A tag on the released commit gets through every repository check; a tag on another commit is
 * refused with a message naming both commits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createGitRepo, type TestGitRepo } from "../support/git-repo.js";
import { type EngineSession, openSession } from "../e2e/support/session.js";
import {
  callError,
  callFunction,
  hostDirectory,
  secretArgument,
  serveModule,
  type Variable,
} from "./support/module.js";

let session: EngineSession;
let repo: TestGitRepo;

beforeAll(async () => {
  session = await openSession("module-release");
  await serveModule();
  repo = createGitRepo();
  repo.commit("chore: start", { "README.md": "service\n", "enterprise/main.py": '__version__ = "1.2.2"\n' });
  repo.tag("v1.2.2");
  repo.commit("feat: sign-in with passkeys", { "enterprise/passkeys.py": "ENABLED = True\n" });
  repo.commit("chore: release 1.2.3", { "enterprise/main.py": '__version__ = "1.2.3"\n' });
  repo.tag("v1.2.3");
});
afterAll(async () => {
  repo?.remove();
  await session?.close();
});

async function releaseArgs(version: string): Promise<Record<string, Variable>> {
  return {
    version: { type: "String", value: version },
    githubToken: await secretArgument(`release-gh-${version}`, "gh-token-for-a-dry-run"),
    dockerUsername: await secretArgument(`release-user-${version}`, "releaser"),
    dockerPassword: await secretArgument(`release-pass-${version}`, "docker-password-for-a-dry-run"),
    repo: await hostDirectory(repo.dir),
    dryRun: { type: "Boolean", value: true },
  };
}

describe("dagger call release --dry-run (module mode, git in a container)", () => {
  it("reads the tag, the released commit and the version file with git, then reaches the GitHub checks", async () => {
    const args = await releaseArgs("v1.2.3");
    const error = await callError(() => callFunction<string>("release", args));
    // Every repository check passed (they come first); what fails is the first request to GitHub, which is not
    // reachable from here. Any git failure would name git, the tag or the version file instead.
    expect(error.message).not.toMatch(/git is not installed|not a git repository|tag v1\.2\.3|__version__/);
    expect(error.message).toMatch(/github/i);
  });

  it("reads this repository through the defaultPath of --repo, .git included", async () => {
    const args = await releaseArgs("v0.0.1");
    delete args.repo;
    const error = await callError(() => callFunction<string>("release", args));
    // git answered from the repository's own history: the tag is missing, not the repository.
    expect(error.message).toContain("tag v0.0.1 does not exist in the release source");
  });

  it("refuses a tag that is not on the released commit, naming both commits", async () => {
    // A fresh directory: within one session the engine serves the same host path from its first snapshot.
    const moved = createGitRepo();
    moved.commit("chore: start", { "enterprise/main.py": '__version__ = "1.2.3"\n' });
    const tagged = moved.commit("chore: release 1.2.3", { "README.md": "service\n" });
    moved.tag("v1.2.3");
    moved.commit("fix: after the tag", { "enterprise/late.py": "LATE = True\n" });
    const args = { ...(await releaseArgs("v1.2.3")), repo: await hostDirectory(moved.dir) };
    const error = await callError(() => callFunction<string>("release", args));
    moved.remove();
    expect(error.message).toContain(`tag v1.2.3 points at ${tagged.slice(0, 12)} but the released commit is`);
  });
});
