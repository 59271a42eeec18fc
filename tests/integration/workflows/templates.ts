/**
 * What the workflow templates a service repository copies (docs/templates/workflows) must hold, as checks on their
 * text: each returns problems prefixed with its name, so that templates.test.ts can show both that today's
 * templates pass and that breaking any one rule is caught.
 */
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import type { ModuleSurface } from "../../support/introspect.js";
import type { WorkflowTexts } from "./gates.js";
import {
  daggerCallsOf,
  parseDaggerCall,
  referenceProblems,
  surfaceProblems,
  type DaggerCall,
  type Step,
  type Workflow,
} from "./workflow-files.js";

export const TEMPLATES_DIR = "docs/templates/workflows";
/** The address this repository is published at, as docs/adoption.md names it. */
export const MODULE_ADDRESS = "github.com/faultmaven/auth-pipeline";
/** A module version: a tag of its own, so that it never starts the bundled service's `v*.*.*` workflows. */
export const MODULE_VERSION_TAG = /^module-v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
/** Paths into the bundled example service, which a service repository has at its root. */
const EXAMPLE_SERVICE = "examples/auth-service/";

export const TEMPLATE_CHECKS = [
  "pinned-module",
  "one-module-version",
  "service-source",
  "surface",
  "references",
  "counterpart",
] as const;
export type TemplateCheck = (typeof TEMPLATE_CHECKS)[number];

const callsOf = (texts: WorkflowTexts): DaggerCall[] =>
  Object.entries(texts).flatMap(([file, text]) => daggerCallsOf(file, parse(text) as Workflow));

/** A `module:` line as written: the ref and the comment YAML drops (`# module-vX.Y.Z`). */
const moduleLines = (text: string) =>
  [...text.matchAll(/^[ \t]*module:[ \t]*(\S+)(?:[ \t]+#[ \t]*(.*))?$/gm)].map(([, ref, comment]) => ({
    ref: ref!,
    comment: comment?.trim() ?? "",
  }));

/**
 * Every problem found in `templates` (file name → text), each as `<check>: <what is wrong>`; [] when every rule
 * holds. `real` holds the workflows of this repository the templates are copies of, by the same file names.
 */
export function templateProblems(templates: WorkflowTexts, real: WorkflowTexts, surface: ModuleSurface): string[] {
  const problems: string[] = [];
  const fail = (check: TemplateCheck, what: string) => problems.push(`${check}: ${what}`);

  // The module is this one, pinned to something that cannot move: a full commit (with its version as a comment,
  // as actions are pinned) or a module version tag. Never a branch, a short sha or the service's own v* tags.
  const pins = new Set<string>();
  for (const [file, text] of Object.entries(templates)) {
    for (const call of callsOf({ [file]: text }))
      if (!call.step.with?.["module"]) fail("pinned-module", `${file} ${call.job} names no module: it would call none`);
    for (const { ref, comment } of moduleLines(text)) {
      pins.add(`${ref} # ${comment}`);
      const [address, version = ""] = ref.split("@", 2);
      if (address !== MODULE_ADDRESS) fail("pinned-module", `${file} names module ${address}, not ${MODULE_ADDRESS}`);
      if (/^[0-9a-f]{40}$/.test(version)) {
        if (!MODULE_VERSION_TAG.test(comment))
          fail("pinned-module", `${file} pins commit ${version} without its version as a "# module-vX.Y.Z" comment`);
      } else if (!MODULE_VERSION_TAG.test(version)) {
        fail("pinned-module", `${file} pins the module to "${version}": use a full commit sha or a module-vX.Y.Z tag`);
      }
    }
  }
  // One module version for the three workflows: CI, CD and release run the same pipeline code.
  if (pins.size > 1)
    fail("one-module-version", `the templates pin ${pins.size} module versions: ${[...pins].join(", ")}`);

  for (const call of callsOf(templates)) {
    const where = `${call.file} ${call.job}`;
    // A remote module resolves a defaultPath in its own repository: every such argument names the checkout.
    const fn = surface.functions.find((f) => f.name === call.fn);
    for (const [flags, args] of [
      [call.constructorFlags, surface.constructorArgs],
      [call.flags, fn?.args ?? []],
    ] as const) {
      for (const arg of args.filter((a) => a.defaultPath !== undefined))
        if (flags.get(arg.name) !== ".")
          fail(
            "service-source",
            `${where} does not pass --${arg.name}=. (left out, it is ${arg.defaultPath} in the module's repository)`,
          );
    }
    for (const problem of surfaceProblems(call, surface)) fail("surface", `${where}: ${problem}`);
    for (const problem of referenceProblems(call)) fail("references", problem);
  }

  for (const [file, text] of Object.entries(real)) {
    const template = templates[file];
    if (template === undefined) fail("counterpart", `no template for ${file}`);
    else
      for (const problem of counterpartProblems(file, parse(template) as Workflow, parse(text) as Workflow))
        fail("counterpart", problem);
  }
  return problems;
}

