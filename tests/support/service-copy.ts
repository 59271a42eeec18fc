/** The bundled example service, and throwaway copies of it that a test changes (a lint error, a failing test...). */
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const BUNDLED_SERVICE = resolve(import.meta.dirname, "../../examples/auth-service");

/** A copy of the bundled service in a temp dir, changed by `change` (files relative to its root). */
export function brokenCopy(change: Record<string, string | ((old: string) => string)>): string {
  const dir = mkdtempSync(join(tmpdir(), "auth-service-"));
  cpSync(BUNDLED_SERVICE, dir, {
    recursive: true,
    filter: (src) => !/(__pycache__|\.venv|\.pytest_cache|\.mypy_cache)/.test(src),
  });
  for (const [file, edit] of Object.entries(change)) {
    const path = join(dir, file);
    const next = typeof edit === "string" ? edit : edit(readFileSync(path, "utf8"));
    writeFileSync(path, next);
  }
  return dir;
}

/** A copy whose /ready always answers 503 (its readiness check never passes): a deploy of it must be rolled back. */
export function notReadyCopy(): string {
  return brokenCopy({
    "enterprise/readiness.py": (old) => {
      const next = old.replace("return not self.failed", "return False");
      if (next === old) throw new Error("readiness.py changed: the broken copy no longer breaks /ready");
      return next;
    },
  });
}

/** The second service's deployment descriptors (its own cluster, service, container, repository and family). */
export const SECOND_SERVICE_DESCRIPTORS = resolve(import.meta.dirname, "../fixtures/second-service/deploy");

/**
 * Another service in the same layout: the bundled one with its package renamed (`enterprise` → `billing`, in
 * code, tests, migrations, Dockerfile and pyproject) and its own deploy/ descriptors, so nothing of the module's
 * defaults applies to it. `change` edits it further, like {@link brokenCopy}.
 */
export function secondServiceCopy(change: Record<string, string | ((old: string) => string)> = {}): string {
  const dir = brokenCopy({});
  renameSync(join(dir, "enterprise"), join(dir, "billing"));
  for (const file of textFiles(dir)) {
    const old = readFileSync(file, "utf8");
    const next = old.replace(/\benterprise\b/g, "billing");
    if (next !== old) writeFileSync(file, next);
  }
  cpSync(SECOND_SERVICE_DESCRIPTORS, join(dir, "deploy"), { recursive: true });
  for (const [file, edit] of Object.entries(change)) {
    const path = join(dir, file);
    writeFileSync(path, typeof edit === "string" ? edit : edit(readFileSync(path, "utf8")));
  }
  return dir;
}

function textFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /(\.py|\.toml|\.ini|\.txt|\.md|\.cfg|Dockerfile|\.dockerignore)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}
