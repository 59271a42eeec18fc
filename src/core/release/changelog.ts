import { CommitParser } from "conventional-commits-parser";
import type { RawCommit } from "./git.js";

/** How a commit is grouped in the release notes, in display order. */
export type ChangeGroup = "breaking" | "feature" | "fix" | "other";

/** One line of the changelog. */
export interface ChangelogEntry {
  readonly sha: string;
  readonly group: ChangeGroup;
  /** Conventional Commit type (`feat`, `fix`, ...), or `undefined` for a non-conventional message. */
  readonly type: string | undefined;
  readonly scope: string | undefined;
  /** The subject, or the whole first line for a non-conventional message. */
  readonly subject: string;
  /** Text of the `BREAKING CHANGE:` footer (or the subject for a `type!:` header). */
  readonly breakingNote: string | undefined;
}

const GROUP_TITLES: Record<ChangeGroup, string> = {
  breaking: "⚠ BREAKING CHANGES",
  feature: "Features",
  fix: "Bug Fixes",
  other: "Other Changes",
};
const GROUP_ORDER: readonly ChangeGroup[] = ["breaking", "feature", "fix", "other"];

// The parser's default header pattern has no `!`; ours accepts `feat(api)!: ...` and the
// breaking-header pattern turns that `!` into a BREAKING CHANGE note.
const parser = new CommitParser({
  headerPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?!?: (.*)$/,
  headerCorrespondence: ["type", "scope", "subject"],
  breakingHeaderPattern: /^(\w*)(?:\(([\w$@.\-*/ ]*)\))?!: (.*)$/,
  noteKeywords: ["BREAKING CHANGE", "BREAKING-CHANGE"],
});

/** Classifies one commit message (pure). Non-conventional messages land in "other" under their first line. */
export function classifyCommit(commit: RawCommit): ChangelogEntry {
  const parsed = parser.parse(commit.message);
  const type = parsed["type"] ?? undefined;
  const subject = parsed["subject"] ?? undefined;
  const breaking = parsed.notes.find((n) => /^BREAKING[ -]CHANGE$/i.test(n.title));
  const firstLine = commit.message.split("\n")[0]?.trim() ?? "";
  if (!type || !subject) {
    return {
      sha: commit.sha,
      group: "other",
      type: undefined,
      scope: undefined,
      subject: firstLine,
      breakingNote: undefined,
    };
  }
  const group: ChangeGroup = breaking ? "breaking" : type === "feat" ? "feature" : type === "fix" ? "fix" : "other";
  return {
    sha: commit.sha,
    group,
    type,
    scope: parsed["scope"] ?? undefined,
    subject,
    breakingNote: breaking?.text.trim() || undefined,
  };
}

/** Inputs of {@link renderChangelogSection}. */
export interface ChangelogSectionOptions {
  /** The release tag, `v1.2.3`. */
  readonly tag: string;
  /** The tag the notes start from; `undefined` on a first release. */
  readonly previousTag: string | undefined;
  /** Release date, `YYYY-MM-DD`. */
  readonly date: string;
  /** `owner/repo` on GitHub, for commit and compare links. */
  readonly repository: string;
  /** Commits since `previousTag`, newest first, as git lists them. */
  readonly commits: readonly RawCommit[];
}

/**
 * Renders the release notes of one version as a CHANGELOG.md section (pure): breaking changes
 * first, then features, fixes and everything else, each line linking its commit.
 */
export function renderChangelogSection(options: ChangelogSectionOptions): string {
  const { tag, previousTag, date, repository, commits } = options;
  const base = `https://github.com/${repository}`;
  const heading = previousTag
    ? `## [${tag}](${base}/compare/${previousTag}...${tag}) (${date})`
    : `## [${tag}](${base}/releases/tag/${tag}) (${date})`;
  const entries = commits.map(classifyCommit);
  const lines = [heading, ""];
  if (entries.length === 0) {
    lines.push("No changes since the previous release.", "");
  }
  for (const group of GROUP_ORDER) {
    const inGroup = entries.filter((e) => e.group === group);
    if (inGroup.length === 0) continue;
    lines.push(`### ${GROUP_TITLES[group]}`, "");
    for (const entry of inGroup) lines.push(renderEntry(entry, base));
    lines.push("");
  }
  return lines.join("\n");
}

function renderEntry(entry: ChangelogEntry, base: string): string {
  const scope = entry.scope ? `**${entry.scope}:** ` : "";
  const type = entry.group === "other" && entry.type ? `${entry.type}: ` : "";
  const note =
    entry.breakingNote && entry.breakingNote !== entry.subject
      ? ` — ${entry.breakingNote.replace(/\s*\n\s*/g, " ")}`
      : "";
  const link = `([${entry.sha.slice(0, 7)}](${base}/commit/${entry.sha}))`;
  return `- ${type}${scope}${entry.subject}${note} ${link}`;
}

const TITLE = "# Changelog";

/**
 * Returns `existing` CHANGELOG.md content with `section` added as the newest release (pure).
 * Keeps the title and any intro above the first release; a section already present for the
 * same tag is replaced, so rerunning a release never duplicates its notes.
 */
export function prependChangelogSection(existing: string | undefined, section: string, tag: string): string {
  const body = (existing ?? "").replace(/\r\n/g, "\n");
  const sections = splitSections(body);
  const kept = sections.releases.filter((s) => sectionTag(s) !== tag);
  const head = sections.head.trim() === "" ? TITLE : sections.head.trimEnd();
  return [head, "", section.trimEnd(), ...kept.map((s) => "\n" + s.trimEnd())].join("\n") + "\n";
}

function splitSections(body: string): { head: string; releases: string[] } {
  const parts = body.split(/^(?=## )/m);
  const first = parts[0] ?? "";
  const head = first.startsWith("## ") ? "" : first;
  const releases = first.startsWith("## ") ? parts : parts.slice(1);
  return { head, releases };
}

function sectionTag(section: string): string | undefined {
  return /^## \[?([^\]\s)]+)/.exec(section)?.[1];
}
