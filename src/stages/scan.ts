import { createHash } from "node:crypto";

import { CacheSharingMode, type Container, dag, type Directory, ReturnType } from "@dagger.io/dagger";

import { SettingsError } from "../core/errors.js";
import type { PipelineSettings } from "../core/settings.js";
import { type TrivyRun, trivyVerdict } from "../core/trivy.js";
import {
  type DbInfo,
  dbCacheKey,
  type DbVersion,
  dbVersionFlags,
  parseDbMetadata,
  vulnScanScript,
} from "../core/trivyDb.js";
import { failedOutcome, settle, type StageOutcome } from "./outcome.js";
import { SOURCE_EXCLUDES } from "./python.js";
import { resolveDbVersion } from "./trivyDb.js";

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
 * The files that tell Trivy which findings are accepted: `.trivyignore` (ids, one per line), which
 * Trivy reads by itself, and `.trivyignore.yaml` (ids with paths, statements and expiry dates), which
 * it reads only when named.
 */
const IGNORE_FILES = [".trivyignore", ".trivyignore.yaml"];

/**
 * The arguments that make Trivy read the service's ignore file. With both files, .trivyignore may
 * hold only comments (a template); if it lists an id too, the service is refused, since Trivy reads one.
 */
async function ignoreFileArgs(source: Directory): Promise<string[]> {
  const [plain, yaml] = await Promise.all(IGNORE_FILES.map((file) => source.exists(file)));
  if (!yaml) return [];
  if (plain && listsAnId(await source.file(".trivyignore").contents())) {
    throw new SettingsError(
      "the service lists accepted findings in both .trivyignore and .trivyignore.yaml, and Trivy reads only one: merge them into one",
    );
  }
  return ["--ignorefile", ".trivyignore.yaml"];
}

/** Runs a scan with the service's ignore file; a refused pair of ignore files fails the stage before Trivy runs. */
async function withIgnoreFile(
  source: Directory,
  scan: (ignoreArgs: string[]) => Promise<StageOutcome>,
): Promise<StageOutcome> {
  let ignoreArgs: string[];
  try {
    ignoreArgs = await ignoreFileArgs(source);
  } catch (error) {
    return failedOutcome(dag.directory(), error); // nothing ran: nothing to report
  }
  return scan(ignoreArgs);
}

function listsAnId(trivyignore: string): boolean {
  return trivyignore.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

/** Where the vulnerability run copies the DB's metadata.json (its build date goes in the report). */
const DB_METADATA = `${OUT}/db-metadata.json`;

/**
 * One Trivy run per scanner: the secret scanner needs no vulnerability DB, so a DB outage fails the
 * vulnerability part ("scanner failed") without hiding real secret findings. Each run writes JSON
 * (the verdict is read from it, not from an exit code, and it lists what was suppressed) and SARIF
 * (converted from that JSON).
 *
 * Cache: the vulnerability run carries the DB version (its digest, or a per-call nonce when the
 * registry could not tell) as an input, so it is replayed only for the same source and the same
 * DB, and a changed DB replaces the cached one first (see vulnScanScript). The secret run depends on
 * the source and Trivy's image only, so replaying it is exact.
 */
async function runTrivy(
  base: Container,
  command: "fs" | "image",
  target: string,
  prefix: string,
  settings: PipelineSettings,
  dbVersion: DbVersion,
  ignoreArgs: string[],
): Promise<{ runs: TrivyRun[]; reports: Directory; db: DbInfo }> {
  const dbRepositoryArgs = settings.trivyDbRepository ? ["--db-repository", settings.trivyDbRepository] : [];
  let dbMetadata: string | undefined;
  const runs = await Promise.all(
    ["vuln", "secret"].map(async (scanners) => {
      const json = `${OUT}/${prefix}-${scanners}.json`;
      const argv = [
        "trivy",
        command,
        "--scanners",
        scanners,
        "--severity",
        settings.trivySeverities.join(","),
        "--cache-dir",
        CACHE_DIR,
        "--show-suppressed",
        ...ignoreArgs,
        ...(scanners === "vuln" ? [...dbRepositoryArgs, ...dbVersionFlags(dbVersion)] : []),
        ...(scanners === "vuln" && settings.trivyIgnoreUnfixed ? ["--ignore-unfixed"] : []),
        "--format",
        "json",
        "--output",
        json,
        "--exit-code",
        "0",
        target,
      ];
      const ran =
        scanners === "vuln"
          ? base.withEnvVariable("FAULTMAVEN_TRIVY_DB", dbCacheKey(dbVersion)).withExec(
              [
                "sh",
                "-c",
                vulnScanScript({
                  cacheDir: CACHE_DIR,
                  metadataOut: DB_METADATA,
                  version: dbVersion,
                  dbRepositoryArgs,
                }),
                "sh",
                ...argv,
              ],
              { expect: ReturnType.Any },
            )
          : base.withExec(argv, { expect: ReturnType.Any });
      const [exitCode, output] = await Promise.all([ran.exitCode(), ran.combinedOutput()]);
      const reportJson = exitCode === 0 && (await ran.exists(json)) ? await ran.file(json).contents() : undefined;
      if (scanners === "vuln" && (await ran.exists(DB_METADATA))) dbMetadata = await ran.file(DB_METADATA).contents();
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
  const db = parseDbMetadata(dbMetadata, dbVersion);
  let reports = dag.directory();
  for (const r of runs) reports = reports.withDirectory("scan", r.files);
  reports = reports.withNewFile(
    `scan/${prefix}-db.json`,
    JSON.stringify({ ...db, version: dbVersion }, null, 2) + "\n",
  );
  return { runs: runs.map((r) => r.run), reports, db };
}

/**
 * Trivy filesystem scan of the source, `.trivyignore` or `.trivyignore.yaml` respected (read from
 * the workdir). `dbVersion` is resolved here unless the caller (ci) resolved it once for both scans.
 */
export async function scanSourceStage(
  source: Directory,
  settings: PipelineSettings,
  dbVersion?: Promise<DbVersion>,
): Promise<StageOutcome> {
  return withIgnoreFile(source, async (ignoreArgs) => {
    const base = trivy(settings).withDirectory("/src", source, { exclude: SOURCE_EXCLUDES }).withWorkdir("/src");
    const version = await (dbVersion ?? resolveDbVersion(settings));
    const { runs, reports, db } = await runTrivy(base, "fs", ".", "trivy-fs", settings, version, ignoreArgs);
    return settle(reports, () => trivyVerdict("source scan", runs, settings.trivySeverities, db));
  });
}

/** Trivy scan of the built image (its OCI tarball), before anything is pushed. */
export async function scanImageStage(
  image: Container,
  source: Directory,
  settings: PipelineSettings,
  dbVersion?: Promise<DbVersion>,
): Promise<StageOutcome> {
  return withIgnoreFile(source, async (ignoreArgs) => {
    const base = trivy(settings)
      .withFile("/image.tar", image.asTarball())
      .withDirectory("/src", source.filter({ include: IGNORE_FILES }))
      .withWorkdir("/src");
    const version = await (dbVersion ?? resolveDbVersion(settings));
    const { runs, reports, db } = await runTrivy(
      base,
      "image",
      "--input=/image.tar",
      "trivy-image",
      settings,
      version,
      ignoreArgs,
    );
    return settle(reports, () => trivyVerdict("image scan", runs, settings.trivySeverities, db));
  });
}
