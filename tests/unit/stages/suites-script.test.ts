import { describe, expect, it } from "vitest";

import { resolveSettings } from "../../../src/core/settings.js";
import { suitesScript } from "../../../src/stages/test.js";

const script = suitesScript(resolveSettings({}));
const lines = script.split("\n");
const suiteLines = (suite: string) => lines.filter((line) => line.includes(`-m ${suite} `));

describe("the test stage's suites script", () => {
  it("starts the three suites in the background, each on its own database and Redis database", () => {
    const started = ["unit", "integration", "security"].map((suite) => {
      const [line, ...more] = suiteLines(suite);
      expect(more).toEqual([]);
      expect(line).toMatch(/&$/);
      const database = /DATABASE_URL=postgresql:\/\/[^@]+@postgres:5432\/(\w+) /.exec(line ?? "")?.[1];
      const redisDb = /REDIS_URL=redis:\/\/redis:6379\/(\d+) /.exec(line ?? "")?.[1];
      return { database, redisDb };
    });
    expect(started.map((s) => s.database)).toEqual(["auth_test", "auth_test_integration", "auth_test_security"]);
    expect(new Set(started.map((s) => s.redisDb)).size).toBe(3);
  });

  it("prints every suite's output only after all of them ended, and still runs one when another failed", () => {
    const wait = lines.indexOf("wait");
    const lastStart = Math.max(
      ...["unit", "integration", "security"].map((s) => lines.indexOf(suiteLines(s)[0] ?? "")),
    );
    const firstOutput = lines.findIndex((line) => line.includes("=====") && line.includes("cat /suite-runs/"));
    expect(lastStart).toBeLessThan(wait);
    expect(wait).toBeLessThan(firstOutput);
    // No `set -e` and no `&&` between the suites: a failing suite never stops the others.
    expect(script).not.toMatch(/set -e|\) &&/);
  });
});
