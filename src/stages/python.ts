import { dag, type Container, type Directory } from "@dagger.io/dagger";

import type { PipelineSettings } from "../core/settings.js";

/** Paths never copied into a build container: VCS data and local virtualenvs/caches. */
export const SOURCE_EXCLUDES = [".git", ".venv", "**/__pycache__", ".mypy_cache", ".pytest_cache", "htmlcov"];

/**
 * A Python container with the service's dev requirements installed and its source at /src.
 * The requirement files are copied first, so a source-only change reuses the installed layer, and
 * pip's download cache lives in a cache volume shared by runs. pip byte-compiles what it installs, once, into that
 * layer: the nine Python processes of a run (linters, suites, rehearsal) load sqlalchemy, fastapi and the rest from
 * bytecode instead of each compiling them again (PYTHONDONTWRITEBYTECODE only stops them writing their own).
 */
export function pythonWithDevRequirements(source: Directory, settings: PipelineSettings): Container {
  // filter(), not withDirectory(include): the engine keys a filtered host directory by the content it keeps, so the
  // install below stays cached while any other file changes (withDirectory's result is keyed by the whole source).
  const requirementFiles = source.filter({ include: ["requirements*.txt", "constraints*.txt"] });
  return dag
    .container()
    .from(settings.images.python)
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
    .withMountedCache("/root/.cache/pip", dag.cacheVolume(`faultmaven-pip-${settings.pythonVersion}`))
    .withDirectory("/src", requirementFiles)
    .withWorkdir("/src")
    .withExec(["pip", "install", "-r", "requirements-dev.txt"])
    .withDirectory("/src", source, { exclude: SOURCE_EXCLUDES });
}
