/**
 * The gates of the flow from commit to production (docs/flow.md), as checks on the workflow files' text. Each
 * returns the problems it finds, prefixed with the gate's name, so that gates.test.ts can show both that today's
 * workflows pass and that removing any one gate is caught.
 */
import { parse } from "yaml";
import { parseDaggerCall, type DaggerCall, type Workflow } from "./workflow-files.js";

/** The workflow files' text, by file name (ci.yml, cd.yml, release.yml). */
export type WorkflowTexts = Readonly<Record<string, string>>;

export const GATES = [
  "ci-before-staging",
  "no-cancelled-rollout",
  "production-promotes",
  "git-ref-everywhere",
  "prereleases-out-of-production",
  "production-from-tags-only",
  "rollback-input",
  "uploads-skipped-when-they-cannot-succeed",
  "release-copies-the-verified-digest",
] as const;
export type Gate = (typeof GATES)[number];

interface Located {
  readonly file: string;
  readonly name: string;
  readonly workflow: Workflow;
  readonly call?: DaggerCall;
}

function jobsOf(texts: WorkflowTexts): Located[] {
  const found: Located[] = [];
  for (const [file, text] of Object.entries(texts)) {
    const workflow = parse(text) as Workflow;
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const step = job.steps.find((s) => s.uses?.startsWith("dagger/dagger-for-github@"));
      found.push({ file, name, workflow, ...(step ? { call: parseDaggerCall(file, name, step) } : {}) });
    }
  }
  return found;
}

/**
 * Whether a GitHub tag filter (`on.push.tags`) starts the workflow for `tag`: the last matching pattern decides,
 * `!` negates, `*` matches anything but `/`, `**` anything, `?` one character (GitHub's filter syntax).
 */
export function tagFilterMatches(patterns: readonly string[], tag: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const glob = negated ? raw.slice(1) : raw;
    const regex = new RegExp(
      `^${glob
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "."),
        )
        .join(".*")}$`,
    );
    if (regex.test(tag)) matched = !negated;
  }
  return matched;
}

const needsOf = (workflow: Workflow, job: string): string[] => {
  const needs = (workflow.jobs[job] as { needs?: string | string[] }).needs;
  return needs === undefined ? [] : Array.isArray(needs) ? needs : [needs];
};

