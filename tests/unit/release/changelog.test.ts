import { describe, expect, it } from "vitest";
import {
  classifyCommit,
  prependChangelogSection,
  renderChangelogSection,
} from "../../../src/core/release/changelog.js";

const sha = (n: number) => n.toString(16).padStart(40, "a");

describe("classifyCommit", () => {
  it.each([
    [
      "feat: add login",
      { group: "feature", type: "feat", scope: undefined, subject: "add login", breakingNote: undefined },
    ],
    [
      "fix(auth): reject expired tokens",
      { group: "fix", type: "fix", scope: "auth", subject: "reject expired tokens" },
    ],
    [
      "feat(api)!: drop v1 endpoints",
      {
        group: "breaking",
        type: "feat",
        scope: "api",
        subject: "drop v1 endpoints",
        breakingNote: "drop v1 endpoints",
      },
    ],
    [
      "refactor: split module\n\nBREAKING CHANGE: settings moved to env",
      { group: "breaking", type: "refactor", breakingNote: "settings moved to env" },
    ],
    ["fix: x\n\nBREAKING-CHANGE: y changed", { group: "breaking", breakingNote: "y changed" }],
    ["chore: bump deps", { group: "other", type: "chore", subject: "bump deps" }],
    ["docs(readme): typo", { group: "other", type: "docs", scope: "readme" }],
    ["Update README.md", { group: "other", type: undefined, subject: "Update README.md" }],
    ["WIP quick hack\n\nmore text", { group: "other", type: undefined, subject: "WIP quick hack" }],
    ["feat:no space after colon", { group: "other", type: undefined, subject: "feat:no space after colon" }],
  ])("%j", (message, expected) => {
    expect(classifyCommit({ sha: sha(1), message })).toMatchObject({ sha: sha(1), ...expected });
  });
});

describe("renderChangelogSection", () => {
  const commits = [
    { sha: sha(1), message: "chore: bump deps" },
    { sha: sha(2), message: "fix(auth): reject expired tokens" },
    { sha: sha(3), message: "Update README.md" },
    { sha: sha(4), message: "feat: add login" },
    { sha: sha(5), message: "feat(api)!: drop v1 endpoints\n\nBREAKING CHANGE: clients must call /v2" },
  ];

  it("orders breaking changes, features, fixes, others, each line linking its commit", () => {
    const section = renderChangelogSection({
      tag: "v2.0.0",
      previousTag: "v1.4.0",
      date: "2026-11-28",
      repository: "faultmaven/auth",
      commits,
    });
    expect(section).toBe(
      [
        "## [v2.0.0](https://github.com/faultmaven/auth/compare/v1.4.0...v2.0.0) (2026-11-28)",
        "",
        "### ⚠ BREAKING CHANGES",
        "",
        `- **api:** drop v1 endpoints — clients must call /v2 ([aaaaaaa](https://github.com/faultmaven/auth/commit/${sha(5)}))`,
        "",
        "### Features",
        "",
        `- add login ([aaaaaaa](https://github.com/faultmaven/auth/commit/${sha(4)}))`,
        "",
        "### Bug Fixes",
        "",
        `- **auth:** reject expired tokens ([aaaaaaa](https://github.com/faultmaven/auth/commit/${sha(2)}))`,
        "",
        "### Other Changes",
        "",
        `- chore: bump deps ([aaaaaaa](https://github.com/faultmaven/auth/commit/${sha(1)}))`,
        `- Update README.md ([aaaaaaa](https://github.com/faultmaven/auth/commit/${sha(3)}))`,
        "",
      ].join("\n"),
    );
  });

  it("links the release page on a first release and says when nothing changed", () => {
    const section = renderChangelogSection({
      tag: "v0.1.0",
      previousTag: undefined,
      date: "2026-01-02",
      repository: "o/r",
      commits: [],
    });
    expect(section).toBe(
      "## [v0.1.0](https://github.com/o/r/releases/tag/v0.1.0) (2026-01-02)\n\nNo changes since the previous release.\n",
    );
  });
});

describe("prependChangelogSection", () => {
  const section = (tag: string, line = "- x") =>
    `## [${tag}](https://github.com/o/r/releases/tag/${tag}) (2026-11-28)\n\n${line}\n`;

  it("creates the file with a title when there is none", () => {
    expect(prependChangelogSection(undefined, section("v1.0.0"), "v1.0.0")).toBe(`# Changelog\n\n${section("v1.0.0")}`);
    expect(prependChangelogSection("", section("v1.0.0"), "v1.0.0")).toBe(`# Changelog\n\n${section("v1.0.0")}`);
  });

  it("keeps the title and intro and puts the new section above older ones", () => {
    const existing = `# Changelog\n\nAll notable changes.\n\n${section("v1.0.0")}\n${section("v0.9.0")}`;
    const updated = prependChangelogSection(existing, section("v1.1.0"), "v1.1.0");
    expect(updated).toBe(
      `# Changelog\n\nAll notable changes.\n\n${section("v1.1.0")}\n${section("v1.0.0")}\n${section("v0.9.0")}`,
    );
  });

  it("replaces the section of the same tag on a rerun instead of duplicating it", () => {
    const once = prependChangelogSection(`# Changelog\n\n${section("v1.0.0")}`, section("v1.1.0", "- first"), "v1.1.0");
    const twice = prependChangelogSection(once, section("v1.1.0", "- second"), "v1.1.0");
    expect(twice.match(/## \[v1\.1\.0\]/g)).toHaveLength(1);
    expect(twice).toContain("- second");
    expect(twice).not.toContain("- first");
    expect(twice.indexOf("v1.1.0")).toBeLessThan(twice.indexOf("v1.0.0"));
  });

  it("handles CRLF files and headings without links", () => {
    const updated = prependChangelogSection(
      "# Changelog\r\n\r\n## v1.0.0\r\n\r\n- old\r\n",
      section("v1.0.0", "- new"),
      "v1.0.0",
    );
    expect(updated).toBe(`# Changelog\n\n${section("v1.0.0", "- new")}`);
  });
});
