/** The bundled example service, and throwaway copies of it that a test changes (a lint error, a failing test...). */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
