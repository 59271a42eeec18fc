import { describe, expect, it } from "vitest";
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { imageDigestOf, mergeEnvironment, nextTaskDefinitionInput } from "../../../src/core/deploy/task-definition.js";
import { diffTaskDefinitions, sameTaskDefinition } from "../../../src/core/deploy/task-diff.js";

const DIGEST = `sha256:${"c".repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/fm-auth-service-enterprise@${DIGEST}`;
const current: TaskDefinition = {
  taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/auth:7",
  family: "auth",
  revision: 7,
  status: "ACTIVE",
  registeredAt: new Date(0),
  registeredBy: "arn:aws:iam::123456789012:user/x",
  requiresAttributes: [{ name: "com.amazonaws.ecs.capability.docker-remote-api.1.18" }],
  compatibilities: ["EC2", "FARGATE"],
  requiresCompatibilities: ["FARGATE"],
  networkMode: "awsvpc",
  cpu: "256",
  memory: "512",
  executionRoleArn: "arn:aws:iam::123456789012:role/exec",
  containerDefinitions: [
    {
      name: "auth-service",
      image: "repo:old-tag",
      environment: [
        { name: "LOG_LEVEL", value: "WARN" },
        { name: "KEEP", value: "1" },
      ],
      secrets: [{ name: "DATABASE_URL", valueFrom: "arn:x" }],
    },
    { name: "log-router", image: "fluent-bit:3", environment: [{ name: "LOG_LEVEL", value: "WARN" }] },
  ],
};
const change = {
  containerName: "auth-service",
  image: IMAGE,
  environment: { ENVIRONMENT: "production", LOG_LEVEL: "INFO", APP_VERSION: "v1.2.3" },
};

describe("nextTaskDefinitionInput", () => {
  const next = nextTaskDefinitionInput(current, change);
  it("strips every read-only field", () => {
    for (const field of [
      "taskDefinitionArn",
      "revision",
      "status",
      "registeredAt",
      "registeredBy",
      "requiresAttributes",
      "compatibilities",
    ]) {
      expect(next).not.toHaveProperty(field);
    }
    expect(next).toMatchObject({
      family: "auth",
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: "arn:aws:iam::123456789012:role/exec",
      requiresCompatibilities: ["FARGATE"],
    });
  });
  it("changes only the named container's image (by digest) and environment", () => {
    const [app, sidecar] = next.containerDefinitions ?? [];
    expect(app?.image).toBe(IMAGE);
    expect(app?.environment).toEqual([
      { name: "LOG_LEVEL", value: "INFO" },
      { name: "KEEP", value: "1" },
      { name: "APP_VERSION", value: "v1.2.3" },
      { name: "ENVIRONMENT", value: "production" },
    ]);
    expect(app?.secrets).toEqual([{ name: "DATABASE_URL", valueFrom: "arn:x" }]);
    expect(sidecar).toEqual(current.containerDefinitions?.[1]);
  });
  it("does not modify its input", () => {
    expect(current.containerDefinitions?.[0]?.image).toBe("repo:old-tag");
  });
  it("refuses a missing container", () => {
    expect(() => nextTaskDefinitionInput(current, { ...change, containerName: "web" })).toThrow(
      /container web is not in task definition auth/,
    );
  });
});

describe("helpers", () => {
  it.each([
    [[], { A: "1" }, [{ name: "A", value: "1" }]],
    [[{ name: "A", value: "0" }], { A: "1" }, [{ name: "A", value: "1" }]],
    [
      [{ name: "Z", value: "z" }],
      { B: "b", A: "a" },
      [
        { name: "Z", value: "z" },
        { name: "A", value: "a" },
        { name: "B", value: "b" },
      ],
    ],
  ])("mergeEnvironment #%#", (env, updates, expected) => expect(mergeEnvironment(env, updates)).toEqual(expected));

  it.each([
    [IMAGE, DIGEST],
    ["repo:tag", undefined],
    [`repo:tag@${DIGEST}`, DIGEST],
    [undefined, undefined],
  ])("imageDigestOf(%s)", (image, digest) => expect(imageDigestOf(image)).toBe(digest));

  it("diffTaskDefinitions lists the image and each variable that changed, by container and variable name", () => {
    const next = nextTaskDefinitionInput(current, change);
    const name = current.containerDefinitions?.[0]?.name as string;
    expect(diffTaskDefinitions(current, next)).toEqual([
      { field: `containerDefinitions[${name}].environment[APP_VERSION]`, from: undefined, to: "v1.2.3" },
      { field: `containerDefinitions[${name}].environment[ENVIRONMENT]`, from: undefined, to: "production" },
      { field: `containerDefinitions[${name}].environment[LOG_LEVEL]`, from: "WARN", to: "INFO" },
      { field: `containerDefinitions[${name}].image`, from: "repo:old-tag", to: IMAGE },
    ]);
  });

  it("sameTaskDefinition finds the revision that already holds the change, and only that one", () => {
    const next = nextTaskDefinitionInput(current, change) as TaskDefinition;
    expect(sameTaskDefinition(next, nextTaskDefinitionInput(current, change))).toBe(true);
    expect(sameTaskDefinition(current, next)).toBe(false);
    const otherVersion = nextTaskDefinitionInput(current, {
      ...change,
      environment: { ...change.environment, APP_VERSION: "v1.2.4" },
    });
    expect(sameTaskDefinition(next, otherVersion)).toBe(false);
  });
});
