/**
 * CD for another service, from its own descriptors (tests/fixtures/second-service/deploy: another cluster, service,
 * container name, repository and family, a sidecar, secrets by ARN, its own CPU/memory and task count), against
 * moto: what is registered is the rendered template, plan shows it field by field, a rerun reuses it, the report
 * says which template and which rendered hash were deployed.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { CreateRepositoryCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { destroyAwsClients } from "../../../src/core/aws/clients.js";
import { deploy } from "../../../src/core/deploy/deploy.js";
import { plan } from "../../../src/core/deploy/plan.js";
import { parseDescriptors, type Descriptors } from "../../../src/core/deploy/descriptors.js";
import { RENDERED_TAG, TEMPLATE_TAG } from "../../../src/core/deploy/revision.js";
import type { EnvironmentConfig } from "../../../src/core/deploy/environments.js";
import {
  MOTO_ENDPOINT,
  MOTO_REGION,
  ensureLockTable,
  ec2Value,
  motoClients,
  requireMoto,
  serviceNow,
  uniqueImageManifest,
} from "../../support/moto.js";
import { startServiceStandIn, type LoopbackServer } from "./servers.js";
import { FAST, STAGING_VERSION } from "./helpers.js";
import { onRequest } from "./faults.js";

const DIR = "tests/fixtures/second-service/deploy";
const GIT_SHA = "0123456789abcdef0123456789abcdef01234567";

let site: LoopbackServer;
beforeAll(async () => {
  await requireMoto();
  site = await startServiceStandIn({ version: () => STAGING_VERSION });
});
afterAll(async () => site?.close());

/** What a seeded second service has: its descriptors (names made unique) and the revision serving before. */
interface SecondService {
  readonly descriptors: Descriptors;
  readonly staging: EnvironmentConfig;
  readonly servingArn: string;
  readonly digest: string;
}

/**
 * The fixture's descriptors with unique cluster, repository and family names, and moto holding that service as a
 * team would have created it by hand before adopting the pipeline: a revision unlike the template's. moto keeps a
 * deployment's task count from the service's creation, so only a plan can show a count change (it never settles).
 */
async function seedSecondService(desiredCount = 2): Promise<SecondService> {
  const id = randomBytes(4).toString("hex");
  const environments = JSON.parse(readFileSync(`${DIR}/environments.json`, "utf8"));
  environments.staging.cluster = `billing-staging-${id}`;
  environments.staging.ecrRepository = `fm-billing-api-${id}`;
  const template = JSON.parse(readFileSync(`${DIR}/task-definition.json`, "utf8"));
  template.family = `billing-api-${id}`;
  const descriptors = parseDescriptors({
    environmentsFile: "deploy/environments.json",
    environmentsText: JSON.stringify(environments),
    templateFile: "deploy/task-definition.json",
    templateText: JSON.stringify(template),
  });
  const staging = descriptors.environments.staging;
  const clients = await motoClients();
  try {
    const repo = await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: staging.ecrRepository }));
    const pushed = await clients.ecr.send(
      new PutImageCommand({ repositoryName: staging.ecrRepository, imageManifest: uniqueImageManifest() }),
    );
    const digest = pushed.image?.imageId?.imageDigest as string;
    await clients.ecs.send(new CreateClusterCommand({ clusterName: staging.cluster }));
    const serving = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: template.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [
          { name: "api", image: `${repo.repository?.repositoryUri}:hand-made`, essential: true, memory: 512 },
        ],
      }),
    );
    const servingArn = serving.taskDefinition?.taskDefinitionArn as string;
    const subnet = await ec2Value(MOTO_ENDPOINT, MOTO_REGION, "DescribeSubnets", "subnetId");
    const group = await ec2Value(MOTO_ENDPOINT, MOTO_REGION, "DescribeSecurityGroups", "groupId");
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: staging.cluster,
        serviceName: staging.service,
        taskDefinition: servingArn,
        desiredCount,
        launchType: "FARGATE",
        networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } },
      }),
    );
    await ensureLockTable(clients);
    return { descriptors, staging, servingArn, digest };
  } finally {
    destroyAwsClients(clients);
  }
}

