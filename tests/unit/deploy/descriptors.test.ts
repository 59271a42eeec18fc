/**
 * Deployment descriptors (the service's deploy/environments.json and deploy/task-definition.json): the second
 * service's files parse and render as documented, and every malformed descriptor is refused in one line naming the
 * file, the field and the fix.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  chooseDescriptorSource,
  parseDescriptors,
  type DescriptorFiles,
} from "../../../src/core/deploy/descriptors.js";
import { renderTaskDefinition } from "../../../src/core/deploy/task-template.js";

/** The template as the edits below reach into it (JSON: any shape is possible, which is the point). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- edits reach into arbitrary JSON on purpose
type Template = Record<string, any>;

const DIR = "tests/fixtures/second-service/deploy";
const ENVIRONMENTS = JSON.parse(readFileSync(`${DIR}/environments.json`, "utf8")) as Record<
  string,
  Record<string, unknown>
>;
const TEMPLATE = JSON.parse(readFileSync(`${DIR}/task-definition.json`, "utf8")) as Record<string, unknown>;
const SIDECAR_IMAGE = (TEMPLATE.containerDefinitions as { image: string }[])[1]?.image;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/fm-billing-api@sha256:${"a".repeat(64)}`;

/** The second service's descriptors with `edit` applied to copies of both files. */
function files(edit: (environments: typeof ENVIRONMENTS, template: Template) => void = () => {}): DescriptorFiles {
  const environments = structuredClone(ENVIRONMENTS);
  const template = structuredClone(TEMPLATE);
  edit(environments, template);
  return {
    environmentsFile: "deploy/environments.json",
    environmentsText: JSON.stringify(environments),
    templateFile: "deploy/task-definition.json",
    templateText: JSON.stringify(template),
  };
}
const api = (template: Template) => template.containerDefinitions[0];

