/**
 * Ways to take each gate of docs/flow.md out of a set of workflow texts. gates.test.ts applies them to the real
 * workflows and templates.test.ts to the templates: each must make gateProblems name its gate.
 */
import { expect, it } from "vitest";
import { GATES, gateProblems, type Gate, type WorkflowTexts } from "./gates.js";

/** One gate taken out: the gate, how, and the workflow texts without it. */
export type GateMutation = [Gate, string, () => Record<string, string>];

/**
 * The mutations, each applied to `texts` (the real workflows, or the templates a service repository copies, which
 * keep the same lines). A replacement that no longer applies throws: the mutation, not the gate, is then stale.
 */
export function gateMutations(texts: WorkflowTexts): GateMutation[] {
  /** The workflows with `from` replaced by `to` in `file`. */
  const mutated = (file: string, from: string | RegExp, to: string): Record<string, string> => {
    const text = texts[file] as string;
    const changed = text.replace(from, to);
    if (changed === text) throw new Error(`mutation did not apply to ${file}: ${String(from)}`);
    return { ...texts, [file]: changed };
  };

  return [
    ["ci-before-staging", "staging no longer needs ci", () => mutated("ci.yml", /\n {4}needs: ci[^\n]*/, "")],
    [
      "ci-before-staging",
      "staging also runs for pull requests",
      () => mutated("ci.yml", "if: github.event_name == 'push' && github.ref == 'refs/heads/main'", "if: always()"),
    ],
    [
      "ci-before-staging",
      "staging moves back to a workflow of its own",
      () => {
        const ci = texts["ci.yml"] as string;
        const job = ci.slice(ci.indexOf("  deploy-staging:"));
        return {
          ...texts,
          "ci.yml": ci.slice(0, ci.indexOf("  deploy-staging:")),
          "cd.yml": (texts["cd.yml"] as string).replace(
            "jobs:\n",
            `jobs:\n${job.replace(/\n {4}needs: ci[^\n]*/, "")}\n`,
          ),
        };
      },
    ],
    [
      "no-cancelled-rollout",
      "CI cancels whole runs again",
      () =>
        mutated(
          "ci.yml",
          "permissions:\n  contents: read\n\njobs:",
          "concurrency:\n  group: ci\n  cancel-in-progress: true\n\npermissions:\n  contents: read\n\njobs:",
        ),
    ],
    [
      "production-promotes",
      "production without --git-sha",
      () =>
        mutated(
          "cd.yml",
          "\n            --git-sha=$GITHUB_SHA --git-ref=$GITHUB_REF",
          "\n            --git-ref=$GITHUB_REF",
        ),
    ],
    [
      "production-promotes",
      "production given a digest by hand",
      () => mutated("cd.yml", "--version=$GITHUB_REF_NAME", "--version=$GITHUB_REF_NAME --promote-digest=$DIGEST"),
    ],
    [
      "git-ref-everywhere",
      "staging without --git-ref",
      () =>
        mutated(
          "ci.yml",
          "--git-sha=$GITHUB_SHA --git-ref=$GITHUB_REF\n            --aws",
          "--git-sha=$GITHUB_SHA\n            --aws",
        ),
    ],
    [
      "git-ref-everywhere",
      "production without --git-ref",
      () => mutated("cd.yml", "--git-sha=$GITHUB_SHA --git-ref=$GITHUB_REF", "--git-sha=$GITHUB_SHA"),
    ],
    [
      "prereleases-out-of-production",
      "the trigger lets pre-release tags in",
      () => mutated("cd.yml", `tags: ["v*.*.*", "!v*.*.*-*"]`, `tags: ["v*.*.*"]`),
    ],
    [
      "prereleases-out-of-production",
      "the job no longer refuses them itself",
      () => mutated("cd.yml", " && !contains(github.ref_name, '-')", ""),
    ],
    [
      "production-from-tags-only",
      "production on pushes to main",
      () => mutated("cd.yml", "  push:\n    tags:", "  push:\n    branches: [main]\n    tags:"),
    ],
    [
      "production-from-tags-only",
      "production on any event",
      () =>
        mutated(
          "cd.yml",
          "if: github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v') && ",
          "if: always() && ",
        ),
    ],
    ["rollback-input", "no input", () => mutated("cd.yml", /\n {4}inputs:[\s\S]*?default: previous/, "")],
    ["rollback-input", "input not passed", () => mutated("cd.yml", " --to=$ROLLBACK_TO", "")],
    ["rollback-input", "a target may hold spaces", () => mutated("cd.yml", " && !contains(inputs.to, ' ')", "")],
    [
      "uploads-skipped-when-they-cannot-succeed",
      "forks get the read-only token",
      () => mutated("ci.yml", /GITHUB_TOKEN: \$\{\{ .* \}\}/, "GITHUB_TOKEN: ${{ github.token }}"),
    ],
    [
      "release-copies-the-verified-digest",
      "release rebuilds",
      () => mutated("release.yml", /\n {12}--aws-role-arn=\$AWS_ROLE_ARN/, ""),
    ],
  ];
}

/** A mutation was caught, and only by `check`: every problem reported names it. */
export function expectCaughtBy(problems: readonly string[], check: string): void {
  expect(problems.length).toBeGreaterThan(0);
  expect(
    problems.every((p) => p.startsWith(`${check}: `)),
    problems.join("\n"),
  ).toBe(true);
}

/**
 * The gate tests for one set of workflow texts (`what`: "workflows", "templates"): the gates hold as they are, each
 * mutation is caught by its gate alone, and every gate has a mutation.
 */
export function itKeepsEveryGate(texts: WorkflowTexts, what: string): void {
  const mutations = gateMutations(texts);
  it(`hold in the ${what} as they are`, () => {
    expect(gateProblems(texts)).toEqual([]);
  });
  it.each(mutations)("removing %s is caught (%s)", (gate, _how, change) => {
    expectCaughtBy(gateProblems(change()), gate);
  });
  it("every gate has at least one mutation", () => {
    expect(new Set(mutations.map(([gate]) => gate))).toEqual(new Set(GATES));
  });
}
