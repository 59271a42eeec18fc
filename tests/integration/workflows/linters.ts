/**
 * The two workflow linters, installed (pinned) by scripts/setup/workflow-linters.sh, and a runner that keeps their
 * exit code and output: shared by the suites that lint the real workflows and the templates.
 */
import { execFile, execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { ROOT } from "./workflow-files.js";

export interface Linters {
  readonly actionlint: string;
  readonly zizmor: string;
}

/** Installs the linters if needed (a no-op once cached) and returns their paths. */
export function installLinters(): Linters {
  const out = execFileSync("bash", [resolve(ROOT, "scripts/setup/workflow-linters.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const paths = Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => l.split("=", 2) as [string, string]),
  );
  return { actionlint: paths["actionlint"] ?? "", zizmor: paths["zizmor"] ?? "" };
}

/** Runs a linter from the repository root; a non-zero exit is a result, not an exception. */
export function runLinter(bin: string, args: string[]): Promise<{ code: number; output: string; stdout: string }> {
  return new Promise((done) => {
    execFile(bin, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      done({
        code: error ? (typeof error.code === "number" ? error.code : -1) : 0,
        output: `${stdout}${stderr}`,
        stdout,
      });
    });
  });
}
