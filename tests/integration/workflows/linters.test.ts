/**
 * The three workflows pass actionlint (syntax, expressions, action inputs) and zizmor (security:
 * pinning, permissions, injection, credentials) with no finding. Both linters are installed,
 * pinned, by scripts/setup/workflow-linters.sh.
 */
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { installLinters, runLinter as run } from "./linters.js";

const WORKFLOWS = [".github/workflows/ci.yml", ".github/workflows/cd.yml", ".github/workflows/release.yml"];

let actionlint = "";
let zizmor = "";

beforeAll(() => {
  ({ actionlint, zizmor } = installLinters());
}, 600_000);

describe("workflow linters", () => {
  it("actionlint reports nothing", async () => {
    const { code, output } = await run(actionlint, ["-no-color", "-oneline", ...WORKFLOWS]);
    expect(output.trim()).toBe("");
    expect(code).toBe(0);
  });

  it("zizmor (offline, default persona) reports no finding", async () => {
    const { code, output } = await run(zizmor, ["--offline", "--no-progress", "--format=plain", ".github/workflows"]);
    expect(output).toContain("No findings to report");
    expect(code).toBe(0);
  });

  it("zizmor's auditor persona finds only the one documented choice (CODECOV_TOKEN outside an environment)", async () => {
    // A dedicated environment for CI would put a "deployment" on every pull request; the Codecov
    // upload token is low-value and skipped on forks, so ci.yml keeps it as a repository secret.
    const { stdout } = await run(zizmor, [
      "--offline",
      "--no-progress",
      "--format=json",
      "--persona=auditor",
      ".github/workflows",
    ]);
    const findings = JSON.parse(stdout) as { ident: string; locations: { symbolic: { key: unknown } }[] }[];
    expect(findings.map((f) => f.ident)).toEqual(["secrets-outside-env"]);
    expect(JSON.stringify(findings[0]?.locations[0]?.symbolic.key)).toContain(".github/workflows/ci.yml");
  });

  it("the linters do fail on a bad workflow (they are really running)", async () => {
    const bad =
      "on: push\npermissions: write-all\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.event.head_commit.message }}\n";
    const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
    execFileSync("mkdir", ["-p", `${dir}/.github/workflows`]);
    execFileSync("bash", ["-c", `cat > "${dir}/.github/workflows/bad.yml"`], { input: bad });
    const z = await run(zizmor, ["--offline", "--no-progress", `${dir}/.github/workflows`]);
    expect(z.code).not.toBe(0);
    expect(z.output).toMatch(/template-injection/);
    expect(z.output).toMatch(/unpinned-uses/);
    const a = await run(actionlint, ["-no-color", "-oneline", "-shellcheck=", `${dir}/.github/workflows/bad.yml`]);
    expect(a.code).not.toBe(0);
    execFileSync("rm", ["-rf", dir]);
  });
});
