/**
 * mypy's cache is kept across runs in a cache volume. A run must still see every change, even an edit of the same
 * size whose file carries the same modification time as the cached one: mypy trusts such a module without reading
 * it, so the pipeline gives each source a time derived from its content.
 */
import { utimesSync } from "node:fs";
import { join } from "node:path";

import { CacheSharingMode, dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { resolveSettings } from "../../src/core/settings.js";
import { lintStage } from "../../src/stages/lint.js";
import { mypyCacheVolume } from "../../src/stages/mypy-cache.js";
import { pythonWithDevRequirements } from "../../src/stages/python.js";
import { brokenCopy } from "./support/pipeline.js";
import { type EngineSession, openSession, rigImages } from "./support/session.js";

let session: EngineSession;
beforeAll(async () => {
  session = await openSession("mypy-cache");
});
afterAll(async () => {
  await session?.close();
});

const PROBE = "enterprise/cache_probe.py";
/** The entries of mypy's cache for one Python version (mypy 2 keeps it in SQLite shards, one row per file). */
const listCached = (pythonVersion: string) => `import glob, sqlite3
for shard in glob.glob("/cache/${pythonVersion}/cache.*.db"):
    for (path,) in sqlite3.connect(shard).execute("SELECT path FROM files2"):
        print(path)
`;

describe("mypy's cache across runs", () => {
  it("is written by one run and read by the next, which still catches an edit of the same size and time", async () => {
    const settings = resolveSettings({ pythonImage: rigImages().python });
    const run = Date.now();
    const module = (returns: string) => `"""Cache probe ${run}."""\n\n\ndef probe() -> ${returns}:\n    return 1\n`;
    const typed = brokenCopy({ [PROBE]: module("int") });
    const mistyped = brokenCopy({ [PROBE]: module("str") }); // same size: "str" for "int"
    const sameTime = new Date(run - (run % 1000));
    for (const dir of [typed, mistyped]) utimesSync(join(dir, PROBE), sameTime, sameTime);

    const mypyOutput = async (dir: string) => {
      const source = dag.host().directory(dir, { exclude: [".venv", "**/__pycache__", ".mypy_cache"] });
      const outcome = await lintStage(pythonWithDevRequirements(source, settings), settings, true);
      return outcome.reports.file("lint/mypy.txt").contents();
    };

    expect(await mypyOutput(typed)).toMatch(/^Success: no issues found/m);
    const cached = await dag
      .container()
      .from(settings.images.python)
      .withEnvVariable("RUN", String(run))
      .withMountedCache("/cache", mypyCacheVolume(settings), { sharing: CacheSharingMode.Private })
      .withExec(["python", "-c", listCached(settings.pythonVersion)])
      .stdout();
    expect(cached).toMatch(/^enterprise\/cache_probe\.meta\./m);

    expect(await mypyOutput(mistyped)).toMatch(
      /cache_probe\.py:5: error: Incompatible return value type \(got "int", expected "str"\)/,
    );
  });
});
