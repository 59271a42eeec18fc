/**
 * The dev-requirements install is the head of lint, test and the rehearsal: on the engine rig, a change to any other
 * file must reuse it, and a change to a requirements file must redo it. The install's identity is read from the
 * installed files' modification time (nanoseconds): a reused layer keeps it, a reinstall writes a new one.
 */
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { resolveSettings } from "../../src/core/settings.js";
import { pythonWithDevRequirements } from "../../src/stages/python.js";
import { brokenCopy } from "./support/pipeline.js";
import { type EngineSession, openSession, rigImages } from "./support/session.js";

let session: EngineSession;
beforeAll(async () => {
  session = await openSession("dependency-layer");
});
afterAll(async () => {
  await session?.close();
});

const PROBE = [
  "python",
  "-c",
  "import pathlib, pytest; print(pathlib.Path(pytest.__file__).stat().st_mtime_ns, pathlib.Path('/src/marker.txt').read_text())",
];

/** When pytest was installed in the container that holds `dir`, and the marker file it sees. */
async function installedAndMarker(dir: string): Promise<{ installedAt: string; marker: string }> {
  const settings = resolveSettings({ pythonImage: rigImages().python });
  const source = dag.host().directory(dir, { exclude: [".venv", "**/__pycache__"] });
  const output = await pythonWithDevRequirements(source, settings).withExec(PROBE).stdout();
  const [installedAt = "", marker = ""] = output.trim().split(" ");
  return { installedAt, marker };
}

describe("the dev-requirements layer", () => {
  it("is reused when only source files change, and redone when a requirements file changes", async () => {
    const run = Date.now();
    const first = await installedAndMarker(brokenCopy({ "marker.txt": `a-${run}` }));
    const sourceChanged = await installedAndMarker(
      brokenCopy({ "marker.txt": `b-${run}`, "enterprise/bench_marker.py": `"""Changed ${run}."""\n` }),
    );
    const requirementsChanged = await installedAndMarker(
      brokenCopy({ "marker.txt": `c-${run}`, "requirements-dev.txt": (old) => `${old}\n# changed ${run}\n` }),
    );

    // Each container holds its own source...
    expect([first.marker, sourceChanged.marker, requirementsChanged.marker]).toEqual([
      `a-${run}`,
      `b-${run}`,
      `c-${run}`,
    ]);
    // ...on the same installed dependencies, until a requirements file changes.
    expect(sourceChanged.installedAt).toBe(first.installedAt);
    expect(requirementsChanged.installedAt).not.toBe(first.installedAt);
  });
});
