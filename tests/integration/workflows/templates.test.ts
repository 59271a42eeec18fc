/**
 * The workflow templates a service repository copies (docs/templates/workflows) lint clean, call this module pinned
 * to a version with `--source=.`, use only what the module's surface has, and keep every gate of the real workflow
 * they are copied from. Each check is also shown to fail: every mutation below breaks one rule in the templates'
 * text, in memory, and must be reported by the check that guards it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModuleSurface } from "../../support/introspect.js";
import { expectCaughtBy, itKeepsEveryGate } from "./gate-mutations.js";
import { installLinters, runLinter } from "./linters.js";
import { TEMPLATE_CHECKS, TEMPLATES_DIR, templateProblems, type TemplateCheck } from "./templates.js";
import { readWorkflow, WORKFLOW_FILES } from "./workflow-files.js";

const read = (dir?: string) =>
  Object.fromEntries(WORKFLOW_FILES.map((f) => [f, readWorkflow(f, dir).text])) as Record<string, string>;
const templates = read(TEMPLATES_DIR);
const real = read();
// The offline fixture is what `dagger functions` lists (tests/unit/module-surface.test.ts keeps it exact).
const surface = JSON.parse(
  readFileSync(new URL("../../fixtures/module-surface.json", import.meta.url), "utf8"),
) as ModuleSurface;

/** The templates with every `from` replaced by `to` in `file`; the replacement must apply (else the test is stale). */
function mutated(file: string, from: string | RegExp, to: string, texts = templates): Record<string, string> {
  const text = texts[file] as string;
  const changed = typeof from === "string" ? text.replaceAll(from, to) : text.replace(from, to);
  if (changed === text) throw new Error(`mutation did not apply to ${file}: ${String(from)}`);
  return { ...texts, [file]: changed };
}
/** The same replacement in all three templates. */
const everywhere = (from: string, to: string) =>
  WORKFLOW_FILES.reduce((texts, file) => mutated(file, from, to, texts), templates);

const PIN = "@0000000000000000000000000000000000000000 # module-v1.0.0";

