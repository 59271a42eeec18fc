/** Shared setup of the deploy integration tests: a seeded moto environment, a real publish into moto's ECR, fast waits. */
import { PutImageCommand } from "@aws-sdk/client-ecr";
import type { AwsClients } from "../../../src/core/aws/clients.js";
import type { DeployOptions } from "../../../src/core/deploy/deploy.js";
import type { PublishImage } from "../../../src/core/deploy/image.js";
import { parseTaskDefinitionTemplate, type TaskDefinitionTemplate } from "../../../src/core/deploy/task-template.js";
import { motoClients, type Seeded, uniqueImageManifest } from "../../support/moto.js";

/** Fast poll pacing so waits take milliseconds, not minutes (the schedule's shape is what is tested). */
export const FAST = {
  backoff: { initialMs: 20, maxMs: 100, factor: 1.5 },
  rolloutTimeoutMs: 5_000,
  migrationTimeoutMs: 5_000,
  smoke: { attempts: 2, backoff: { initialMs: 20, maxMs: 50 }, requestTimeoutMs: 2000 },
} as const;

/**
 * A publish stand-in for the Dagger layer: it pushes a new, unique image manifest into moto's ECR repository under
 * each tag (real PutImage calls) and returns `repo:tag@sha256:...` like `Container.publish` does.
 */
export function publishIntoMoto(seed: Seeded, pushed: { digests: string[]; logins: number }): PublishImage {
  return async (target) => {
    if (!target.login.registry || !target.login.password) throw new Error("publish got no ECR login");
    pushed.logins += 1;
    const clients = await motoClients();
    const manifest = uniqueImageManifest();
    let digest = "";
    for (const tag of target.tags) {
      const out = await clients.ecr.send(
        new PutImageCommand({ repositoryName: seed.environment.ecrRepository, imageManifest: manifest, imageTag: tag }),
      );
      digest = out.image?.imageId?.imageDigest as string;
    }
    clients.ecr.destroy();
    pushed.digests.push(digest);
    return `${target.repositoryUri}:${target.tags[0]}@${digest}`;
  };
}

/** Deploy options for a seeded staging environment, smoke-checking `smokeUrl`. */
export function stagingOptions(
  seed: Seeded,
  aws: AwsClients,
  smokeUrl: string,
  extra: Partial<DeployOptions> = {},
): DeployOptions {
  return {
    environment: seed.environment,
    aws,
    gitSha: "0123456789abcdef0123456789abcdef01234567",
    ...FAST,
    smoke: { ...FAST.smoke, baseUrl: smokeUrl },
    ...extra,
  };
}

/** The staging APP_VERSION for the sha above. */
export const STAGING_VERSION = "staging-0123456789abcdef0123456789abcdef01234567";

/**
 * A task definition template for a seeded environment, as its deploy/task-definition.json would give it: the
 * seeded family and container, the image as `{{image}}`, its own CPU/memory (so the first templated deploy
 * registers a revision unlike the seeded one), the required secrets by ARN.
 */
export function templateFor(seed: Seeded): TaskDefinitionTemplate {
  const family = seed.taskDefinitionArn.replace(/^.*:task-definition\//, "").replace(/:\d+$/, "");
  const text = JSON.stringify({
    family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "512",
    memory: "1024",
    containerDefinitions: [
      {
        name: seed.environment.containerName,
        image: "{{image}}",
        essential: true,
        memory: 512,
        secrets: seed.environment.requiredTaskSecrets.map((name) => ({
          name,
          valueFrom: `arn:aws:secretsmanager:{{region}}:{{accountId}}:secret:${name}`,
        })),
      },
    ],
  });
  return parseTaskDefinitionTemplate(text, "deploy/task-definition.json");
}
