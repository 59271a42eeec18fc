/**
 * A version of the module is a `module-vX.Y.Z` tag (docs/adoption.md), because this repository's `vX.Y.Z` tags are
 * releases of the bundled example service: they start cd.yml (a production deploy) and release.yml. Cutting a module
 * version must start neither, and the example's changelog must never take a module tag for its previous release.
 */
import { describe, expect, it } from "vitest";
import { isReleaseTag, parseReleaseVersion, previousReleaseTag } from "../../../src/core/release/version.js";
import { tagFilterMatches } from "./gates.js";
import { MODULE_VERSION_TAG } from "./templates.js";
import { readWorkflow } from "./workflow-files.js";

const tagsOf = (file: string) => (readWorkflow(file).workflow.on as { push: { tags: string[] } }).push.tags;
const TRIGGERS = { "cd.yml": tagsOf("cd.yml"), "release.yml": tagsOf("release.yml") };
const MODULE_TAGS = ["module-v1.0.0", "module-v1.2.3", "module-v2.0.0-rc.1"];

describe("module version tags", () => {
  it.each(MODULE_TAGS)("%s is a module version", (tag) => {
    expect(tag).toMatch(MODULE_VERSION_TAG);
  });

  it.each(["v1.2.3", "module-1.2.3", "module-v1.2", "module-v01.2.3", "pipeline-v1.2.3"])(
    "%s is not a module version",
    (tag) => {
      expect(tag).not.toMatch(MODULE_VERSION_TAG);
    },
  );

  it.each(Object.entries(TRIGGERS))("never start %s", (_file, patterns) => {
    for (const tag of MODULE_TAGS) expect(tagFilterMatches(patterns, tag), tag).toBe(false);
    // The same check sees the tags that do start it, and a widened filter that would take module tags too.
    expect(tagFilterMatches(patterns, "v1.2.3")).toBe(true);
    expect(tagFilterMatches(["*v*.*.*"], "module-v1.2.3")).toBe(true);
  });

  it("are not release tags of the example service, so its changelog skips them", () => {
    for (const tag of MODULE_TAGS) expect(isReleaseTag(tag), tag).toBe(false);
    expect(previousReleaseTag(parseReleaseVersion("v1.2.0"), ["v1.1.0", "module-v1.1.9"])).toBe("v1.1.0");
    expect(previousReleaseTag(parseReleaseVersion("v1.2.0"), ["v1.1.0", "v1.1.9"])).toBe("v1.1.9");
  });
});
