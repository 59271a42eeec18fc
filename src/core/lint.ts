import { StageFailedError } from "./errors.js";
import { indent, tail } from "./output.js";

/** One linter's run: its name, exit code and combined output. */
export interface ToolRun {
  tool: string;
  exitCode: number;
  output: string;
}

/** The five linters of the spec, as argv, over the package (and tests/ where the tool reads it). */
export function lintCommands(opts: {
  packageName: string;
  hasTests: boolean;
  flake8MaxLineLength: number;
}): Record<string, string[]> {
  const pkg = `${opts.packageName}/`;
  const both = opts.hasTests ? [pkg, "tests/"] : [pkg];
  return {
    black: ["black", "--check", ...both],
    isort: ["isort", "--check-only", ...both],
    flake8: ["flake8", ...both, `--max-line-length=${opts.flake8MaxLineLength}`],
    mypy: ["mypy", pkg, "--ignore-missing-imports"],
    bandit: ["bandit", "-r", pkg, "-ll"],
  };
}

/** Passes when every tool exited 0; otherwise one error listing every failing tool with its output tail. */
export function lintVerdict(runs: ToolRun[]): string {
  const failing = runs.filter((r) => r.exitCode !== 0);
  if (failing.length === 0) return `${runs.map((r) => r.tool).join(", ")}: all clean`;
  const names = failing.map((r) => `${r.tool} (exit ${r.exitCode})`).join(", ");
  const details = failing.map((r) => `${r.tool}:\n${indent(tail(r.output))}`).join("\n");
  throw new StageFailedError(
    `lint failed: ${names}; run the same commands locally (see README) and fix or auto-format\n${details}`,
    failing.map((r) => r.tool),
  );
}
