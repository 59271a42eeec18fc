import type { Directory } from "@dagger.io/dagger";

import { assertSourceLayout, requiredPaths, type SourceStage } from "../core/layout.js";
import { type PipelineSettings, type RawSettings, resolveSettings, settingsFromPyproject } from "../core/settings.js";

/**
 * Resolves the settings (arguments over the service's `[tool.faultmaven-pipeline]` table over
 * defaults) and checks that the source has what the stages need, before any container runs.
 */
export async function loadSettings(
  source: Directory,
  args: RawSettings,
  stages: SourceStage[],
): Promise<PipelineSettings> {
  const pyproject = (await source.exists("pyproject.toml"))
    ? await source.file("pyproject.toml").contents()
    : undefined;
  const settings = resolveSettings(args, settingsFromPyproject(pyproject));
  const paths = requiredPaths(stages, settings.packageName);
  const present = await Promise.all(paths.map(async (p) => ((await source.exists(p)) ? p : undefined)));
  assertSourceLayout(stages, settings.packageName, new Set(present.filter((p): p is string => !!p)));
  return settings;
}
