/**
 * A stand-in for Docker Hub's registry (unreachable here), where `release` pushes: it asks for the one accepted
 * username and password (basic auth, as a registry's login), stores what it is sent in the rig's local registry
 * byte for byte, and records each manifest pushed with its digest. Like a new registry, it holds only what it
 * was sent. It listens on the engine's bridge
 * (tests/e2e/rig/lib.sh DOCKER_HUB_STANDIN_REGISTRY), which the engine and the rig's skopeo both speak plain HTTP
 * to.
 */
import { createHash } from "node:crypto";

import { startRegistryProxy } from "./registry-proxy.js";
import { DOCKER_HUB_STANDIN_PORT, engineBridgeAddress } from "./rig-network.js";

export interface DockerHubRegistryStandIn {
  /** `host:port`, what release is given as its registry. */
  readonly address: string;
  /** Manifests stored, as `repository:reference@digest` (the digest is the sha256 of the bytes received). */
  readonly pushed: string[];
  close(): Promise<void>;
}

export async function startDockerHubRegistry(login: {
  username: string;
  password: string;
}): Promise<DockerHubRegistryStandIn> {
  const expected = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
  const pushed: string[] = [];
  /** `repository:tag` and `repository@digest` of every manifest pushed here: a fresh registry holds nothing else. */
  const held = new Set<string>();
  const host = engineBridgeAddress();
  const proxy = await startRegistryProxy({
    host,
    port: DOCKER_HUB_STANDIN_PORT,
    authorized: (authorization) => authorization === expected,
    onManifest: async ({ repository, reference, body }) => {
      const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      pushed.push(`${repository}:${reference}@${digest}`);
      held.add(`${repository}:${reference}`).add(`${repository}@${digest}`);
    },
    holdsManifest: (repository, reference) =>
      held.has(reference.startsWith("sha256:") ? `${repository}@${reference}` : `${repository}:${reference}`),
  });
  return { address: `${host}:${DOCKER_HUB_STANDIN_PORT}`, pushed, close: proxy.close };
}
