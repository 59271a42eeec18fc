/**
 * The gates of the flow from commit to production hold in today's workflows, and removing any one of them is
 * caught: each mutation below takes one gate out of the real workflow text and must produce a problem naming it.
 */
import { describe, expect, it } from "vitest";
import { GATES, gateProblems, tagFilterMatches, type Gate } from "./gates.js";
import { readWorkflow, WORKFLOW_FILES } from "./workflow-files.js";

const texts = Object.fromEntries(WORKFLOW_FILES.map((f) => [f, readWorkflow(f).text])) as Record<string, string>;

/** The workflows with `from` replaced by `to` in `file`; the replacement must apply (else the test is stale). */
function mutated(file: string, from: string | RegExp, to: string): Record<string, string> {
  const text = texts[file] as string;
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`mutation did not apply to ${file}: ${String(from)}`);
  return { ...texts, [file]: changed };
}

const MUTATIONS: [Gate, string, () => Record<string, string>][] = [
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

describe("the gates of the flow from commit to production", () => {
  it("hold in the workflows as they are", () => {
    expect(gateProblems(texts)).toEqual([]);
  });

  it.each(MUTATIONS)("removing %s is caught (%s)", (gate, _how, change) => {
    const problems = gateProblems(change());
    expect(problems.length).toBeGreaterThan(0);
    expect(
      problems.every((p) => p.startsWith(`${gate}: `)),
      problems.join("\n"),
    ).toBe(true);
  });

  it("every gate has at least one mutation", () => {
    expect(new Set(MUTATIONS.map(([gate]) => gate))).toEqual(new Set(GATES));
  });
});

describe("tagFilterMatches (GitHub's tag filter)", () => {
  it.each([
    [["v*.*.*"], "v1.2.3", true],
    [["v*.*.*"], "v1.2.3-rc.1", true],
    [["v*.*.*", "!v*.*.*-*"], "v1.2.3-rc.1", false],
    [["v*.*.*", "!v*.*.*-*"], "v10.20.30", true],
    [["v*.*.*", "!v*.*.*-*"], "release-1", false],
    [["!v*-*", "v*"], "v1-rc", true],
  ] as const)("%j on %s: %s", (patterns, tag, expected) => {
    expect(tagFilterMatches(patterns, tag)).toBe(expected);
  });
});
