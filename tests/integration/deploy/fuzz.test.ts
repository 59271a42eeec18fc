/**
 * Seeded fault fuzzer over the deploy core against moto (fast-check): random sequences (1-2 steps) of deploys, manual
 * rollbacks and migrations, each deploy from a task definition template (as every `dagger call` deploys) or as a
 * copy of the serving revision, with a fault drawn from a catalogue (FAKES from faults.ts where moto cannot
 * produce the state). After every step the invariants of docs/deploy.md are checked against moto's real state.
 * The seed is printed; a failure names it and shrinks to a minimal sequence. Rerun one: FUZZ_SEED=<n>.
 * FUZZ_RUNS sets the number of sequences (default 300). Pacing is 1 ms so a sequence takes well under a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { StopTaskCommand, type DescribeTasksCommandOutput, type RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { rollback } from "../../../src/core/deploy/rollback-command.js";
import { migrate } from "../../../src/core/deploy/migrate-command.js";
import type { DeployReport } from "../../../src/core/deploy/report.js";
import type { AwsClients } from "../../../src/core/aws/clients.js";
import { destroyAwsClients } from "../../../src/core/aws/clients.js";
import { motoClients, requireMoto, seedEnvironment, serviceNow, type Seeded } from "../../support/moto.js";
import { startServiceStandIn, type LoopbackServer } from "./servers.js";
import { publishIntoMoto, templateFor } from "./helpers.js";
import {
  fakeAwsError,
  fakeCircuitBreakerRollback,
  fakeMigrationTask,
  fakeRolloutFailed,
  fakeStuckInProgress,
  onRequest,
  onResponse,
} from "./faults.js";

const FAULTS = [
  "none",
  "throttled-poll",
  "tasks-5xx",
  "update-denied",
  "breaker",
  "rollout-failed",
  "migration-exit-1",
  "smoke-503",
  "rollout-timeout",
  "concurrent-deploy",
] as const;
type Fault = (typeof FAULTS)[number];
type Step =
  | { readonly kind: "deploy"; readonly sha: number; readonly fault: Fault; readonly templated: boolean }
  | { readonly kind: "rollback" }
  | { readonly kind: "migrate" };

const SHAS = ["a", "b", "c"].map((c) => c.repeat(40));
// Waits long enough that a transient fault never reaches a deadline, except where the fault IS the deadline.
const PACING = {
  backoff: { initialMs: 1, maxMs: 5, factor: 1.5 },
  rolloutTimeoutMs: 5_000,
  migrationTimeoutMs: 5_000,
  rollbackTimeoutMs: 5_000,
};
const runs = Number(process.env.FUZZ_RUNS ?? 300);
const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

let site: LoopbackServer;
let servedVersion = "";
let readyStatus = 200;
beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => servedVersion, readyStatus: () => readyStatus });
});
afterAll(async () => site?.close());

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("deploy" as const),
      sha: fc.nat(2),
      fault: fc.constantFrom(...FAULTS),
      templated: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "rollback" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "migrate" as const }) },
);

/**
 * Migration tasks started and not yet seen STOPPED (or stopped by StopTask), across every client of a sequence:
 * a RunTask while one is in flight is a violation. Tracked from the calls themselves, at no extra moto call.
 */
function guardMigrations(aws: AwsClients, inFlight: Set<string>, violations: string[]): void {
  onRequest(aws.ecs, "RunTask", (input) => {
    if (input.startedBy === "faultmaven-migrate" && inFlight.size > 0)
      violations.push(`two migrations at once: ${[...inFlight].join(", ")} was still running`);
  });
  onResponse<RunTaskCommandOutput>(aws.ecs, "RunTask", (out, input) => {
    const arn = out.tasks?.[0]?.taskArn;
    if (input.startedBy === "faultmaven-migrate" && arn) inFlight.add(arn);
  });
  onResponse<DescribeTasksCommandOutput>(aws.ecs, "DescribeTasks", (out) => {
    for (const task of out.tasks ?? []) if (task.lastStatus === "STOPPED") inFlight.delete(task.taskArn ?? "");
  });
  onRequest(aws.ecs, "StopTask", (input) => void inFlight.delete(String(input.task)));
}

