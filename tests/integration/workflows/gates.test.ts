/**
 * The gates of the flow from commit to production hold in today's workflows, and removing any one of them is
 * caught: each mutation below takes one gate out of the real workflow text and must produce a problem naming it.
 */
import { describe, expect, it } from "vitest";
import { itKeepsEveryGate } from "./gate-mutations.js";
import { tagFilterMatches } from "./gates.js";
import { readWorkflow, WORKFLOW_FILES } from "./workflow-files.js";

const texts = Object.fromEntries(WORKFLOW_FILES.map((f) => [f, readWorkflow(f).text])) as Record<string, string>;

describe("the gates of the flow from commit to production", () => {
  itKeepsEveryGate(texts, "workflows");
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
