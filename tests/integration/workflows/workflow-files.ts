import { accessSync, constants, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import type { Arg, ModuleSurface } from "../../support/introspect.js";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const WORKFLOW_FILES = ["ci.yml", "cd.yml", "release.yml"] as const;

export interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | boolean | number>;
}
export interface Job {
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  steps: Step[];
}
export interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * One workflow, parsed, plus its raw text (for the `# vX.Y.Z` comments YAML drops). `dir` is relative to the
 * repository root: the real workflows, or the templates a service repository copies (docs/templates/workflows).
 */
export function readWorkflow(file: string, dir = ".github/workflows"): { workflow: Workflow; text: string } {
  const text = readFileSync(resolve(ROOT, dir, file), "utf8");
  return { workflow: parse(text) as Workflow, text };
}

/** A `dagger call` as the dagger-for-github action will run it. */
export interface DaggerCall {
  readonly file: string;
  readonly job: string;
  readonly step: Step;
  readonly constructorFlags: Map<string, string>;
  readonly fn: string;
  readonly flags: Map<string, string>;
}

/**
 * Splits the action's `call` input. The action pastes it into `[[ -n "<call>" ]]` and then into
 * the command line unquoted, so it must hold no quote and no `${{ }}`: plain space-separated
 * `--name=value` flags, which is also what makes this split exact.
 */
export function parseDaggerCall(file: string, job: string, step: Step): DaggerCall {
  const call = String(step.with?.["call"] ?? "");
  if (/["'`\\]|\$\{\{/.test(call))
    throw new Error(`${file} ${job}: the call input holds a quote, backslash or \${{ }}: ${call}`);
  const tokens = call.trim().split(/\s+/).filter(Boolean);
  const fnIndex = tokens.findIndex((t) => !t.startsWith("--"));
  if (fnIndex < 0) throw new Error(`${file} ${job}: no function in the call: ${call}`);
  const toFlags = (list: string[]) =>
    new Map(
      list.map((t) => {
        const m = /^--([a-z0-9-]+)=(.+)$/.exec(t);
        if (!m) throw new Error(`${file} ${job}: flag "${t}" is not --name=value`);
        return [m[1]!, m[2]!] as [string, string];
      }),
    );
  return {
    file,
    job,
    step,
    constructorFlags: toFlags(tokens.slice(0, fnIndex)),
    fn: tokens[fnIndex]!,
    flags: toFlags(tokens.slice(fnIndex + 1)),
  };
}

/** Every dagger-for-github step of one workflow, in job order. */
export function daggerCallsOf(file: string, workflow: Workflow): DaggerCall[] {
  const calls: DaggerCall[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    for (const step of job.steps) {
      if (step.uses?.startsWith("dagger/dagger-for-github@")) calls.push(parseDaggerCall(file, jobName, step));
    }
  }
  return calls;
}

/** Every dagger-for-github step of the three workflows. */
export function allDaggerCalls(): DaggerCall[] {
  return WORKFLOW_FILES.flatMap((file) => daggerCallsOf(file, readWorkflow(file).workflow));
}

/**
 * What is wrong with `call` against the module's surface: unknown function or flag, a required
 * argument not passed, a Secret argument given a plain value instead of a secret provider.
 */
export function surfaceProblems(call: DaggerCall, surface: ModuleSurface): string[] {
  const problems: string[] = [];
  const check = (where: string, given: Map<string, string>, declared: readonly Arg[]) => {
    for (const [flag, value] of given) {
      const arg = declared.find((a) => a.name === flag);
      if (!arg) {
        problems.push(`${where}: --${flag} does not exist (has: ${declared.map((a) => a.name).join(", ")})`);
      } else if (arg.type === "Secret" && !/^(env|cmd|file):/.test(value)) {
        problems.push(`${where}: --${flag} is a Secret but gets a plain value`);
      }
    }
    for (const arg of declared) {
      if (!arg.optional && !given.has(arg.name)) problems.push(`${where}: required --${arg.name} is missing`);
    }
  };
  check("constructor", call.constructorFlags, surface.constructorArgs);
  const fn = surface.functions.find((f) => f.name === call.fn);
  if (!fn)
    problems.push(`function ${call.fn} does not exist (has: ${surface.functions.map((f) => f.name).join(", ")})`);
  else check(call.fn, call.flags, fn.args);
  return problems;
}

/** Variables the runner sets in every job, which a call may name without a step env. */
const GITHUB_DEFAULT_ENV = new Set([
  "GITHUB_SHA",
  "GITHUB_REF",
  "GITHUB_REF_NAME",
  "GITHUB_REPOSITORY",
  "GITHUB_RUN_ID",
  "GITHUB_API_URL",
]);

/**
 * Values of `call` that would reach the module empty or fail on the runner: an `env:NAME` secret or a `$NAME`
 * the step's env does not set (and GitHub does not either), a `cmd:` script that is not an executable file of
 * this repository (a service repository copies it from here).
 */
export function referenceProblems(call: DaggerCall): string[] {
  const problems: string[] = [];
  const env = call.step.env ?? {};
  const where = `${call.file} ${call.job}`;
  for (const value of [...call.constructorFlags.values(), ...call.flags.values()]) {
    const provider = /^env:([A-Z0-9_]+)$/.exec(value);
    if (provider && !(provider[1]! in env)) problems.push(`${where}: ${value} needs the step env ${provider[1]}`);
    for (const [, name] of value.matchAll(/\$([A-Z0-9_]+)/g)) {
      if (!(name! in env) && !GITHUB_DEFAULT_ENV.has(name!))
        problems.push(`${where}: $${name} is neither in the step env nor a GitHub default`);
    }
    const cmd = /^cmd:(.+)$/.exec(value);
    if (cmd) {
      try {
        accessSync(resolve(ROOT, cmd[1]!), constants.X_OK);
      } catch {
        problems.push(`${where}: ${value} is not an executable file of this repository`);
      }
    }
  }
  return problems;
}