/** Every problem found, each as `<gate>: <what is wrong>`; [] when every gate holds. */
export function gateProblems(texts: WorkflowTexts): string[] {
  const problems: string[] = [];
  const fail = (gate: Gate, what: string) => problems.push(`${gate}: ${what}`);
  const jobs = jobsOf(texts);
  const deploys = (env: string) =>
    jobs.filter((j) => j.call?.fn === "deploy" && j.call.flags.get("env") === env) as (Located & {
      call: DaggerCall;
    })[];

  // CI before CD: a staging deploy is a job of the CI workflow that needs the job running `dagger call ci`.
  const staging = deploys("staging");
  if (staging.length === 0) fail("ci-before-staging", "no job deploys staging");
  for (const job of staging) {
    const ciJob = jobs.find((j) => j.file === job.file && j.call?.fn === "ci");
    if (!ciJob) fail("ci-before-staging", `${job.file} ${job.name} deploys staging in a workflow that runs no ci`);
    else if (!needsOf(job.workflow, job.name).includes(ciJob.name))
      fail("ci-before-staging", `${job.file} ${job.name} does not need ${ciJob.name}`);
    if (job.workflow.jobs[job.name]?.if !== "github.event_name == 'push' && github.ref == 'refs/heads/main'")
      fail("ci-before-staging", `${job.file} ${job.name} is not limited to pushes to main`);
  }

  // A newer push may cancel CI, never a rollout: no workflow-level cancelling concurrency where deploys run.
  for (const file of new Set(
    jobs.filter((j) => j.call?.fn === "deploy" || j.call?.fn === "rollback").map((j) => j.file),
  )) {
    const workflow = parse(texts[file] as string) as Workflow & { concurrency?: { "cancel-in-progress"?: boolean } };
    if (workflow.concurrency?.["cancel-in-progress"])
      fail("no-cancelled-rollout", `${file} cancels whole runs in progress, deploys included`);
    for (const job of jobs.filter((j) => j.file === file && (j.call?.fn === "deploy" || j.call?.fn === "rollback")))
      if (job.workflow.jobs[job.name]?.concurrency?.["cancel-in-progress"] !== false)
        fail("no-cancelled-rollout", `${file} ${job.name} does not set cancel-in-progress: false`);
  }

  // Production deploys the digest staging verified for the tagged commit: never a build.
  const production = deploys("production");
  if (production.length !== 1) fail("production-promotes", `${production.length} jobs deploy production, not 1`);
  for (const job of production) {
    const flags = job.call.flags;
    if (flags.get("git-sha") !== "$GITHUB_SHA")
      fail(
        "production-promotes",
        `${job.name} does not pass --git-sha=$GITHUB_SHA (the commit whose verified digest is deployed)`,
      );
    if (flags.get("version") !== "$GITHUB_REF_NAME")
      fail("production-promotes", `${job.name} does not pass --version=$GITHUB_REF_NAME`);
    if (flags.has("promote-digest")) fail("production-promotes", `${job.name} passes --promote-digest`);
  }

  // Every deploy states the ref it comes from, so that the environment's deployFrom rule is checked.
  for (const job of [...staging, ...production])
    if (job.call.flags.get("git-ref") !== "$GITHUB_REF")
      fail("git-ref-everywhere", `${job.file} ${job.name} does not pass --git-ref=$GITHUB_REF`);

  for (const job of production) {
    const on = job.workflow.on as { push?: { tags?: string[]; branches?: string[] } };
    const tags = on.push?.tags ?? [];
    // Pre-releases never start the production job: neither the trigger nor the job's condition lets them through.
    for (const pre of ["v1.2.3-rc.1", "v2.0.0-beta.2", "v1.0.0-alpha"])
      if (tagFilterMatches(tags, pre)) fail("prereleases-out-of-production", `${job.file} starts on ${pre}`);
    if (!tagFilterMatches(tags, "v1.2.3"))
      fail("prereleases-out-of-production", `${job.file} does not start on v1.2.3`);
    const condition = job.workflow.jobs[job.name]?.if ?? "";
    if (!condition.includes("!contains(github.ref_name, '-')"))
      fail("prereleases-out-of-production", `${job.name} does not refuse a pre-release tag itself`);
    // Production runs only from a tag push (and its environment, from tags: docs/flow.md).
    if (on.push?.branches) fail("production-from-tags-only", `${job.file} also starts on branch pushes`);
    if (!condition.startsWith("github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')"))
      fail("production-from-tags-only", `${job.name} is not limited to tag pushes`);
  }

  // The manual rollback takes its target as an input and hands it to --to.
  const rollback = jobs.filter((j) => j.call?.fn === "rollback");
  if (rollback.length !== 1) fail("rollback-input", `${rollback.length} rollback jobs, not 1`);
  for (const job of rollback) {
    const dispatch = (job.workflow.on as { workflow_dispatch?: { inputs?: Record<string, { default?: string }> } })
      .workflow_dispatch;
    if (dispatch?.inputs?.["to"]?.default !== "previous")
      fail("rollback-input", `${job.file} has no workflow_dispatch input "to" defaulting to previous`);
    const env = job.workflow.jobs[job.name]?.steps.find((s) => s.env?.["ROLLBACK_TO"])?.env ?? {};
    if (job.call?.flags.get("to") !== "$ROLLBACK_TO" || env["ROLLBACK_TO"] !== "${{ inputs.to }}")
      fail("rollback-input", `${job.name} does not pass --to from inputs.to`);
    if (!(job.workflow.jobs[job.name]?.if ?? "").includes("!contains(inputs.to, ' ')"))
      fail("rollback-input", `${job.name} lets a target with a space add flags to the call`);
  }

  // Fork and Dependabot pull requests get no GitHub token (theirs is read-only: the SARIF upload would be a 403).
  for (const job of jobs.filter((j) => j.call?.fn === "ci")) {
    const token = job.workflow.jobs[job.name]?.steps.find((s) => s.env?.["GITHUB_TOKEN"])?.env?.["GITHUB_TOKEN"] ?? "";
    for (const part of [
      "github.event.pull_request.head.repo.full_name == github.repository",
      "github.actor != 'dependabot[bot]'",
      "|| ''",
    ])
      if (!token.includes(part))
        fail("uploads-skipped-when-they-cannot-succeed", `${job.name}'s GITHUB_TOKEN lacks ${part}`);
  }
  // Release copies the digest staging verified (what production runs) instead of building: it needs AWS access.
  const releases = jobs.filter((j) => j.call?.fn === "release");
  if (releases.length !== 1) fail("release-copies-the-verified-digest", `${releases.length} release jobs, not 1`);
  for (const job of releases)
    if (!job.call?.flags.has("aws-role-arn") || !job.call.flags.has("aws-web-identity-token"))
      fail("release-copies-the-verified-digest", `${job.name} has no AWS access: it would rebuild the image`);
  return problems;
}
