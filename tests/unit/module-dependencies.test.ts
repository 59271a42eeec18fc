import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

/**
 * Under `dagger call` the TypeScript SDK runtime installs the module with `npm install --omit=dev` from
 * the lock file: a package that src/ needs at run time but that is only a devDependency is missing there,
 * and every call fails (client mode, with the whole dev tree installed, never notices).
 */
const ROOT = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, "src"), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(
      /^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms,
    )) {
      if (specifier!.startsWith(".") || specifier!.startsWith("node:")) continue;
      const parts = specifier!.split("/");
      const name = specifier!.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
      if (!found.has(name)) found.set(name, file.slice(ROOT.length + 1));
    }
  }
  return found;
}

describe("module dependencies (what the module runtime installs)", () => {
  it("pins TypeScript as a production dependency: the SDK's library imports it at run time", () => {
    expect(pkg.dependencies.typescript).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies.typescript).toBeUndefined();
  });

  it("has every package that src/ imports in dependencies, never only in devDependencies", () => {
    const imported = importedPackages();
    expect(imported.size).toBeGreaterThan(3);
    for (const [name, file] of imported) expect(pkg.dependencies[name], `${name} (imported by ${file})`).toBeDefined();
  });

  it("pins every production dependency to an exact version", () => {
    for (const [name, version] of Object.entries(pkg.dependencies)) expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
