import { describe, expect, it } from "vitest";
import type { RegisterTaskDefinitionCommandInput, TaskDefinition } from "@aws-sdk/client-ecs";
import { diffTaskDefinitions, sameTaskDefinition } from "../../../src/core/deploy/task-diff.js";

const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/fm-billing-api@sha256:${"b".repeat(64)}`;

/** What a rendered template asks for. */
const rendered: RegisterTaskDefinitionCommandInput = {
  family: "billing-api",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "1024",
  memory: "3072",
  containerDefinitions: [
    {
      name: "api",
      image: IMAGE,
      memory: 1536,
      portMappings: [{ containerPort: 8000 }],
      environment: [
        { name: "LOG_LEVEL", value: "DEBUG" },
        { name: "APP_VERSION", value: "v1.0.0" },
      ],
      secrets: [{ name: "DATABASE_URL", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }],
    },
  ],
};

/** The same definition as DescribeTaskDefinition returns it: read-only fields and ECS's defaults filled in. */
const described: TaskDefinition = {
  taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/billing-api:4",
  revision: 4,
  status: "ACTIVE",
  registeredAt: new Date(0),
  compatibilities: ["EC2", "FARGATE"],
  requiresAttributes: [{ name: "ecs.capability.secrets.asm.environment-variables" }],
  family: "billing-api",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  cpu: "1024",
  memory: "3072",
  volumes: [],
  placementConstraints: [],
  containerDefinitions: [
    {
      name: "api",
      image: IMAGE,
      cpu: 0,
      memory: 1536,
      essential: true,
      portMappings: [{ containerPort: 8000, hostPort: 8000, protocol: "tcp" }],
      environment: [
        { name: "APP_VERSION", value: "v1.0.0" },
        { name: "LOG_LEVEL", value: "DEBUG" },
      ],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
      secrets: [{ name: "DATABASE_URL", valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db" }],
    },
  ],
};

const edited = (edit: (copy: TaskDefinition) => void): TaskDefinition => {
  const copy = structuredClone(described);
  edit(copy);
  return copy;
};

describe("task definition diff", () => {
  it("ECS's defaults, read-only fields and variable order are no difference: the rendered definition is reused", () => {
    expect(diffTaskDefinitions(described, rendered)).toEqual([]);
    expect(sameTaskDefinition(described, rendered)).toBe(true);
  });

  it.each([
    [
      "a changed variable",
      edited((d) => (d.containerDefinitions![0]!.environment![1]!.value = "INFO")),
      [{ field: "containerDefinitions[api].environment[LOG_LEVEL]", from: "INFO", to: "DEBUG" }],
    ],
    [
      "a variable the template no longer sets",
      edited((d) => d.containerDefinitions![0]!.environment!.push({ name: "OLD_FLAG", value: "1" })),
      [{ field: "containerDefinitions[api].environment[OLD_FLAG]", from: "1", to: undefined }],
    ],
    [
      "a secret moved to another ARN",
      edited(
        (d) => (d.containerDefinitions![0]!.secrets![0]!.valueFrom = "arn:aws:ssm:us-east-1:123456789012:parameter/db"),
      ),
      [
        {
          field: "containerDefinitions[api].secrets[DATABASE_URL]",
          from: "arn:aws:ssm:us-east-1:123456789012:parameter/db",
          to: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        },
      ],
    ],
    [
      "no secrets at all on the serving side: each secret shows alone",
      edited((d) => delete d.containerDefinitions![0]!.secrets),
      [
        {
          field: "containerDefinitions[api].secrets[DATABASE_URL]",
          from: undefined,
          to: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        },
      ],
    ],
    [
      "a sidecar the template no longer has",
      edited((d) => d.containerDefinitions!.push({ name: "agent", image: "agent@sha256:" + "c".repeat(64) })),
      [{ field: "containerDefinitions[agent]", from: expect.stringContaining('"agent@sha256:'), to: undefined }],
    ],
    ["task CPU", edited((d) => (d.cpu = "512")), [{ field: "cpu", from: "512", to: "1024" }]],
    [
      "a non-default essential flag",
      edited((d) => (d.containerDefinitions![0]!.essential = false)),
      [{ field: "containerDefinitions[api].essential", from: "false", to: undefined }],
    ],
  ])("%s is a difference, named by its path", (_, serving, changes) => {
    expect(diffTaskDefinitions(serving, rendered)).toEqual(changes);
    expect(sameTaskDefinition(serving, rendered)).toBe(false);
  });
});
