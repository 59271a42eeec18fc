/**
 * The gates of the flow from commit to production hold in today's workflows, and removing any one of them is
 * caught: each mutation below takes one gate out of the real workflow text and must produce a problem naming it.
 */
import { describe, expect, it } from "vitest";
import { gateMutations } from "./gate-mutations.js";
import { GATES, gateProblems, tagFilterMatches } from "./gates.js";
import { readWorkflow, WORKFLOW_FILES } from "./workflow-files.js";

const texts = Object.fromEntries(WORKFLOW_FILES.map((f) => [f, readWorkflow(f).text])) as Record<string, string>;
const MUTATIONS = gateMutations(texts);

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
