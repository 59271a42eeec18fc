import { SourceLayoutError } from "./errors.js";

/** The stages that read the service's files. */
export type SourceStage = "lint" | "test" | "scan" | "build" | "rehearsal";

interface Requirement {
  path: (packageName: string) => string;
  stages: SourceStage[];
  fix: string;
}

/** What each stage needs from the service directory, and how to fix its absence. */
const REQUIREMENTS: Requirement[] = [
  {
    path: (pkg) => `${pkg}/__init__.py`,
    stages: ["lint", "test"],
    fix: "point --source at the service root or set --package-name to its Python package",
  },
  {
    path: () => "requirements-dev.txt",
    stages: ["lint", "test", "rehearsal"],
    fix: "add requirements-dev.txt pinning pytest, pytest-cov and the linters (black, isort, flake8, mypy, bandit)",
  },
  {
    path: () => "tests",
    stages: ["test"],
    fix: "add a tests/ directory with the unit, integration and security suites",
  },
  { path: () => "Dockerfile", stages: ["build"], fix: "add a Dockerfile at the service root" },
  {
    path: () => "alembic.ini",
    stages: ["rehearsal"],
    fix: "add alembic.ini (script_location = migrations) at the service root",
  },
];

/** The paths a set of stages needs, for the caller to look up in the source directory. */
export function requiredPaths(stages: SourceStage[], packageName: string): string[] {
  return REQUIREMENTS.filter((r) => r.stages.some((s) => stages.includes(s))).map((r) => r.path(packageName));
}

/**
 * Fails, before any container runs, when the source lacks what the given stages need.
 * `present` holds the required paths that exist. The message names every missing path and its fix.
 */
export function assertSourceLayout(stages: SourceStage[], packageName: string, present: ReadonlySet<string>): void {
  const missing = REQUIREMENTS.filter(
    (r) => r.stages.some((s) => stages.includes(s)) && !present.has(r.path(packageName)),
  );
  if (missing.length === 0) return;
  const details = missing.map((r) => `${r.path(packageName)} is missing (${r.fix})`).join("; ");
  throw new SourceLayoutError(`source directory does not have the expected layout: ${details}`);
}
