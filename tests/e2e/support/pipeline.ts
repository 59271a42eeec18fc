import { dag } from "@dagger.io/dagger";

import type { RunReport } from "../../../src/core/report.js";
import { FaultmavenAuthPipeline } from "../../../src/index.js";
import { rigImages } from "./session.js";

export { BUNDLED_SERVICE, brokenCopy } from "../../support/service-copy.js";

/** Settings a test may change; images always come from the rig. */
export interface PipelineOverrides {
  coverageThreshold?: number;
  imageSizeLimitMb?: number;
  /** OCI repository of Trivy's vulnerability DB (the rig's stand-in, images.json `trivyDb`). @default Trivy's own (unreachable here) */
  trivyDbRepository?: string;
  /** Trivy --ignore-unfixed. @default false */
  trivyIgnoreUnfixed?: boolean;
}

/** The module's main object over a host directory, as `dagger call --source=<dir>` would build it. */
export function pipelineFor(dir: string, overrides: PipelineOverrides = {}): FaultmavenAuthPipeline {
  const images = rigImages();
  const source = dag.host().directory(dir, { exclude: [".venv", "**/__pycache__", ".pytest_cache", ".mypy_cache"] });
  return new FaultmavenAuthPipeline(
    source,
    undefined,
    undefined,
    overrides.coverageThreshold,
    overrides.imageSizeLimitMb,
    undefined,
    undefined,
    images.python,
    images.postgres,
    images.redis,
    images.trivy,
    overrides.trivyDbRepository,
    images.git,
    overrides.trivyIgnoreUnfixed,
    images.skopeo,
  );
}

/** Runs ci without failing, and returns its report (summary.json) and reports directory. */
export async function ciReport(pipeline: FaultmavenAuthPipeline): Promise<{ report: RunReport; files: string[] }> {
  const reports = await pipeline.ci("e2e", false);
  const report = JSON.parse(await reports.file("summary.json").contents()) as RunReport;
  return { report, files: await reports.glob("**/*") };
}

/** The error `ci` fails with (it must fail). */
export async function ciError(pipeline: FaultmavenAuthPipeline): Promise<Error> {
  try {
    await pipeline.ci("e2e", true);
  } catch (error) {
    return error as Error;
  }
  throw new Error("ci passed but was expected to fail");
}

export function stage(report: RunReport, name: string) {
  const found = report.stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name} in the report`);
  return found;
}
