/**
 * The staging → production gate against moto's ECR: a staging deploy that passed its smoke checks tags its digest
 * `verified-staging-<sha>`; a failed one does not; production deploys exactly that digest for the commit its tag
 * points to, never calls the build, and refuses in one line, with no mutating call, without the mark.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { deploy, type DeployOptions } from "../../../src/core/deploy/deploy.js";
import { plan } from "../../../src/core/deploy/plan.js";
import { verifiedDigestOf, verifiedTag } from "../../../src/core/deploy/promotion.js";
import type { PublishImage } from "../../../src/core/deploy/image.js";
import { PipelineError, PreflightError, SettingsError } from "../../../src/core/errors.js";
import { motoClients, requireMoto, seedEnvironment, serviceNow, type Seeded } from "../../support/moto.js";
import { startServiceStandIn, type LoopbackServer } from "./servers.js";
import { FAST, publishIntoMoto, stagingOptions } from "./helpers.js";

let site: LoopbackServer;
let served = "";
let readyStatus = 200;

beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => served, readyStatus: () => readyStatus });
});
afterAll(async () => site?.close());

/** Staging and production seeded on one ECR repository, as in dagger/environments.json. */
async function seedBoth(): Promise<{ staging: Seeded; production: Seeded }> {
  const staging = await seedEnvironment();
  const seededProduction = await seedEnvironment({ name: "production" });
  return {
    staging,
    production: {
      ...seededProduction,
      environment: { ...seededProduction.environment, ecrRepository: staging.environment.ecrRepository },
    },
  };
}

async function tagsOf(repository: string, digest: string): Promise<string[]> {
  const clients = await motoClients();
  try {
    const out = await clients.ecr.send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
    );
    return out.imageDetails?.[0]?.imageTags ?? [];
  } finally {
    clients.ecr.destroy();
  }
}

/** A build that must never run: production promotes, it does not rebuild. */
const noBuild: { calls: number; publish: PublishImage } = {
  calls: 0,
  publish: () => {
    noBuild.calls += 1;
    return Promise.reject(new Error("production must not build"));
  },
};

function productionOptions(seed: Seeded, aws: DeployOptions["aws"], extra: Partial<DeployOptions>): DeployOptions {
  return {
    environment: seed.environment,
    ...(aws ? { aws } : {}),
    version: "v1.7.0",
    gitRef: "refs/tags/v1.7.0",
    publish: noBuild.publish,
    ...FAST,
    smoke: { ...FAST.smoke, baseUrl: site.url },
    ...extra,
  };
}

const SHA = "0123456789abcdef0123456789abcdef01234567";

async function deployStaging(staging: Seeded, gitSha = SHA) {
  served = `staging-${gitSha}`;
  const pushed = { digests: [] as string[], logins: 0 };
  const report = await deploy(
    stagingOptions(staging, await motoClients(), site.url, {
      gitSha,
      gitRef: "refs/heads/main",
      publish: publishIntoMoto(staging, pushed),
    }),
  );
  return { report, digest: pushed.digests[0] as string };
}

