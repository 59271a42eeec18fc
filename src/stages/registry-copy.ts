/**
 * Copies an image from one registry to another byte for byte: skopeo `copy --preserve-digests`, in a pinned
 * container. Dagger's own `from(ref).publish()` rebuilds the image config on the way (new history and creation
 * times), so the pushed digest would not be the one that was scanned, verified in staging and run in production.
 *
 * The registry logins reach skopeo only as an auth file mounted from a Secret (never an argument, a variable or a
 * layer); the copy always runs (a per-call value keeps the engine from answering from its cache) and its digest is
 * read from skopeo's own `--digestfile`.
 */
import { randomUUID } from "node:crypto";
import { dag, ReturnType, type Secret } from "@dagger.io/dagger";

import { ReleaseError } from "../core/errors.js";

/** A login to one registry host, as a registry's basic auth takes it. */
export interface RegistryLogin {
  /** The host as image references name it: `docker.io`, `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  readonly username: string;
  readonly password: Secret;
}

export interface RegistryCopy {
  readonly skopeoImage: string;
  /** What is copied, by digest: `host/repository@sha256:…`. */
  readonly from: string;
  /** Where to: `host/repository:tag`. */
  readonly to: string;
  /** One login per registry involved. */
  readonly logins: readonly RegistryLogin[];
}

const AUTH_FILE = "/run/faultmaven/auth.json";
const DIGEST_FILE = "/tmp/copied-digest";

/** Copies `from` to `to` unchanged; returns the digest the destination stored (the source's, or it fails). */
export async function copyImageByDigest(copy: RegistryCopy): Promise<string> {
  const authFile = await authFileSecret(copy.logins);
  const run = dag
    .container()
    .from(copy.skopeoImage)
    .withUser("0")
    .withMountedSecret(AUTH_FILE, authFile)
    .withEnvVariable("FAULTMAVEN_COPY_RUN", randomUUID())
    .withExec(
      [
        "skopeo",
        "copy",
        "--all",
        "--preserve-digests",
        "--retry-times=3",
        `--authfile=${AUTH_FILE}`,
        `--digestfile=${DIGEST_FILE}`,
        `docker://${copy.from}`,
        `docker://${copy.to}`,
      ],
      { expect: ReturnType.Any },
    );
  if ((await run.exitCode()) !== 0) {
    const reason = (await run.stderr()).trim().split("\n").pop() ?? "";
    throw new ReleaseError(`skopeo could not copy ${copy.from} to ${copy.to}: ${reason}`);
  }
  return (await run.file(DIGEST_FILE).contents()).trim();
}

/**
 * The logins as a containers-auth.json (what skopeo's --authfile reads), made a Secret. Its name is random:
 * derived from nothing secret, and never the name of another run's logins.
 */
async function authFileSecret(logins: readonly RegistryLogin[]): Promise<Secret> {
  const auths: Record<string, { auth: string }> = {};
  for (const login of logins) {
    const password = await login.password.plaintext();
    auths[login.registry] = { auth: Buffer.from(`${login.username}:${password}`).toString("base64") };
  }
  return dag.setSecret(`registry-logins-${randomUUID()}`, JSON.stringify({ auths }));
}
