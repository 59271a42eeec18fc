import { createHash } from "node:crypto";
import { dag, type Container } from "@dagger.io/dagger";

import type { RegistryLogin } from "../core/aws/ecr-login.js";
import { digestFromReference, type PublishImage } from "../core/deploy/image.js";

/** Where and how to push. */
export interface PublishToEcrOptions {
  /** `<registry>/<repository>`, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/fm-auth-service-enterprise`. */
  readonly repositoryUri: string;
  /** Tags to push, each a separate publish of the same image (same digest). */
  readonly tags: readonly string[];
  /** ECR login from `ecrLogin`: every push is authenticated, as ECR requires. */
  readonly login: RegistryLogin;
}

/**
 * Pushes `container` under every tag and returns it by digest: `<repositoryUri>@sha256:...`. The registry
 * password reaches the engine only as a Dagger Secret (withRegistryAuth), never as an argument, env or layer.
 */
export async function publishToEcr(container: Container, options: PublishToEcrOptions): Promise<string> {
  if (options.tags.length === 0) throw new Error("publishToEcr needs at least one tag");
  // The secret's name is derived from the registry, never from the password.
  const name = `ecr-password-${createHash("sha256").update(options.login.registry).digest("hex").slice(0, 12)}`;
  const image = container.withRegistryAuth(
    options.login.registry,
    options.login.username,
    dag.setSecret(name, options.login.password),
  );
  let digest: string | undefined;
  for (const tag of options.tags) {
    const pushed = digestFromReference(await image.publish(`${options.repositoryUri}:${tag}`));
    if (digest && pushed !== digest)
      throw new Error(
        `tags of one image got different digests (${digest}, ${pushed}): the build is not deterministic within one publish`,
      );
    digest = pushed;
  }
  return `${options.repositoryUri}@${digest}`;
}

/**
 * The `publish` callback the deploy core calls after preflight: it builds the image lazily (only when the core
 * decides to push) and pushes it to the ECR target the core resolved.
 * @param build Returns the image to push (the main class's `build`, scanned before it gets here).
 */
export function ecrPublisher(build: () => Promise<Container>): PublishImage {
  return async (target) =>
    publishToEcr(await build(), { repositoryUri: target.repositoryUri, tags: target.tags, login: target.login });
}