describe("deployment descriptors", () => {
  it("the second service's files render its staging revision: image by digest, variables, secret ARNs, CPU/memory, sidecar untouched", () => {
    const descriptors = parseDescriptors(files());
    const staging = descriptors.environments.staging;
    const input = renderTaskDefinition(descriptors.template, staging, { image: IMAGE, appVersion: "staging-abc1234" });
    expect(input).toMatchObject({ family: "billing-api", cpu: "1024", memory: "3072" });
    expect(input.executionRoleArn).toBe("arn:aws:iam::123456789012:role/billing-api-execution");
    const [app, sidecar] = input.containerDefinitions ?? [];
    expect(app?.image).toBe(IMAGE);
    expect(app?.environment).toEqual([
      { name: "SERVICE_NAME", value: "billing-api" },
      { name: "APP_VERSION", value: "staging-abc1234" },
      { name: "ENVIRONMENT", value: "staging" },
      { name: "LOG_LEVEL", value: "DEBUG" },
    ]);
    expect(app?.secrets?.map((s) => s.name)).toEqual(["DATABASE_URL", "JWT_SECRET_KEY", "REDIS_URL"]);
    expect(app?.secrets?.find((s) => s.name === "REDIS_URL")?.valueFrom).toMatch(/^arn:aws:ssm:/);
    expect(app?.logConfiguration?.options).toEqual({
      "awslogs-group": "/ecs/billing-staging",
      "awslogs-region": "us-east-1",
      "awslogs-stream-prefix": "api",
    });
    expect(sidecar?.image).toBe(SIDECAR_IMAGE);
    expect(sidecar?.environment).toEqual([{ name: "DEPLOYMENT_ENVIRONMENT", value: "staging" }]);
    // Production takes its own account, count and the template's CPU/memory (it sets none).
    const production = renderTaskDefinition(descriptors.template, descriptors.environments.production, {
      image: IMAGE,
      appVersion: "v1.0.0",
    });
    expect(production).toMatchObject({ cpu: "512", memory: "2048" });
    expect(production.taskRoleArn).toBe("arn:aws:iam::345678901234:role/billing-api-task");
  });

  it("the module's own defaults (dagger/) are valid descriptors too", () => {
    const read = (f: string) => readFileSync(`dagger/${f}`, "utf8");
    const descriptors = parseDescriptors({
      environmentsFile: "dagger/environments.json",
      environmentsText: read("environments.json"),
      templateFile: "dagger/task-definition.json",
      templateText: read("task-definition.json"),
    });
    expect(descriptors.environments.staging.accountId).not.toBe(descriptors.environments.production.accountId);
  });

  // Each case: the change, then the whole one-line message it must produce.
  it.each([
    [
      "unknown field in an environment",
      files((e) => (e.staging!.colour = "blue")),
      /^deploy\/environments\.json: staging\.colour is not a known field \(known: .*\): remove it or fix deploy\/environments\.json$/,
    ],
    [
      "unknown field in the template",
      files((_, t) => (t.colour = "blue")),
      /^deploy\/task-definition\.json: "colour" is not a RegisterTaskDefinition field \(known: family, .*\): remove it$/,
    ],
    [
      "the deployed container's image is not the {{image}} placeholder",
      files((_, t) => (api(t).image = "fm-billing-api:latest")),
      /^deploy\/task-definition\.json: containerDefinitions\[0\]\.image must be exactly "\{\{image\}\}" \(the digest being deployed\)$/,
    ],
    [
      "a {{vars.X}} placeholder with no value in an environment",
      files((e) => delete (e.production!.templateVars as Record<string, string>).logGroup),
      /^deploy\/task-definition\.json: containerDefinitions\[0\]\.logConfiguration\.options\.awslogs-group uses \{\{vars\.logGroup\}\}, but production\.templateVars in deploy\/environments\.json has no "logGroup": add it$/,
    ],
    [
      "an unknown placeholder",
      files((_, t) => (t.taskRoleArn = "arn:aws:iam::{{account}}:role/x")),
      /^deploy\/task-definition\.json: taskRoleArn uses \{\{account\}\}, not a known placeholder \(\{\{image\}\}, .*\{\{vars\.NAME\}\}\)$/,
    ],
    [
      "a secret given as a value in the environments file",
      files((e) => ((e.staging!.taskSecrets as Record<string, string>).JWT_SECRET_KEY = "s3cr3t-value")),
      /^deploy\/environments\.json: staging\.taskSecrets\.JWT_SECRET_KEY is not a Secrets Manager or SSM parameter ARN: give the ARN of the secret, never its value \(fix deploy\/environments\.json\)$/,
    ],
    [
      "a secret given as a value in the template",
      files((_, t) => (api(t).secrets = [{ name: "SENTRY_DSN", valueFrom: "https://key@sentry.example/1" }])),
      /^deploy\/task-definition\.json: secret SENTRY_DSN of container "api" is not a Secrets Manager or SSM parameter ARN: give the ARN, never the value$/,
    ],
    [
      "a required secret as a plain variable",
      files((e) => ((e.staging!.taskEnvironment as Record<string, string>).DATABASE_URL = "postgresql://u:p@db/x")),
      /^deploy\/environments\.json: staging\.taskEnvironment\.DATABASE_URL is a required secret given as a plain value: move it to taskSecrets as an ARN \(fix deploy\/environments\.json\)$/,
    ],
    [
      "a required secret nobody provides",
      files((e) => delete (e.production!.taskSecrets as Record<string, string>).REDIS_URL),
      /^production: required secret REDIS_URL is in neither production\.taskSecrets \(deploy\/environments\.json\) nor the secrets of "api" in deploy\/task-definition\.json: add its ARN$/,
    ],
    [
      "staging and production in the same account",
      files((e) => (e.production!.accountId = e.staging!.accountId)),
      /^deploy\/environments\.json: staging\.accountId and production\.accountId are both 123456789012: give each environment its own AWS account, so credentials for one can never change the other$/,
    ],
    [
      "the environment's container is not in the template",
      files((e) => (e.staging!.containerName = "web")),
      /^deploy\/task-definition\.json: no container named "web" \(staging\.containerName in deploy\/environments\.json\): rename one, or fix containerName$/,
    ],
    [
      "the template sets APP_VERSION",
      files((_, t) => api(t).environment.push({ name: "APP_VERSION", value: "1" })),
      /^deploy\/task-definition\.json: containerDefinitions\[0\]\.environment sets APP_VERSION, which the pipeline sets to the version deployed: remove it$/,
    ],
    [
      "an extra container takes the deployed image",
      files((_, t) => (t.containerDefinitions[1].image = "{{image}}")),
      /^deploy\/task-definition\.json: containerDefinitions\[1\]\.image uses \{\{image\}\}: an extra container keeps its own image$/,
    ],
    [
      "a desired count that is not a whole number",
      files((e) => (e.staging!.desiredCount = 1.5)),
      /^deploy\/environments\.json: staging\.desiredCount must be a whole number of tasks, 1\.\.1000: fix deploy\/environments\.json$/,
    ],
    [
      "CPU given as a number",
      files((e) => (e.staging!.cpu = 1024)),
      /^deploy\/environments\.json: staging\.cpu must be a string of ECS units such as "512": fix deploy\/environments\.json$/,
    ],
    [
      "the template is not JSON",
      { ...files(), templateText: "{ family: billing }" },
      /^deploy\/task-definition\.json is not valid JSON \(.*\): fix deploy\/task-definition\.json$/,
    ],
  ])("refuses %s", (_, input, message) => {
    let thrown: unknown;
    try {
      parseDescriptors(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe("SettingsError");
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain("\n");
  });

  it("a service with only one of the two files is refused; none uses the module's; both use the service's", () => {
    expect(chooseDescriptorSource({ environments: true, template: true })).toBe("service");
    expect(chooseDescriptorSource({ environments: false, template: false })).toBe("module");
    expect(() => chooseDescriptorSource({ environments: true, template: false })).toThrow(
      /^the service has deploy\/environments\.json but no deploy\/task-definition\.json: add deploy\/task-definition\.json/,
    );
    expect(() => chooseDescriptorSource({ environments: false, template: true })).toThrow(
      /^the service has deploy\/task-definition\.json but no deploy\/environments\.json/,
    );
  });
});
