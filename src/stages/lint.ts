import { dag, type Container, ReturnType } from "@dagger.io/dagger";

import { lintCommands, lintVerdict, type ToolRun } from "../core/lint.js";
import type { PipelineSettings } from "../core/settings.js";
import { withMypyCache } from "./mypy-cache.js";
import { settle, type StageOutcome } from "./outcome.js";

/**
 * Runs black, isort, flake8, mypy and bandit concurrently on one prepared container (mypy with its cache kept across
 * runs). Every tool always runs (a failing one never hides another); each tool's output lands in lint/<tool>.txt.
 */
export async function lintStage(
  python: Container,
  settings: PipelineSettings,
  hasTests: boolean,
): Promise<StageOutcome> {
  const commands = lintCommands({
    packageName: settings.packageName,
    hasTests,
    flake8MaxLineLength: settings.flake8MaxLineLength,
  });
  const runs: ToolRun[] = await Promise.all(
    Object.entries(commands).map(async ([tool, argv]) => {
      const container = tool === "mypy" ? withMypyCache(python, settings) : python;
      const ran = container.withExec(argv, { expect: ReturnType.Any });
      const [exitCode, output] = await Promise.all([ran.exitCode(), ran.combinedOutput()]);
      return { tool, exitCode, output };
    }),
  );
  let reports = dag.directory();
  for (const run of runs) reports = reports.withNewFile(`lint/${run.tool}.txt`, run.output);
  return settle(reports, () => lintVerdict(runs));
}