async function options(service: SecondService) {
  return {
    environment: service.staging,
    template: service.descriptors.template,
    aws: await motoClients(),
    gitSha: GIT_SHA,
    promoteDigest: service.digest,
    ...FAST,
    rollbackTimeoutMs: 5_000,
    smoke: { ...FAST.smoke, baseUrl: site.url },
    log: (line: string) => process.env.DEBUG_DEPLOY && console.log(line),
  };
}

describe("a second service deploys from its own descriptors (moto)", () => {
  it("plan shows every field the template changes, with zero mutating calls", async () => {
    const service = await seedSecondService(1);
    const o = await options(service);
    const result = await plan(o);
    expect(o.aws.calls.mutatingCalls()).toEqual([]);
    expect(result.taskDefinition.action).toBe("register");
    expect(result.taskDefinition.renderedSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.taskDefinition.template).toEqual({
      file: "deploy/task-definition.json",
      sha256: service.descriptors.template.sha256,
    });
    const fields = result.taskDefinition.changes.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "cpu",
        "memory",
        "executionRoleArn",
        "taskRoleArn",
        "containerDefinitions[api].image",
        "containerDefinitions[api].environment[APP_VERSION]",
        "containerDefinitions[api].memory",
        "containerDefinitions[api].secrets[DATABASE_URL]",
        "containerDefinitions[api].logConfiguration",
        "containerDefinitions[metrics-agent]",
      ]),
    );
    expect(result.taskDefinition.changes.find((c) => c.field === "cpu")).toEqual({
      field: "cpu",
      from: "256",
      to: "1024",
    });
    expect(result.rollout.desiredCount).toEqual({ from: 1, to: 2 });
  });

  it("deploy registers exactly the rendered template and records which template and which rendered hash", async () => {
    const service = await seedSecondService();
    const report = await deploy(await options(service));
    expect(report.error).toBeUndefined();
    expect(report.outcome).toBe("succeeded");
    expect(report.taskDefinition).toMatchObject({
      previous: service.servingArn,
      registered: true,
      template: { file: "deploy/task-definition.json", sha256: service.descriptors.template.sha256 },
      renderedSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const clients = await motoClients();
    const described = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: report.taskDefinition.new, include: ["TAGS"] }),
    );
    destroyAwsClients(clients);
    const definition = described.taskDefinition;
    expect(definition).toMatchObject({ cpu: "1024", memory: "3072" });
    const [api, sidecar] = definition?.containerDefinitions ?? [];
    expect(api?.image).toBe(`${report.image?.repository}@${service.digest}`);
    expect(new Map(api?.environment?.map((e) => [e.name, e.value]))).toEqual(
      new Map([
        ["SERVICE_NAME", "billing-api"],
        ["APP_VERSION", STAGING_VERSION],
        ["ENVIRONMENT", "staging"],
        ["LOG_LEVEL", "DEBUG"],
      ]),
    );
    expect(Object.fromEntries(api?.secrets?.map((s) => [s.name, s.valueFrom]) ?? [])).toEqual(
      service.staging.taskSecrets,
    );
    expect(api?.logConfiguration?.options?.["awslogs-group"]).toBe("/ecs/billing-staging");
    expect(sidecar?.name).toBe("metrics-agent");
    expect(sidecar?.image).toMatch(/^public\.ecr\.aws\/cloudwatch-agent\/cloudwatch-agent@sha256:/);
    const tags = new Map(described.tags?.map((t) => [t.key, t.value]));
    expect(tags.get(RENDERED_TAG)).toBe(report.taskDefinition.renderedSha256);
    expect(tags.get(TEMPLATE_TAG)).toBe(service.descriptors.template.sha256);
    const now = await serviceNow(service.staging);
    expect(now?.taskDefinition).toBe(report.taskDefinition.new);
    expect(now?.desiredCount).toBe(2);
  });

  it("a rerun with the same descriptors and digest registers nothing and changes nothing", async () => {
    const service = await seedSecondService();
    const first = await deploy(await options(service));
    expect(first.outcome).toBe("succeeded");
    const o = await options(service);
    const second = await deploy(o);
    expect(second.outcome).toBe("succeeded");
    expect(second.taskDefinition).toMatchObject({ registered: false, new: first.taskDefinition.new });
    expect(second.taskDefinition.renderedSha256).toBe(first.taskDefinition.renderedSha256);
    expect(o.aws.calls.mutatingCalls().filter((c) => /RegisterTaskDefinition|UpdateService/.test(c.name))).toEqual([]);
    const planned = await plan(await options(service));
    expect(planned.taskDefinition).toMatchObject({ action: "none", changes: [] });
  });

  it("a change to the environments file (CPU) is a new revision; the old one stays the rollback target", async () => {
    const service = await seedSecondService();
    const first = await deploy(await options(service));
    const bigger = { ...service, staging: { ...service.staging, cpu: "2048", memory: "4096" } };
    const planned = await plan(await options(bigger));
    expect(planned.taskDefinition.changes).toEqual([
      { field: "cpu", from: "1024", to: "2048" },
      { field: "memory", from: "3072", to: "4096" },
    ]);
    const second = await deploy(await options(bigger));
    expect(second.outcome).toBe("succeeded");
    expect(second.taskDefinition).toMatchObject({ registered: true, previous: first.taskDefinition.new });
    expect(second.taskDefinition.renderedSha256).not.toBe(first.taskDefinition.renderedSha256);
  });
});

