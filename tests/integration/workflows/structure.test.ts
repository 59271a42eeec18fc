/**
 * The workflow rules of issue 5 that the linters do not enforce on their own: the spec's
 * triggers, checkout + one Dagger step per job, the CLI pinned to the module's engine, least
 * privilege per job, one deploy at a time per environment, OIDC instead of stored AWS keys.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { allDaggerCalls, readWorkflow, referenceProblems, ROOT, WORKFLOW_FILES } from "./workflow-files.js";

const ENGINE = (JSON.parse(readFileSync(resolve(ROOT, "dagger.json"), "utf8")) as { engineVersion: string })
  .engineVersion;

describe.each(WORKFLOW_FILES)("%s", (file) => {
  const { workflow, text } = readWorkflow(file);

  it("defaults to contents: read at the top level", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("pins every action to a full commit sha with its version in a comment", () => {
    const uses = text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("runs exactly checkout (no persisted credentials) + one Dagger step per job, with the CLI at the engine version", () => {
    for (const job of Object.values(workflow.jobs)) {
      expect(job.steps).toHaveLength(2);
      const [checkout, dagger] = job.steps;
      expect(checkout!.uses).toMatch(/^actions\/checkout@/);
      expect(checkout!.with?.["persist-credentials"]).toBe(false);
      expect(dagger!.uses).toMatch(/^dagger\/dagger-for-github@/);
      expect(`v${String(dagger!.with?.["version"])}`).toBe(ENGINE);
      expect(job.steps.some((s) => s.run !== undefined)).toBe(false);
    }
  });

  it("never expands ${{ }} inside a command: values reach the call through env", () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        expect(String(step.with?.["call"] ?? "")).not.toContain("${{");
        expect(step.run ?? "").not.toContain("${{");
      }
    }
  });

  it("stores no AWS keys", () => {
    expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key/i);
  });
});

describe("triggers", () => {
  it("ci: pushes to main, develop, feature/** and pull requests to main/develop", () => {
    expect(readWorkflow("ci.yml").workflow.on).toEqual({
      push: { branches: ["main", "develop", "feature/**"] },
      pull_request: { branches: ["main", "develop"] },
    });
  });
  it("cd: final release tags only (v*.*.* but not v*.*.*-*), plus manual dispatch for the rollback", () => {
    const on = readWorkflow("cd.yml").workflow.on as { push: unknown; workflow_dispatch: { inputs: object } };
    expect(on.push).toEqual({ tags: ["v*.*.*", "!v*.*.*-*"] });
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual(["to"]);
  });
  it("release: v*.*.* tags", () => {
    expect(readWorkflow("release.yml").workflow.on).toEqual({ push: { tags: ["v*.*.*"] } });
  });
});

describe("jobs", () => {
  const cd = readWorkflow("cd.yml").workflow.jobs;
  const ci = readWorkflow("ci.yml").workflow.jobs;
  const rel = readWorkflow("release.yml").workflow.jobs;

  it("grant id-token only to the AWS jobs (deploys, rollback, release's ECR read), security-events only to ci, contents: write only to release", () => {
    expect(ci["ci"]!.permissions).toEqual({ contents: "read", "security-events": "write" });
    expect(ci["deploy-staging"]!.permissions).toEqual({ contents: "read", "id-token": "write" });
    for (const name of ["deploy-production", "rollback-production"]) {
      expect(cd[name]!.permissions).toEqual({ contents: "read", "id-token": "write" });
    }
    expect(rel["release"]!.permissions).toEqual({ contents: "write", "id-token": "write" });
  });

  it("deploy one at a time per environment and never cancel a running deploy", () => {
    expect(ci["deploy-staging"]).toMatchObject({
      environment: "staging",
      concurrency: { group: "deploy-staging", "cancel-in-progress": false },
    });
    expect(cd["deploy-production"]).toMatchObject({
      environment: "production",
      concurrency: { group: "deploy-production", "cancel-in-progress": false },
    });
    expect(cd["rollback-production"]).toMatchObject({
      environment: "production",
      concurrency: { group: "deploy-production", "cancel-in-progress": false },
    });
  });

  it("route main (after CI) to staging, final tags to production and the manual dispatch from main to the rollback", () => {
    expect(ci["deploy-staging"]!.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(cd["deploy-production"]!.if).toBe(
      "github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v') && !contains(github.ref_name, '-')",
    );
    expect(cd["rollback-production"]!.if).toBe(
      "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main' && !contains(inputs.to, ' ')",
    );
  });

  it("release checks out the full history (changelog since the previous tag)", () => {
    expect(rel["release"]!.steps[0]!.with?.["fetch-depth"]).toBe(0);
  });
});

describe("values handed to dagger call", () => {
  it.each(allDaggerCalls().map((c) => [`${c.file} ${c.job}`, c] as const))(
    "%s: every env:, $VAR and cmd: reference resolves",
    (_name, call) => {
      expect(referenceProblems(call)).toEqual([]);
    },
  );

  it("AWS credentials come from the job's OIDC token, in exactly the jobs allowed to request one", () => {
    for (const call of allDaggerCalls()) {
      const { workflow } = readWorkflow(call.file);
      const usesOidc = call.flags.has("aws-web-identity-token");
      expect(workflow.jobs[call.job]!.permissions?.["id-token"] === "write").toBe(usesOidc);
      if (usesOidc) {
        expect(call.flags.get("aws-web-identity-token")).toBe("cmd:.github/scripts/aws-oidc-token.sh");
        expect(call.flags.get("aws-role-arn")).toBe("$AWS_ROLE_ARN");
        expect(call.step.env?.["AWS_ROLE_ARN"]).toMatch(
          /^\$\{\{ vars\.AWS_ROLE_ARN_(STAGING|PRODUCTION|RELEASE) \}\}$/,
        );
      }
    }
  });
});