const MUTATIONS: [TemplateCheck, string, () => Record<string, string>][] = [
  ["pinned-module", "a branch", () => everywhere(PIN, "@main")],
  ["pinned-module", "a short sha", () => everywhere(PIN, "@0000000")],
  ["pinned-module", "a commit without its version", () => everywhere(PIN, "@0000000000000000000000000000000000000000")],
  ["pinned-module", "the service's own release tag scheme", () => everywhere(PIN, "@v1.0.0")],
  ["pinned-module", "another module", () => everywhere("github.com/faultmaven/auth-pipeline@", "github.com/x/y@")],
  ["pinned-module", "no module at all", () => mutated("release.yml", /\n {10}module: [^\n]*/, "")],
  [
    "one-module-version",
    "CI on another version than CD",
    () => mutated("ci.yml", PIN, "@1111111111111111111111111111111111111111 # module-v1.1.0"),
  ],
  ["service-source", "ci builds the module's example service", () => mutated("ci.yml", "--source=. ci", "ci")],
  [
    "service-source",
    "deploy from a subdirectory",
    () => mutated("cd.yml", "--source=. deploy", "--source=./app deploy"),
  ],
  ["service-source", "release reads the module's own history", () => mutated("release.yml", " --repo=.", "")],
  ["surface", "a flag the module does not have", () => mutated("release.yml", " --repo=.", " --repo=. --force=true")],
  [
    "references",
    "a variable no step env sets",
    () => mutated("release.yml", /\n {10}DOCKERHUB_REPOSITORY: [^\n]*/, ""),
  ],
  [
    "counterpart",
    "wider permissions",
    () => mutated("ci.yml", "contents: read\n      security-events", "contents: write\n      security-events"),
  ],
  ["counterpart", "another trigger", () => mutated("release.yml", `tags: ["v*.*.*"]`, `tags: ["v*.*.*", "module-v*"]`)],
  ["counterpart", "credentials left in the checkout", () => mutated("cd.yml", /\n {10}persist-credentials: false/, "")],
  [
    "counterpart",
    "an unpinned action",
    () => mutated("ci.yml", /dagger-for-github@[0-9a-f]{40} # v8\.4\.1/, "dagger-for-github@v8"),
  ],
  ["counterpart", "another Dagger CLI", () => mutated("cd.yml", `version: "0.21.8"`, `version: "latest"`)],
  [
    "counterpart",
    "a second step",
    () =>
      mutated(
        "release.yml",
        "      - name: dagger call release",
        "      - run: make\n      - name: dagger call release",
      ),
  ],
  ["counterpart", "a job dropped", () => mutated("cd.yml", /\n {2}rollback-production:[\s\S]*$/, "\n")],
  ["counterpart", "a shorter rollout budget", () => mutated("cd.yml", "timeout-minutes: 90", "timeout-minutes: 20")],
  ["counterpart", "a flag of the real call left out", () => mutated("ci.yml", " --github-api-url=$GITHUB_API_URL", "")],
  [
    "counterpart",
    "the example's path kept",
    () =>
      mutated(
        "release.yml",
        "--version-file=enterprise/main.py",
        "--version-file=examples/auth-service/enterprise/main.py",
      ),
  ],
];

describe("workflow templates", () => {
  it("follow every rule as they are", () => {
    expect(templateProblems(templates, real, surface)).toEqual([]);
  });

  it.each(MUTATIONS)("%s catches %s", (check, _how, change) => {
    expectCaughtBy(templateProblems(change(), real, surface), check);
  });

  it("every check has at least one mutation", () => {
    expect(new Set(MUTATIONS.map(([check]) => check))).toEqual(new Set(TEMPLATE_CHECKS));
  });
});

describe("the gates of the flow from commit to production, in the templates", () => {
  // The same mutations as gates.test.ts applies to the real workflows: the templates keep their lines.
  itKeepsEveryGate(templates, "templates");
});

describe("workflow linters on the templates", () => {
  const FILES = WORKFLOW_FILES.map((f) => `${TEMPLATES_DIR}/${f}`);
  let actionlint = "";
  let zizmor = "";
  beforeAll(() => {
    ({ actionlint, zizmor } = installLinters());
  }, 600_000);

  /** Lints `texts` written to a directory of their own (the mutated copies never touch the repository). */
  async function lint(texts: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "templates-"));
    try {
      const files = Object.entries(texts).map(([file, text]) => {
        writeFileSync(join(dir, file), text);
        return join(dir, file);
      });
      const a = await runLinter(actionlint, ["-no-color", "-oneline", ...files]);
      const z = await runLinter(zizmor, ["--offline", "--no-progress", "--format=plain", ...files]);
      return { actionlint: a, zizmor: z };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("actionlint reports nothing", async () => {
    const { code, output } = await runLinter(actionlint, ["-no-color", "-oneline", ...FILES]);
    expect(output.trim()).toBe("");
    expect(code).toBe(0);
  });

  it("zizmor (offline, default persona) reports no finding", async () => {
    const { code, output } = await runLinter(zizmor, ["--offline", "--no-progress", "--format=plain", ...FILES]);
    expect(output).toContain("No findings to report");
    expect(code).toBe(0);
  });

  it("zizmor's auditor persona finds only the real workflows' one documented choice (CODECOV_TOKEN outside an environment)", async () => {
    const { stdout } = await runLinter(zizmor, [
      "--offline",
      "--no-progress",
      "--format=json",
      "--persona=auditor",
      ...FILES,
    ]);
    const findings = JSON.parse(stdout) as { ident: string; locations: { symbolic: { key: unknown } }[] }[];
    expect(findings.map((f) => f.ident)).toEqual(["secrets-outside-env"]);
    expect(JSON.stringify(findings[0]?.locations[0]?.symbolic.key)).toContain(`${TEMPLATES_DIR}/ci.yml`);
  });

  it("the same runs on in-memory copies report nothing either", async () => {
    const { actionlint: a, zizmor: z } = await lint(templates);
    expect(a.output.trim()).toBe("");
    expect(z.output).toContain("No findings to report");
  });

  it("actionlint fails a template that needs a job it does not have", async () => {
    const { actionlint: a } = await lint(mutated("ci.yml", "needs: ci #", "needs: cii #"));
    expect(a.code).not.toBe(0);
    expect(a.output).toMatch(/cii/);
  });

  it("zizmor fails a template with an unpinned action or credentials left in the checkout", async () => {
    const unpinned = await lint(mutated("cd.yml", /actions\/checkout@[0-9a-f]{40} # v7\.0\.1/, "actions/checkout@v4"));
    expect(unpinned.zizmor.code).not.toBe(0);
    expect(unpinned.zizmor.output).toMatch(/unpinned-uses/);
    const persisted = await lint(mutated("release.yml", /\n {10}persist-credentials: false/, ""));
    expect(persisted.zizmor.code).not.toBe(0);
    expect(persisted.zizmor.output).toMatch(/artipacked/);
  });
});
