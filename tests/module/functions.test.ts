/**
 * `dagger functions` in module mode: the engine loads this repository through its TypeScript SDK and
 * lists what the module's code registered. It must be exactly what the offline introspection fixture
 * says (names, docs, types, defaults, optional arguments), since that fixture is what users are promised.
 */
import { readFileSync } from "node:fs";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type EngineSession, openSession } from "../e2e/support/session.js";
import { engineSurface } from "./support/functions.js";
import { serveModule } from "./support/module.js";

interface FixtureSurface {
  objectName: string;
  constructorArgs: unknown[];
  functions: Array<{ name: string; cache?: string } & Record<string, unknown>>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/module-surface.json", import.meta.url), "utf8"),
) as FixtureSurface;

let session: EngineSession;
let loadSeconds: number;

beforeAll(async () => {
  session = await openSession("module-functions");
  ({ seconds: loadSeconds } = await serveModule());
  console.log(`module loaded (serve) in ${loadSeconds.toFixed(1)} s`);
});
afterAll(async () => session?.close());

describe("dagger functions (module mode)", () => {
  it("lists every function, argument, type, default and doc exactly as the offline fixture", async () => {
    const surface = await engineSurface(fixture.objectName);
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    // The engine does not expose cache policies; cache.test.ts checks them by behaviour.
    const expected = fixture.functions.map(({ cache: _cache, ...fn }) => fn).sort(byName);
    expect(surface.constructorArgs).toEqual(fixture.constructorArgs);
    expect([...surface.functions].sort(byName)).toEqual(expected);
  });
});
