/**
 * The secret-leak suite in module mode: canary secrets (tests/support/canaries.ts) go as secret IDs through every
 * Secret argument of the module's functions, exactly as `dagger call --token=env:NAME` passes them, so they cross
 * the engine into the module's own container. Then every place they could surface is searched: what each call
 * returned, every error message (the module's errors travel back through the engine), what the Slack stand-in
 * received, the engine container's log and the session's log since the suite began. Zero hits.
 *
 * moto (on the engine bridge, reachable from the module's container) accepts any AWS credentials, so canary keys
 * drive real calls; ci, test and release stop at a failing precondition before sending a token anywhere.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { canaries, canary, hitsIn, SHAPES, type Shape } from "../support/canaries.js";
import { createGitRepo, type TestGitRepo } from "../support/git-repo.js";
import {
  engineBridgeAddress,
  engineContainerLog,
  randomSha,
  seedStaging,
  startPrivateMoto,
  startRecorder,
  type PrivateMoto,
} from "../support/rig-cd.js";
import { type EngineSession, openSession, rigImages } from "../e2e/support/session.js";
import { callFunction, hostDirectory, serveModule, type Variable } from "./support/module.js";

const outputs: { call: string; text: string; failed: boolean }[] = [];
const CONTROL = `control${randomBytes(12).toString("hex")}`;
const sessionStart = new Date();
const str = (value: string): Variable => ({ type: "String", value });

let session: EngineSession | undefined;
let moto: PrivateMoto;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let repo: TestGitRepo;

async function secretArg(shape: Shape, where: string): Promise<Variable> {
  const value = canary(shape, where);
  return { type: "ID", value: await dag.setSecret(`leak-${randomBytes(6).toString("hex")}`, value).id() };
}

/** Runs one call and keeps what it gave back (result or error). */
async function record(call: string, fn: string, args: Record<string, Variable>, select = ""): Promise<void> {
  try {
    const result = await callFunction<unknown>(fn, args, select);
    outputs.push({ call, text: JSON.stringify(result), failed: false });
  } catch (error) {
    outputs.push({ call, text: `${(error as Error).name}: ${(error as Error).message}`, failed: true });
  }
}

beforeAll(async () => {
  session = await openSession("module-secrets");
  await serveModule();
  const bridge = engineBridgeAddress();
  moto = await startPrivateMoto(bridge);
  await seedStaging(moto);
  recorder = await startRecorder(bridge);
  repo = createGitRepo();
  repo.commit("chore: start", { "enterprise/main.py": '__version__ = "1.0.0"\n' });
  await dag.container().from(rigImages().python).withExec(["echo", CONTROL]).sync();
});
afterAll(async () => {
  repo?.remove();
  await recorder?.close();
  await moto?.stop();
  await session?.close();
});

describe("canary secrets through every Secret argument (module mode)", () => {
  it("ci and test: Codecov, GitHub and Snyk tokens in every shape", async () => {
    for (const shape of SHAPES) {
      await record(
        `ci ${shape}`,
        "ci",
        {
          codecovToken: await secretArg(shape, "ci codecovToken"),
          githubToken: await secretArg(shape, "ci githubToken"),
          snykToken: await secretArg(shape, "ci snykToken"),
        },
        "id",
      );
      await record(`test ${shape}`, "test", { codecovToken: await secretArg(shape, "test codecovToken") }, "id");
    }
    // No repository or sha for the uploads: refused before any stage runs or any token is sent.
    expect(outputs.filter((o) => o.call.startsWith("ci ") || o.call.startsWith("test ")).every((o) => o.failed)).toBe(
      true,
    );
  });

  it("release: GitHub token and Docker Hub credentials (dry run on a tag that does not exist)", async () => {
    for (const shape of SHAPES) {
      await record(`release ${shape}`, "release", {
        version: str("v9.9.9"),
        githubToken: await secretArg(shape, "release githubToken"),
        dockerUsername: await secretArg(shape, "release dockerUsername"),
        dockerPassword: await secretArg(shape, "release dockerPassword"),
        repo: await hostDirectory(repo.dir),
        dryRun: { type: "Boolean", value: true },
      });
    }
    expect(outputs.filter((o) => o.call.startsWith("release")).map((o) => o.text)).toEqual(
      SHAPES.map(() => expect.stringContaining("tag v9.9.9 does not exist")),
    );
  });

  it("plan, rollback and deploy: AWS keys, session token, web identity and the Slack webhook", async () => {
    const hook = canary("one-line", "deploy slackWebhook");
    const aws = async (call: string, shape: Shape) => ({
      awsAccessKeyId: await secretArg(shape, `${call} awsAccessKeyId`),
      awsSecretAccessKey: await secretArg(shape === "multi-line" ? "4kb" : shape, `${call} awsSecretAccessKey`),
      awsSessionToken: await secretArg("base64", `${call} awsSessionToken`),
      awsEndpointUrl: str(moto.endpoint),
    });
    await record("plan", "plan", { env: str("staging"), gitSha: str(randomSha()), ...(await aws("plan", "one-line")) });
    await record("rollback web identity", "rollback", {
      env: str("staging"),
      awsRoleArn: str("arn:aws:iam::123456789012:role/faultmaven-deploy"),
      awsWebIdentityToken: await secretArg("multi-line", "rollback awsWebIdentityToken"),
      awsEndpointUrl: str(moto.endpoint),
      timeoutSeconds: { type: "Int", value: 60 },
    });
    await record("deploy", "deploy", {
      env: str("staging"),
      gitSha: str(randomSha()),
      ...(await aws("deploy", "one-line")),
      slackWebhook: {
        type: "ID",
        value: await dag.setSecret("leak-hook", `${recorder.url}/services/${hook}`).id(),
      },
      // Nothing to publish to: the deploy fails after its preflight, and still reports to Slack.
      smokeUrl: str("http://127.0.0.1:9/"),
      rolloutTimeoutSeconds: { type: "Int", value: 60 },
      migrationTimeoutSeconds: { type: "Int", value: 60 },
    });
    // The keys reached moto through the module (plan read the service with them).
    expect(outputs.find((o) => o.call === "plan")?.failed, outputs.find((o) => o.call === "plan")?.text).toBe(false);
  });
});

describe("the search: zero hits of any canary (module mode)", () => {
  it("in returned values and error messages", () => {
    expect(canaries.length).toBeGreaterThanOrEqual(30);
    console.log(
      outputs
        .map((o) => `${o.call}: ${o.failed ? "failed" : "returned"}: ${o.text.split("\n")[0]?.slice(0, 200)}`)
        .join("\n"),
    );
    expect(outputs.flatMap((o) => hitsIn(o.text, `${o.call} ${o.failed ? "error" : "result"}`))).toEqual([]);
  });

  it("in what the Slack stand-in received", () => {
    expect(recorder.requests.flatMap((r, i) => hitsIn(r.body, `Slack request ${i} body`))).toEqual([]);
  });

  it("in the engine's log and the session's log", async () => {
    const log = session!.logFile;
    await session?.close();
    session = undefined;
    const engineLog = await engineContainerLog(new Date(sessionStart.getTime() - 1000));
    expect(engineLog).toContain(CONTROL);
    expect([...hitsIn(engineLog, "engine container log"), ...hitsIn(readFileSync(log), log)]).toEqual([]);
  });
});
