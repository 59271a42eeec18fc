/**
 * Deploy benchmark against moto (prints numbers; not a test). Needs moto: `bash scripts/setup/moto.sh start`.
 *   npx tsx scripts/bench-deploy.ts            # default pacing (2 s → 15 s backoff), about a minute
 *   npx tsx scripts/bench-deploy.ts --fast     # 10x shorter delays, same shape
 * Measures: AWS calls per clean deploy and per poll, the deploy's own overhead (wall time minus time sleeping
 * between ECS polls), and how many polls pass between a rollout failure appearing and the deploy reporting it.
 * The slow/failing rollouts are FAKES wrapping the real moto client (moto settles rollouts instantly).
 */
import type { DescribeServicesCommandOutput } from "@aws-sdk/client-ecs";
import { deploy } from "../src/core/deploy/deploy.js";
import { backoffDelay } from "../src/core/deploy/backoff.js";
import { motoClients, requireMoto, seedEnvironment } from "../tests/support/moto.js";
import { startServiceStandIn } from "../tests/integration/deploy/servers.js";
import { publishIntoMoto, STAGING_VERSION } from "../tests/integration/deploy/helpers.js";
import { onRequest, onResponse, rolloutDeploymentId } from "../tests/integration/deploy/faults.js";

const scale = process.argv.includes("--fast") ? 0.1 : 1;
const backoff = { initialMs: 2000 * scale, maxMs: 15000 * scale, factor: 1.5 };
const SHA = "0123456789abcdef0123456789abcdef01234567";

await requireMoto();
const site = await startServiceStandIn({ version: () => STAGING_VERSION });
const smoke = { baseUrl: site.url, attempts: 3, backoff: { initialMs: 500 * scale, maxMs: 2000 * scale } };

async function run(label: string, arrange: (aws: Awaited<ReturnType<typeof motoClients>>) => void) {
  const seed = await seedEnvironment();
  const aws = await motoClients();
  const polls: number[] = [];
  const pollsAtUpdate: number[] = []; // DescribeServices calls made before each UpdateService
  onRequest(aws.ecs, "DescribeServices", () => void polls.push(performance.now()));
  onRequest(aws.ecs, "UpdateService", () => void pollsAtUpdate.push(polls.length));
  arrange(aws);
  const report = await deploy({
    environment: seed.environment,
    aws,
    gitSha: SHA,
    publish: publishIntoMoto(seed, { digests: [], logins: 0 }),
    backoff,
    smoke,
    rolloutTimeoutMs: 600_000,
    migrationTimeoutMs: 600_000,
  });
  return { label, report, polls, pollsAtUpdate };
}

// 1. A clean deploy (moto settles the rollout at once; the migration task takes a few DescribeTasks to stop).
const clean = await run("clean deploy", () => {});
// 2. A rollout that stays IN_PROGRESS for 5 polls, then settles (FAKE keyed by the rollout's deployment id).
const slow = await run("slow rollout (5 polls in progress)", (aws) => {
  const rollout = rolloutDeploymentId(aws);
  let seen = 0;
  onResponse<DescribeServicesCommandOutput>(aws.ecs, "DescribeServices", (out) => {
    const d = out.services?.[0]?.deployments?.find((x) => x.id === rollout.id);
    if (d && ++seen <= 5) Object.assign(d, { rolloutState: "IN_PROGRESS", runningCount: 1 });
  });
});
// 3. A rollout that turns FAILED after 3 in-progress polls (FAKE): how many polls until the deploy reports it?
let failedAtPoll = 0;
const failing = await run("rollout FAILED after 3 polls", (aws) => {
  const rollout = rolloutDeploymentId(aws);
  let seen = 0;
  onResponse<DescribeServicesCommandOutput>(aws.ecs, "DescribeServices", (out) => {
    const d = out.services?.[0]?.deployments?.find((x) => x.id === rollout.id);
    if (!d) return;
    seen += 1;
    if (seen <= 3) Object.assign(d, { rolloutState: "IN_PROGRESS", runningCount: 1 });
    else {
      failedAtPoll ||= seen;
      Object.assign(d, { rolloutState: "FAILED", rolloutStateReason: "fake: tasks failed to start" });
    }
  });
});
await site.close();

const row = (name: string, value: string | number) => console.log(`${name.padEnd(58)} ${value}`);
const r = clean.report;
console.log(`\n== deploy benchmark against moto (${scale === 1 ? "default pacing" : "--fast pacing"}) ==`);
row("clean deploy outcome", r.outcome);
row("clean deploy: AWS calls total / mutating", `${r.apiCalls.total} / ${r.apiCalls.mutating}`);
row(
  "clean deploy: calls by name",
  Object.entries(r.apiCalls.byName)
    .map(([n, c]) => `${n}=${c.count}`)
    .join(" "),
);
row("clean deploy: wall time (ms)", r.timings.totalMs);
row("clean deploy: sleeping between ECS polls (ms)", r.timings.waitingMs);
row("clean deploy: own overhead = wall - sleeping (ms)", r.timings.overheadMs);
row(
  "clean deploy: phases (ms)",
  Object.entries(r.timings.phases)
    .map(([n, ms]) => `${n}=${ms}`)
    .join(" "),
);
const s = slow.report;
const waitCalls = s.apiCalls.byName.DescribeServices?.count ?? 0;
row("slow rollout outcome", s.outcome);
row("slow rollout: rollout polls", s.rolloutPolls);
row("slow rollout: DescribeServices calls in total (incl. preflight)", waitCalls);
row("slow rollout: DescribeServices per rollout poll", ((waitCalls - 1) / s.rolloutPolls).toFixed(2));
const gaps = slow.polls.slice(2).map((t, i) => Math.round(t - (slow.polls[i + 1] ?? t)));
row("slow rollout: gaps between polls (ms)", gaps.join(", "));
row(
  "slow rollout: scheduled delays (ms)",
  Array.from({ length: gaps.length }, (_, i) => backoffDelay(i, backoff)).join(", "),
);
row("slow rollout: own overhead (ms)", s.timings.overheadMs);
const f = failing.report;
row("failing rollout outcome", `${f.outcome} (${f.error?.message ?? ""})`.slice(0, 120));
row("failing rollout: poll that first showed FAILED", failedAtPoll);
// Polls of the rollout wait = DescribeServices between the deploy's UpdateService and the rollback's (a rollback
// for an observed FAILED deployment goes straight to UpdateService; only a breaker rollback describes first).
const [atRollout = 0, atRollback = 0] = failing.pollsAtUpdate;
const rolloutWaitPolls = atRollback - atRollout;
row("failing rollout: rollout polls until the deploy stopped waiting", rolloutWaitPolls);
row("failing rollout: polls after the failure appeared, before reporting", rolloutWaitPolls - failedAtPoll);
row(
  "failing rollout: rolled back",
  `${f.rollback.taken} (${f.rollback.by ?? "-"}, succeeded=${f.rollback.succeeded ?? "-"})`,
);
