/**
 * A stand-in for ECR's registry endpoint (the host `docker push` talks to), which moto does not serve: moto
 * answers ECR's API (repositories, GetAuthorizationToken, DescribeImages, PutImage) but has no registry behind it.
 * This proxy listens where the engine and its containers resolve the ECR host of moto's account (the rig maps
 * `<account>.dkr.ecr.<region>.amazonaws.com` to the bridge address over plain HTTP, see tests/e2e/rig/lib.sh),
 * stores everything in the rig's local registry, and registers each pushed manifest in moto's ECR with PutImage,
 * so ECR's API then knows the image by the same digest, as real ECR would. Named a stand-in: it exists only
 * because moto has no registry.
 */
import { createHash } from "node:crypto";

import { ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

import { type PushedManifest, startRegistryProxy } from "./registry-proxy.js";
import { engineBridgeAddress } from "./rig-network.js";

export { localCopyOf } from "./registry-proxy.js";

/** Port 80: the engine talks plain HTTP to the mapped ECR host, so without a port in the reference. */
const PORT = 80;

export interface EcrRegistryStandIn {
  /** Manifests registered in moto, as `repository@digest`. */
  readonly pushed: string[];
  close(): Promise<void>;
}

export async function startEcrRegistry(motoEndpoint: string, region: string): Promise<EcrRegistryStandIn> {
  const ecr = new ECRClient({
    region,
    endpoint: motoEndpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const pushed: string[] = [];

  async function registerInMoto({ repository, reference, body, mediaType }: PushedManifest) {
    try {
      const out = await ecr.send(
        new PutImageCommand({
          repositoryName: repository,
          imageManifest: body.toString("utf8"),
          // ECR's digest of an image is its manifest's sha256, as the registry's; moto derives its own from the
          // layers unless told, so it is told.
          imageDigest: `sha256:${createHash("sha256").update(body).digest("hex")}`,
          ...(mediaType ? { imageManifestMediaType: mediaType } : {}),
          ...(reference.startsWith("sha256:") ? {} : { imageTag: reference }),
        }),
      );
      pushed.push(`${repository}@${out.image?.imageId?.imageDigest}`);
    } catch (error) {
      // A push of what ECR already holds under that reference succeeds at a real registry too.
      if ((error as Error).name !== "ImageAlreadyExistsException") throw error;
    }
  }

  const proxy = await startRegistryProxy({ host: engineBridgeAddress(), port: PORT, onManifest: registerInMoto });
  return {
    pushed,
    close: async () => {
      ecr.destroy();
      await proxy.close();
    },
  };
}