describe("a templated deploy that fails leaves the hand-made revision serving (moto)", () => {
  it("smoke fails → rolled back to the revision that served before the template was ever used", async () => {
    const notReady = await startServiceStandIn({ version: () => STAGING_VERSION, readyStatus: () => 503 });
    try {
      const service = await seedSecondService();
      const report = await deploy({ ...(await options(service)), smoke: { ...FAST.smoke, baseUrl: notReady.url } });
      expect(report.outcome).toBe("rolled-back");
      expect(report.rollback).toMatchObject({ taken: true, cause: "smoke", toTaskDefinition: service.servingArn });
      expect(report.taskDefinition.registered).toBe(true);
      const now = await serviceNow(service.staging);
      expect(now?.taskDefinition).toBe(service.servingArn);
      expect(now?.desiredCount).toBe(2);
    } finally {
      await notReady.close();
    }
  });
});

describe("the environment's task count (moto)", () => {
  it("goes out with the rollout's UpdateService, and back with the automatic rollback", async () => {
    // Seeded with 1 task; the descriptors say 2. moto keeps the deployment's count from the service's creation and
    // always reports 2 running, so neither the rollout nor the rollback settles here: what is checked is what the
    // pipeline asks of ECS (the count with the rollout, the old count with the rollback) and where the service ends.
    const service = await seedSecondService(1);
    const o = await options(service);
    const updates: Record<string, unknown>[] = [];
    onRequest(o.aws.ecs, "UpdateService", (input) => void updates.push(input));
    const report = await deploy(o);
    expect(report.outcome).not.toBe("succeeded");
    expect(report.rollback).toMatchObject({ taken: true, cause: "timeout", toTaskDefinition: service.servingArn });
    expect(updates.map((u) => [u.taskDefinition, u.desiredCount])).toEqual([
      [report.taskDefinition.new, 2],
      [service.servingArn, 1],
    ]);
    const now = await serviceNow(service.staging);
    expect(now?.taskDefinition).toBe(service.servingArn);
    expect(now?.desiredCount).toBe(1);
  });
});
