/**
 * The image a release copies to Docker Hub: the digest staging verified for the released commit, in the
 * production environment's ECR repository (what production runs for a final release), with the ECR login that
 * reads it. No decision is made here: the digest comes from src/core/deploy/promotion.ts; the copy is
 * src/stages/registry-copy.ts.
 */
import { createHash } from "node:crypto";
import { dag } from "@dagger.io/dagger";

import { destroyAwsClients } from "../core/aws/clients.js";
import { ecrLogin } from "../core/aws/ecr-login.js";
import { clientsFor } from "../core/deploy/options.js";
import { ecrRepositoryOf } from "../core/deploy/environments.js";
import { VERIFIED_TAG_PREFIX, verifiedDigestOf } from "../core/deploy/promotion.js";
import { ReleaseError } from "../core/errors.js";
import { credentialsFromSecrets, environmentNamed, type AwsArgs } from "./deploy.js";
import type { RegistryLogin } from "./registry-copy.js";

/** The verified image of `commit`: where it is, by digest. */
export interface VerifiedImage {
  /** `<ECR host>/<repository>@<digest>`. */
  readonly reference: string;
  readonly digest: string;
  /** ECR's pull login for that host, the password a Secret. */
  readonly login: RegistryLogin;
}

/** The verified image of `commit` and its digest, with the ECR pull login as a Secret. */
export async function verifiedImage(aws: Omit<AwsArgs, "env">, commit: string): Promise<VerifiedImage> {
  const environment = await environmentNamed(aws.source, "production");
  const credentials = await credentialsFromSecrets({ ...aws, env: "production" });
  // Only the argument: under `dagger call`, process.env is the runtime container's, not the caller's.
  const endpoint = aws.awsEndpointUrl;
  const clients = await clientsFor({
    environment,
    ...(credentials ? { credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    const digest = await verifiedDigestOf(clients, ecrRepositoryOf(environment), commit);
    if (!digest)
      throw new ReleaseError(
        `no image in ECR repository ${environment.ecrRepository} is tagged ${VERIFIED_TAG_PREFIX}${commit}: release a commit that staging deployed with passing smoke checks`,
      );
    const login = await ecrLogin(clients);
    // A registry shared across accounts (ecrRegistryId) is another host; the same login token opens it.
    const registry = environment.ecrRegistryId
      ? login.registry.replace(/^\d{12}/, environment.ecrRegistryId)
      : login.registry;
    // The secret's name is derived from the registry, never from the password.
    const name = `ecr-pull-${createHash("sha256").update(registry).digest("hex").slice(0, 12)}`;
    return {
      reference: `${registry}/${environment.ecrRepository}@${digest}`,
      digest,
      login: { registry, username: login.username, password: dag.setSecret(name, login.password) },
    };
  } finally {
    destroyAwsClients(clients);
  }
}