describe("staging verifies, production promotes (moto ECR)", () => {
  it("a staging deploy whose smoke checks passed marks its digest; production deploys that digest without building", async () => {
    const { staging, production } = await seedBoth();
    const { report, digest } = await deployStaging(staging);
    expect(report.outcome).toBe("succeeded");
    expect(await tagsOf(staging.environment.ecrRepository, digest)).toEqual(
      expect.arrayContaining([`staging-${SHA}`, `verified-staging-${SHA}`]),
    );

    served = "v1.7.0";
    noBuild.calls = 0;
    const prod = await deploy(productionOptions(production, await motoClients(), { gitSha: SHA }));
    expect(prod.outcome).toBe("succeeded");
    expect(noBuild.calls).toBe(0);
    expect(prod.image?.source).toBe("promoted");
    expect(prod.image?.digest).toBe(digest);
    expect(await tagsOf(staging.environment.ecrRepository, digest)).toEqual(
      expect.arrayContaining(["v1.7.0", "latest", `verified-staging-${SHA}`]),
    );
    expect((await serviceNow(production.environment))?.taskDefinition).toBe(prod.taskDefinition.new);
    // Production writes no verified mark of its own.
    expect(prod.apiCalls.byName.PutImage?.count).toBe(2);
  });

  it("plan for production shows the verified digest, promoted, with no mutating call", async () => {
    const { staging, production } = await seedBoth();
    const { digest } = await deployStaging(staging, "3333333333333333333333333333333333333333");
    const aws = await motoClients();
    const planned = await plan({
      ...productionOptions(production, aws, { gitSha: "3333333333333333333333333333333333333333" }),
      publish: true,
    });
    expect(planned.image).toMatchObject({ action: "promote", digest });
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });

  it("a staging deploy rolled back by a failed smoke check leaves no mark, and production refuses that commit", async () => {
    const { staging, production } = await seedBoth();
    readyStatus = 503;
    let failed;
    try {
      failed = await deployStaging(staging, "1111111111111111111111111111111111111111");
    } finally {
      readyStatus = 200;
    }
    expect(failed.report.outcome).toBe("rolled-back");
    expect(await tagsOf(staging.environment.ecrRepository, failed.digest)).not.toContain(
      "verified-staging-1111111111111111111111111111111111111111",
    );

    const aws = await motoClients();
    noBuild.calls = 0;
    const attempt = deploy(productionOptions(production, aws, { gitSha: "1111111111111111111111111111111111111111" }));
    await expect(attempt).rejects.toThrow(PreflightError);
    await expect(attempt).rejects.toThrow(
      /^production refuses commit 1{40}: no image in ECR repository \S+ is tagged verified-staging-1{40}, so staging never deployed it with passing smoke checks; deploy that commit to staging first$/,
    );
    expect(noBuild.calls).toBe(0);
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });

  it("a --promote-digest other than the verified one is refused before any change", async () => {
    const { staging, production } = await seedBoth();
    const { digest } = await deployStaging(staging, "2222222222222222222222222222222222222222");
    const aws = await motoClients();
    const attempt = deploy(
      productionOptions(production, aws, {
        gitSha: "2222222222222222222222222222222222222222",
        publish: undefined,
        promoteDigest: staging.imageDigest,
      }),
    );
    await expect(attempt).rejects.toThrow(
      new RegExp(`is not the digest staging verified for commit 2{40} \\(${digest}\\): drop --promote-digest$`),
    );
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });

  it.each([
    ["no --git-sha", {}, SettingsError, /^production deploys only the digest staging verified: pass --git-sha=/],
    ["a short sha", { gitSha: "0123456" }, SettingsError, /is not the full 40-hex commit id/],
  ] as const)("production with %s is refused in one line", async (_name, extra, kind, pattern) => {
    const { production } = await seedBoth();
    const aws = await motoClients();
    const attempt = deploy(productionOptions(production, aws, extra));
    await expect(attempt).rejects.toThrow(kind);
    await expect(attempt).rejects.toThrow(pattern);
    await attempt.catch((e: PipelineError) => expect(e.message).not.toContain("\n"));
    expect(aws.calls.mutatingCalls()).toEqual([]);
  });

  it("a staging deploy given a short sha succeeds but warns that production will refuse it", async () => {
    const { staging } = await seedBoth();
    const { report, digest } = await deployStaging(staging, "abcdef1");
    expect(report.outcome).toBe("succeeded");
    expect(report.warnings.join(" ")).toMatch(/no verified-staging-<sha> mark written .*: production will refuse/);
    expect((await tagsOf(staging.environment.ecrRepository, digest)).some((t) => t.startsWith("verified-"))).toBe(
      false,
    );
  });

  it("release finds the verified digest of a commit, and nothing for a commit staging never verified", async () => {
    const { staging } = await seedBoth();
    const { digest } = await deployStaging(staging, "5555555555555555555555555555555555555555");
    const clients = await motoClients();
    const repository = { repositoryName: staging.environment.ecrRepository };
    expect(await verifiedDigestOf(clients, repository, "5555555555555555555555555555555555555555")).toBe(digest);
    expect(await verifiedDigestOf(clients, repository, "6666666666666666666666666666666666666666")).toBeUndefined();
    expect(clients.calls.mutatingCalls()).toEqual([]);
  });

  it("the mark is one tag per full commit id", () => {
    expect(verifiedTag(SHA)).toBe(`verified-staging-${SHA}`);
    expect(() => verifiedTag("ABCDEF0123456789abcdef0123456789abcdef01")).toThrow(SettingsError);
  });
});