function arrange(aws: AwsClients, seeded: Seeded, fault: Fault, serving: string): void {
  const env = seeded.environment;
  if (fault === "throttled-poll") {
    const f = fakeAwsError(aws.ecs, "DescribeServices", 0);
    onRequest(aws.ecs, "UpdateService", () => void (f.failed = -1)); // the next poll is throttled
  }
  if (fault === "tasks-5xx") fakeAwsError(aws.ecs, "DescribeTasks", 2, "InternalServerError", 500);
  if (fault === "update-denied") fakeAwsError(aws.ecs, "UpdateService", 99, "AccessDeniedException", 400);
  if (fault === "breaker") fakeCircuitBreakerRollback(aws, env, serving);
  if (fault === "rollout-failed") fakeRolloutFailed(aws);
  if (fault === "rollout-timeout") fakeStuckInProgress(aws);
  if (fault === "migration-exit-1")
    fakeMigrationTask(aws, (task) => {
      for (const c of task.containers ?? []) c.exitCode = 1;
    });
}

/** The outcome, rollback and end state must agree with each other and with the injected fault. */
function checkDeploy(report: DeployReport, serving: string | undefined, fault: Fault, violations: string[]): void {
  const { previous, new: next } = report.taskDefinition;
  const say = (why: string) =>
    violations.push(
      `${fault}: ${why} (outcome ${report.outcome}, serving ${serving}, previous ${previous}, new ${next}, error ${report.error?.message})`,
    );
  if (serving !== previous && serving !== next) say("the service serves a third revision");
  if (report.outcome === "succeeded" && serving !== next) say("succeeded but the new revision does not serve");
  if (report.outcome !== "succeeded" && serving !== previous && report.error?.kind !== "RollbackFailedError")
    say("not succeeded but the previous revision does not serve");
  if (report.rollback.taken && report.rollback.succeeded && serving !== previous)
    say("rolled back, yet not on previous");
  if (report.lock && !report.lock.released) say("the lock was not released");
  const expectedCause: Partial<Record<Fault, string>> = {
    breaker: "circuit-breaker",
    "rollout-failed": "deployment-failed",
    "rollout-timeout": "timeout",
    "smoke-503": "smoke",
  };
  const changed = previous !== next;
  if (changed && expectedCause[fault] && report.rollback.cause !== expectedCause[fault])
    say(`rollback cause ${report.rollback.cause} instead of ${expectedCause[fault]}`);
  if (["update-denied", "migration-exit-1"].includes(fault) && report.rollback.taken)
    say("rolled back a change that never happened");
  if (["none", "throttled-poll", "tasks-5xx"].includes(fault) && report.outcome !== "succeeded")
    say(`a transient fault changed the outcome: ${report.error?.message}`);
}

