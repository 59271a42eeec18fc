import { createHash } from "node:crypto";

import { CacheSharingMode, type Container, dag, type Directory, ReturnType } from "@dagger.io/dagger";

import type { PipelineSettings } from "../core/settings.js";
import { type TrivyRun, trivyVerdict } from "../core/trivy.js";
import { settle, type StageOutcome } from "./outcome.js";
import { SOURCE_EXCLUDES } from "./python.js";

const CACHE_DIR = "/root/.cache/trivy";
const OUT = "/out";

/**
 * Trivy with its DB in a cache volume. The volume is LOCKED: Trivy's DB update is not safe to run
 * twice at once, so concurrent scans queue on it instead of corrupting it.
 */
function trivy(settings: PipelineSettings): Container {
  return dag
    .container()
    .from(settings.images.trivy)
    .withMountedCache(CACHE_DIR, dag.cacheVolume(trivyCacheName(settings)), { sharing: CacheSharingMode.Locked })
    .withEnvVariable("TRIVY_NO_PROGRESS", "true")
    .withExec(["mkdir", "-p", OUT]);
}

/**
 * Trivy does not record where its cached DB came from, so one volume per DB repository: a DB from
 * a mirror must never answer a scan that asked for Trivy's default DB, or the reverse.
 */
function trivyCacheName(settings: PipelineSettings): string {
  if (!settings.trivyDbRepository) return "faultmaven-trivy";
  return `faultmaven-trivy-${createHash("sha256").update(settings.trivyDbRepository).digest("hex").slice(0, 12)}`;
}

/**
 * One Trivy run per scanner: the secret scanner needs no vulnerability DB, so a DB outage fails the
 * vulnerability part ("scanner failed") without hiding real secret findings. Each run writes JSON
 * (the verdict is read from it, not from an exit code) and SARIF (converted from that JSON).
 */
async function runTrivy(
  base: Container,
  command: "fs" | "image",
  target: string,
  prefix: string,
  settings: PipelineSettings,
): Promise<{ runs: TrivyRun[]; reports: Directory }> {
  let reports = dag.directory();
  const runs = await Promise.all(
    ["vuln", "secret"].map(async (scanners) => {
      const json = `${OUT}/${prefix}-${scanners}.json`;
      const ran = base.withExec(
        [
          "trivy",
          command,
          "--scanners",
          scanners,
          "--severity",
          settings.trivySeverities.join(","),
          "--cache-dir",
          CACHE_DIR,
          ...(scanners === "vuln" && settings.trivyDbRepository ? ["--db-repository", settings.trivyDbRepository] : []),
          "--format",
          "json",
          "--output",
          json,
          "--exit-code",
          "0",
          target,
        ],
        { expect: ReturnType.Any },
      );
      const [exitCode, output] = await Promise.all([ran.exitCode(), ran.combinedOutput()]);
      const reportJson = exitCode === 0 && (await ran.exists(json)) ? await ran.file(json).contents() : undefined;
      let files = dag.directory().withNewFile(`${prefix}-${scanners}.log`, output);
      if (reportJson !== undefined) {
        const sarif = ran.withExec([
          "trivy",
          "convert",
          "--format",
          "sarif",
          "--output",
          `${OUT}/${prefix}-${scanners}.sarif`,
          json,
        ]);
        files = files.withDirectory(".", sarif.directory(OUT), { include: [`${prefix}-${scanners}.*`] });
      }
      return { run: { scanners, exitCode, output, reportJson }, files };
    }),
  );
  for (const r of runs) reports = reports.withDirectory("scan", r.files);
  return { runs: runs.map((r) => r.run), reports };
}

/** Trivy filesystem scan of the source, `.trivyignore` respected (Trivy reads it from the workdir). */
export async function scanSourceStage(source: Directory, settings: PipelineSettings): Promise<StageOutcome> {
  const base = trivy(settings).withDirectory("/src", source, { exclude: SOURCE_EXCLUDES }).withWorkdir("/src");
  const { runs, reports } = await runTrivy(base, "fs", ".", "trivy-fs", settings);
  return settle(reports, () => trivyVerdict("source scan", runs, settings.trivySeverities));
}

/** Trivy scan of the built image (its OCI tarball), before anything is pushed. */
export async function scanImageStage(
  image: Container,
  source: Directory,
  settings: PipelineSettings,
): Promise<StageOutcome> {
  const base = trivy(settings)
    .withFile("/image.tar", image.asTarball())
    .withDirectory("/src", source, { include: [".trivyignore"] })
    .withWorkdir("/src");
  const { runs, reports } = await runTrivy(base, "image", "--input=/image.tar", "trivy-image", settings);
  return settle(reports, () => trivyVerdict("image scan", runs, settings.trivySeverities));
}
