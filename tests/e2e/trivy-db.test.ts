/**
 * The rig's stand-in Trivy vulnerability DB (tests/e2e/rig/trivy-db/), reached from a Trivy container
 * run by the engine, the way the module's scan stage passes `--db-repository`.
 *
 * The stand-in is a valid schema-2 DB holding a few REAL public advisories and nothing else
 * (tests/e2e/rig/trivy-db/advisories.go): what it finds is true, what it does not find proves
 * nothing. Every run below starts with an empty Trivy cache, so each one downloads.
 *
 * Needs the rig up (its `up` runs tests/e2e/rig/trivy-db/publish.sh, which writes `trivyDb`):
 *   tests/e2e/rig/up && eval "$(tests/e2e/rig/env.sh)" \
 *     && npx vitest run --project e2e tests/e2e/trivy-db.test.ts
 */
import { readFileSync } from "node:fs";

import { type Container, dag, ReturnType } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type EngineSession, openSession, rigImages } from "./support/session.js";

/** Packages pinned to releases with published CVEs that the stand-in holds (requests CVE-2023-32681, urllib3 CVE-2023-43804). */
const REQUIREMENTS = "requests==2.19.0\nurllib3==1.23\n";
const CACHE = "/trivy-cache";

interface TrivyReport {
  SchemaVersion: number;
  ArtifactName: string;
  Results?: {
    Target: string;
    Type: string;
    Vulnerabilities?: { VulnerabilityID: string; PkgName: string; InstalledVersion: string; FixedVersion: string }[];
  }[];
}

interface Ran {
  exitCode: number;
  output: string;
  container: Container;
}

/** The value publish.sh wrote for containers on the engine (images.json `trivyDb`). */
function trivyDbRepository(): string {
  const images = JSON.parse(readFileSync(process.env.RIG_IMAGES_FILE ?? "", "utf8")) as { trivyDb?: unknown };
  if (typeof images.trivyDb !== "string") {
    throw new Error(`${process.env.RIG_IMAGES_FILE} has no "trivyDb": run tests/e2e/rig/trivy-db/publish.sh`);
  }
  return images.trivyDb;
}

/**
 * `trivy fs --scanners vuln` of a dir holding requirements.txt; never throws on exit code. The Trivy
 * cache is fresh unless `cacheVolume` names a cache volume to keep it in.
 */
async function scanRequirements(dbRepository?: string, cacheVolume?: string): Promise<Ran> {
  let base = dag.container().from(rigImages().trivy);
  if (cacheVolume) base = base.withMountedCache(CACHE, dag.cacheVolume(cacheVolume));
  const container = base
    .withNewFile("/scan/requirements.txt", REQUIREMENTS)
    // A new value per run: the engine must not serve an earlier run (or an earlier download) from cache.
    .withEnvVariable("CACHE_BUSTER", `${Date.now()}-${Math.random()}`)
    .withExec(
      [
        "trivy",
        "fs",
        "--scanners",
        "vuln",
        "--cache-dir",
        CACHE,
        "--no-progress",
        ...(dbRepository ? ["--db-repository", dbRepository] : []),
        "--format",
        "json",
        "--output",
        "/report.json",
        "/scan",
      ],
      { useEntrypoint: false, expect: ReturnType.Any },
    );
  const [exitCode, output] = await Promise.all([container.exitCode(), container.combinedOutput()]);
  return { exitCode, output, container };
}

let session: EngineSession;
beforeAll(async () => {
  session = await openSession("trivy-db");
});
afterAll(async () => {
  await session?.close();
});

describe("the stand-in Trivy DB on the rig's registry", () => {
  it("is named in images.json by a tag (no digest: --trivy-db-repository refuses one)", () => {
    expect(trivyDbRepository()).toMatch(/^[0-9.]+:\d+\/aquasecurity\/trivy-db:2$/);
  });

  it("downloads from the mirror, opens, scans requirements.txt and writes a JSON report", async () => {
    const repo = trivyDbRepository();
    const started = Date.now();
    const ran = await scanRequirements(repo);
    const seconds = (Date.now() - started) / 1000;
    expect(ran.exitCode, ran.output).toBe(0);
    expect(ran.output).toContain(`Downloading artifact...\trepo="${repo}"`);

    const report = JSON.parse(await ran.container.file("/report.json").contents()) as TrivyReport;
    expect(report.SchemaVersion).toBe(2);
    expect(report.ArtifactName).toBe("/scan");
    // The pip lockfile was found and matched against the DB's real advisories.
    expect(report.Results).toEqual([expect.objectContaining({ Target: "requirements.txt", Type: "pip" })]);
    const found = (report.Results?.[0]?.Vulnerabilities ?? []).map((v) => ({
      id: v.VulnerabilityID,
      pkg: v.PkgName,
      installed: v.InstalledVersion,
      fixed: v.FixedVersion,
    }));
    expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: "CVE-2023-32681", pkg: "requests", installed: "2.19.0", fixed: "2.31.0" },
      { id: "CVE-2023-43804", pkg: "urllib3", installed: "1.23", fixed: "1.26.17, 2.0.6" },
    ]);

    // What Trivy unpacked is the stand-in (schema 2, next update a century away), not a real DB.
    const metadata = JSON.parse(await ran.container.file(`${CACHE}/db/metadata.json`).contents()) as {
      Version: number;
      NextUpdate: string;
    };
    expect(metadata.Version).toBe(2);
    expect(new Date(metadata.NextUpdate).getUTCFullYear()).toBeGreaterThan(new Date().getUTCFullYear() + 50);
    console.log(`trivy fs with the stand-in DB (download + scan, fresh cache): ${seconds.toFixed(1)}s`);
  });

  it("is not reachable as the host sees it (127.0.0.1 inside a container is the container)", async () => {
    const hostView = trivyDbRepository().replace(/^[^/]+/, process.env.RIG_REGISTRY ?? "127.0.0.1:5000");
    const ran = await scanRequirements(hostView);
    expect(ran.exitCode).not.toBe(0);
    expect(ran.output).toMatch(/failed to download vulnerability DB/);
    expect(ran.output).toMatch(/connection refused/);
  });

  it("without --db-repository, the scan fails: Trivy's own DB registries are unreachable here", async () => {
    const started = Date.now();
    const ran = await scanRequirements();
    const seconds = (Date.now() - started) / 1000;
    expect(ran.exitCode).not.toBe(0);
    expect(ran.output).toMatch(/failed to download vulnerability DB/);
    // Trivy's default (first of its two defaults); it gives up there when the host does not resolve.
    expect(ran.output).toContain('Downloading artifact...\trepo="mirror.gcr.io/aquasec/trivy-db:2"');
    console.log(`trivy fs without a reachable DB fails after ${seconds.toFixed(1)}s`);
  });

  it("once in a Trivy cache, is used by later scans that name no repository (so caches must be kept apart)", async () => {
    // A cache volume of this test only: the pipeline's own Trivy cache is never touched here.
    const volume = `trivy-db-test-${Date.now()}`;
    const first = await scanRequirements(trivyDbRepository(), volume);
    expect(first.exitCode, first.output).toBe(0);
    // Trivy does not record where its DB came from: with NextUpdate ahead it just reuses the stand-in.
    const later = await scanRequirements(undefined, volume);
    expect(later.exitCode, later.output).toBe(0);
    expect(later.output).not.toContain("Downloading vulnerability DB");
  });
});