async function runStep(step: Step, seeded: Seeded, inFlight: Set<string>, violations: string[]): Promise<void> {
  const env = seeded.environment;
  const base = { environment: env, ...PACING };
  if (step.kind !== "deploy") {
    const aws = await motoClients();
    guardMigrations(aws, inFlight, violations);
    const before = (await serviceNow(env))?.taskDefinition;
    try {
      const report =
        step.kind === "rollback"
          ? await rollback({ ...base, aws, smoke: false })
          : await migrate({ ...base, aws, command: "downgrade -1" });
      const after = (await serviceNow(env))?.taskDefinition;
      if (step.kind === "migrate" && after !== before) violations.push("migrate changed the service");
      if (step.kind === "rollback" && report.outcome === "succeeded" && after !== report.taskDefinition.new)
        violations.push("rollback succeeded but its target does not serve");
    } catch {
      if (aws.calls.mutatingCalls().length > 0) violations.push(`refused ${step.kind} made mutating calls`);
    } finally {
      destroyAwsClients(aws);
    }
    return;
  }
  const sha = SHAS[step.sha] as string;
  servedVersion = `staging-${sha}`;
  readyStatus = step.fault === "smoke-503" ? 503 : 200;
  const servingBefore = (await serviceNow(env))?.taskDefinition as string;
  const attempt = async () => {
    // No SDK retries: a transient fault reaches the core's own waits at once (the SDK's backoff is seconds).
    const aws = await motoClients({ maxAttempts: 1 });
    guardMigrations(aws, inFlight, violations);
    arrange(aws, seeded, step.fault, servingBefore);
    try {
      const report = await deploy({
        ...base,
        // Templated: the environment also names its task count (the seeded one: moto never settles another).
        ...(step.templated ? { template: templateFor(seeded), environment: { ...env, desiredCount: 2 } } : {}),
        ...(step.fault === "rollout-timeout" ? { rolloutTimeoutMs: 100 } : {}),
        aws,
        gitSha: sha,
        publish: publishIntoMoto(seeded, { digests: [], logins: 0 }),
        smoke: { baseUrl: site.url, attempts: 1, requestTimeoutMs: 2000 },
      });
      return { report, aws };
    } catch (error) {
      // A refused deploy (preflight, lock) changes nothing: at most the refused conditional lock write.
      const mutating = aws.calls.mutatingCalls().map((c) => c.name);
      if (mutating.some((name) => name !== "PutItem"))
        violations.push(`refused deploy made mutating calls ${mutating.join(",")}: ${(error as Error).message}`);
      return { aws };
    }
  };
  const results = step.fault === "concurrent-deploy" ? await Promise.all([attempt(), attempt()]) : [await attempt()];
  const serving = (await serviceNow(env))?.taskDefinition;
  const reports = results.flatMap((r) => (r.report ? [r.report] : []));
  if (step.fault === "concurrent-deploy") {
    const updates = results.reduce((n, r) => n + r.aws.calls.count("UpdateService"), 0);
    if (updates > 1) violations.push(`concurrent deploys both updated the service (${updates} UpdateService)`);
  }
  for (const report of reports) checkDeploy(report, serving, step.fault, violations);
  for (const r of results) destroyAwsClients(r.aws);
  readyStatus = 200;
}

describe("seeded fault fuzzer (fast-check against moto)", () => {
  it(`${runs} random sequences keep every invariant (seed ${seed})`, { timeout: 600_000 }, async () => {
    console.log(`deploy fuzzer: seed ${seed}, ${runs} sequences (rerun with FUZZ_SEED=${seed})`);
    const checker = await motoClients();
    let sequences = 0;
    let steps = 0;
    let seeded: Seeded | undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 2 }), async (sequence) => {
        // A fresh environment every 10 sequences: the invariants are relative to each report, so a sequence may
        // start from what the previous one left, and seeding is the slowest part.
        if (sequences % 10 === 0 || !seeded) seeded = await seedEnvironment();
        sequences += 1;
        const violations: string[] = [];
        const inFlight = new Set<string>();
        for (const step of sequence) {
          steps += 1;
          await runStep(step, seeded as Seeded, inFlight, violations);
        }
        // Leave nothing running behind for the next sequence's checks.
        const cluster = (seeded as Seeded).environment.cluster;
        for (const arn of inFlight) await checker.ecs.send(new StopTaskCommand({ cluster, task: arn }));
        if (violations.length > 0) throw new Error(violations.join("; "));
      }),
      { numRuns: runs, seed, endOnFailure: false },
    );
    console.log(`deploy fuzzer: ${sequences} sequences, ${steps} steps, 0 violations (seed ${seed})`);
    expect(sequences).toBeGreaterThanOrEqual(runs);
    destroyAwsClients(checker);
  });
});