/**
 * How a template strays from its real workflow: it must keep the triggers, the permissions, and each job's
 * condition, needs, environment, concurrency and steps. The Dagger step may only name the module, add
 * `--source=.`-style arguments and extra flags, and move paths into the bundled example to the repository root.
 */
function counterpartProblems(file: string, template: Workflow, real: Workflow): string[] {
  const problems: string[] = [];
  const differ = (what: string, a: unknown, b: unknown) => {
    if (!isDeepStrictEqual(a, b)) problems.push(`${file} ${what} is ${JSON.stringify(a)}, not ${JSON.stringify(b)}`);
  };
  /** Each key of two records compared on its own, so that a problem names the key that differs. */
  const differEach = (what: string, a: object, b: object) => {
    const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) differ(`${what}${key}`, x[key], y[key]);
  };
  const { jobs: templateJobs, ...templateTop } = template;
  const { jobs: realJobs, ...realTop } = real;
  differEach("", templateTop, realTop);
  differ("jobs", Object.keys(templateJobs), Object.keys(realJobs));

  for (const [name, realJob] of Object.entries(realJobs)) {
    const job = templateJobs[name];
    if (!job) continue;
    const { steps, ...settings } = job;
    const { steps: realSteps, ...realSettings } = realJob;
    differEach(`job ${name} `, settings, realSettings);
    differ(`job ${name} steps`, steps.length, realSteps.length);
    for (const [i, realStep] of realSteps.entries()) {
      const step = steps[i];
      if (!step) continue;
      const isDagger = (s: Step) => s.uses?.startsWith("dagger/dagger-for-github@") === true;
      if (!isDagger(realStep) || !isDagger(step)) {
        differ(`job ${name} step ${i}`, step, realStep);
        continue;
      }
      const { with: given = {}, env = {}, ...rest } = step;
      const { with: realWith = {}, env: realEnv = {}, ...realRest } = realStep;
      differ(`job ${name} step ${i}`, rest, realRest);
      // `module` is the one input a template adds (pinned-module checks its value).
      const inputs = Object.keys(given).filter((k) => k !== "module");
      differ(`job ${name} step ${i} inputs`, inputs.sort(), Object.keys(realWith).sort());
      differ(`job ${name} step ${i} version`, given["version"], realWith["version"]);
      for (const [key, value] of Object.entries(realEnv)) differ(`job ${name} env ${key}`, env[key], value);
      const call = parseDaggerCall(file, name, step);
      const realCall = parseDaggerCall(file, name, realStep);
      differ(`job ${name} function`, call.fn, realCall.fn);
      for (const [flags, realFlags, kind] of [
        [call.constructorFlags, realCall.constructorFlags, "constructor"],
        [call.flags, realCall.flags, call.fn],
      ] as const) {
        for (const [flag, value] of realFlags) {
          const expected = value.startsWith(EXAMPLE_SERVICE) ? value.slice(EXAMPLE_SERVICE.length) : value;
          differ(`job ${name} ${kind} --${flag}`, flags.get(flag), expected);
        }
      }
    }
  }
  return problems;
}
