import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A real git repository in a temp dir, built step by step by a test. */
export interface TestGitRepo {
  readonly dir: string;
  /** Writes `files` (path → content), stages everything and commits with `message`; returns the sha. */
  commit(message: string, files?: Record<string, string>): string;
  /** Creates an annotated tag (lightweight with `{ lightweight: true }`) on `ref` (default HEAD). */
  tag(name: string, options?: { ref?: string; lightweight?: boolean }): void;
  /** Creates and switches to a branch. */
  branch(name: string, from?: string): void;
  checkout(ref: string): void;
  /** Merges `branch` into the current branch with a merge commit; returns its sha. */
  merge(branch: string, message?: string): string;
  git(...args: string[]): string;
  remove(): void;
}

let clock = 1_700_000_000;

/** Creates an empty repository (default branch `main`) with a fixed identity and no user config. */
export function createGitRepo(): TestGitRepo {
  const dir = mkdtempSync(join(tmpdir(), "release-repo-"));
  const git = (...args: string[]): string => {
    clock += 60; // distinct, increasing commit dates keep `git log` order deterministic
    const date = `${clock} +0000`;
    return execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        HOME: dir,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "Release Test",
        GIT_AUTHOR_EMAIL: "release-test@example.invalid",
        GIT_COMMITTER_NAME: "Release Test",
        GIT_COMMITTER_EMAIL: "release-test@example.invalid",
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
  };
  git("init", "-q", "-b", "main");
  return {
    dir,
    git,
    commit(message, files = {}) {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      git("add", "-A");
      git("commit", "-q", "--allow-empty", "-m", message);
      return git("rev-parse", "HEAD").trim();
    },
    tag(name, options = {}) {
      const ref = options.ref ?? "HEAD";
      if (options.lightweight) git("tag", name, ref);
      else git("tag", "-a", name, "-m", `Release ${name}`, ref);
    },
    branch(name, from = "HEAD") {
      git("checkout", "-q", "-b", name, from);
    },
    checkout(ref) {
      git("checkout", "-q", ref);
    },
    merge(branch, message = `Merge branch '${branch}'`) {
      git("merge", "-q", "--no-ff", "-m", message, branch);
      return git("rev-parse", "HEAD").trim();
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service file holding the version, as the auth service spells it. */
export function serviceMain(version: string): string {
  return `"""FaultMaven Auth Service."""\nfrom fastapi import FastAPI\n\n__version__ = "${version}"\n\napp = FastAPI(version=__version__)\n`;
}
