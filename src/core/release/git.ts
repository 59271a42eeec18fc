import { execFile } from "node:child_process";
import { ReleaseError } from "../errors.js";

/** Runs one git command (arguments after `git`) in a repository and resolves with its stdout. */
export type GitRunner = (args: readonly string[]) => Promise<string>;

/** A failed git command; `exitCode` lets callers tell "not found" answers from real failures. */
export class GitCommandError extends ReleaseError {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
  ) {
    super(message);
  }
}

/**
 * A {@link GitRunner} over the host's `git` CLI in `dir` (execFile, no shell, so no argument is
 * ever interpreted). `safe.directory=*` because exported sources are often owned by another uid.
 */
export function hostGit(dir: string): GitRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(
        "git",
        ["-c", "safe.directory=*", "-C", dir, ...args],
        { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" } },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = typeof error.code === "number" ? error.code : undefined;
          if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            return reject(
              new GitCommandError("git is not installed on this machine: install git to run release", undefined),
            );
          }
          const detail = firstLine(stderr) || error.message;
          reject(new GitCommandError(`git ${args.join(" ")} failed in ${dir}: ${detail}`, code));
        },
      );
    });
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** A raw commit as git reports it. */
export interface RawCommit {
  /** Full 40-hex sha. */
  readonly sha: string;
  /** The whole commit message (subject, body, footers). */
  readonly message: string;
}

/** Read-only view of a repository: just the questions a release asks. */
export class GitRepository {
  constructor(private readonly git: GitRunner) {}

  /** The full sha `ref` resolves to as a commit, or `undefined` when it names nothing. */
  async commitOf(ref: string): Promise<string | undefined> {
    try {
      const out = await this.git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
      return out.trim() || undefined;
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode === 1) return undefined;
      throw error;
    }
  }

  /** Whether the directory is a git work tree with at least one commit. */
  async assertRepository(where: string): Promise<void> {
    try {
      await this.git(["rev-parse", "--git-dir"]);
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode !== undefined) {
        throw new ReleaseError(
          `${where} is not a git repository: release needs the source with its .git directory (tags and history)`,
        );
      }
      throw error;
    }
  }

  /** Tags whose commit is an ancestor of (or equal to) `sha`. */
  async tagsMergedInto(sha: string): Promise<string[]> {
    const out = await this.git(["tag", "--list", "--merged", sha]);
    return out
      .split("\n")
      .map((t) => t.trim())
      .filter(Boolean);
  }

  /** Non-merge commits in `from..to` (or all reachable from `to` when `from` is undefined), newest first. */
  async commitsBetween(from: string | undefined, to: string): Promise<RawCommit[]> {
    // Merge commits are skipped: the commits they bring in are listed themselves, and a
    // "Merge pull request #12" line would only repeat them under "Other changes".
    const range = from ? `${from}..${to}` : to;
    const out = await this.git(["log", "--no-merges", "--format=%H%x1f%B%x1e", range, "--"]);
    return out
      .split("\x1e")
      .map((record) => record.replace(/^\n+/, ""))
      .filter((record) => record.includes("\x1f"))
      .map((record) => {
        const [sha = "", message = ""] = record.split("\x1f");
        return { sha: sha.trim(), message: message.trim() };
      });
  }

  /** The content of `path` at commit `sha`, or `undefined` when the file is not in that commit. */
  async fileAt(sha: string, path: string): Promise<string | undefined> {
    try {
      return await this.git(["show", `${sha}:${path}`]);
    } catch (error) {
      if (error instanceof GitCommandError && error.exitCode === 128) return undefined;
      throw error;
    }
  }
}
