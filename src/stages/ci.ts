import { type Container, dag, type Directory } from "@dagger.io/dagger";

import { aggregate, type RunReport, runStage, skippedStage, type StageResult, summaryTable } from "../core/report.js";
import type { PipelineSettings } from "../core/settings.js";
import { buildImage, verifyImage } from "./image.js";
import { lintStage } from "./lint.js";
import type { StageOutcome } from "./outcome.js";
import { pythonWithDevRequirements } from "./python.js";
import { rehearsalStage } from "./rehearsal.js";
import { type SnykOptions, snykStage } from "./snyk.js";
import { scanImageStage, scanSourceStage } from "./scan.js";
import { testStage } from "./test.js";
import { resolveDbVersion } from "./trivyDb.js";
import { codecovStage, codeScanningStage, type PreparedUploads } from "./uploads.js";

/** The whole CI run: the report of every stage and one directory holding every stage's reports. */
export interface CiRun {
  report: RunReport;
  reports: Directory;
}

/**
 * lint, test, scan, Snyk (with a token), the migration rehearsal and the image path (build with its size and alembic checks, then the image scan)
 * all at once. Every stage runs whatever the others did, except the image scan, which needs an image.
 * Then the optional uploads (Codecov, code scanning), which send whatever reports exist.
 * The reports directory holds each stage's reports plus summary.md and summary.json.
 */
export async function ciStage(
  source: Directory,
  settings: PipelineSettings,
  opts: { appVersion: string; uploads?: PreparedUploads; snyk?: SnykOptions; log?: (line: string) => void },
): Promise<CiRun> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const python = pythonWithDevRequirements(source, settings);
  const [hasTests, hasMigrations] = await Promise.all([source.exists("tests"), source.exists("alembic.ini")]);
  const collected: StageOutcome[] = [];
  // Resolved once: both scans judge with the same vulnerability DB.
  const dbVersion = resolveDbVersion(settings);

  const timed = async (name: string, stage: () => Promise<StageOutcome>): Promise<StageResult> => {
    const result = await runStage(name, async () => {
      const outcome = await stage();
      collected.push(outcome);
      if (outcome.error) throw outcome.error;
      return outcome.summary;
    });
    log(
      `[ci] ${name} ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s: ${result.summary.split("\n")[0]}`,
    );
    return result;
  };

  // The image path needs none of lint, test or scan: it starts at once, beside them. Only the
  // uploads (and publishing, outside ci) wait for every verdict.
  const imagePath = async (): Promise<StageResult[]> => {
    let image: Container | undefined;
    const build = await runStage("build", async () => {
      const built = buildImage(source, settings, opts.appVersion);
      const summary = await verifyImage(built, settings);
      image = built;
      return summary;
    });
    log(`[ci] build ${build.status} in ${(build.durationMs / 1000).toFixed(1)} s: ${build.summary.split("\n")[0]}`);
    const builtImage = image;
    const scanImage = builtImage
      ? await timed("scan-image", () => scanImageStage(builtImage, source, settings, dbVersion))
      : skippedStage("scan-image", "not run: the build stage failed");
    return [build, scanImage];
  };

  const snykToken = opts.snyk?.token;
  const [lint, test, scan, snyk, rehearsal, imageStages] = await Promise.all([
    timed("lint", () => lintStage(python, settings, hasTests)),
    timed("test", () => testStage(python, settings)),
    timed("scan", () => scanSourceStage(source, settings, dbVersion)),
    snykToken
      ? timed("snyk", () => snykStage(source, { ...opts.snyk, token: snykToken }))
      : Promise.resolve(skippedStage("snyk", "not run: no Snyk token given (--snyk-token)")),
    hasMigrations
      ? timed("migration-rehearsal", () => rehearsalStage(python, settings))
      : Promise.resolve(skippedStage("migration-rehearsal", "not run: the service has no alembic.ini")),
    imagePath(),
  ]);
  const verdicts = [lint, test, scan, snyk, rehearsal, ...imageStages];

  let reports = dag.directory();
  for (const outcome of collected) reports = reports.withDirectory(".", outcome.reports);
  const uploads = opts.uploads
    ? await Promise.all([
        codecovStage(reports, opts.uploads, settings.images.python),
        codeScanningStage(reports, opts.uploads),
      ])
    : [];
  for (const upload of uploads) log(`[ci] ${upload.name} ${upload.status}: ${upload.summary.split("\n")[0]}`);

  const report = aggregate([...verdicts, ...uploads], Date.now() - started);
  reports = reports
    .withNewFile("summary.md", summaryTable(report) + "\n")
    .withNewFile("summary.json", JSON.stringify(report, null, 2) + "\n");
  return { report, reports };
}
