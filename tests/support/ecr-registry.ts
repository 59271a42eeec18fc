/**
 * A stand-in for ECR's registry endpoint (the host `docker push` talks to), which moto does not serve: moto
 * answers ECR's API (repositories, GetAuthorizationToken, DescribeImages, PutImage) but has no registry behind it.
 * This server listens where the engine resolves the ECR host of moto's account (the rig maps
 * `<account>.dkr.ecr.<region>.amazonaws.com` to 127.0.0.1 over plain HTTP, see tests/e2e/rig/lib.sh), stores
 * everything in the rig's local registry, and registers each pushed manifest in moto's ECR with PutImage, so ECR's
 * API then knows the image by the same digest, as real ECR would. Named a stand-in: it exists only because moto
 * has no registry.
 */
import { createHash } from "node:crypto";
import { createServer, request, type IncomingMessage, type Server } from "node:http";

import { ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

/** Port 80: the engine talks plain HTTP to the mapped ECR host, so without a port in the reference. */
const PORT = 80;
const LOCAL_REGISTRY = { host: "127.0.0.1", port: 5000 };

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
  const server: Server = createServer((req, res) => {
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? "");
    const chunks: Buffer[] = [];
    const forward = request(
      { ...LOCAL_REGISTRY, method: req.method, path: req.url, headers: req.headers },
      (upstream: IncomingMessage) => {
        if (req.method === "PUT" && manifest && upstream.statusCode === 201) {
          upstream.resume();
          void registerInMoto(manifest[1]!, manifest[2]!, Buffer.concat(chunks), req.headers["content-type"]).then(
            () => res.writeHead(201, upstream.headers).end(),
            (error: Error) => res.writeHead(500).end(`moto PutImage failed: ${error.message}`),
          );
          return;
        }
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forward.on("error", (error) => res.writeHead(502).end(error.message));
    if (req.method === "PUT" && manifest) req.on("data", (c: Buffer) => chunks.push(c));
    req.pipe(forward);
  });

  async function registerInMoto(repository: string, reference: string, body: Buffer, mediaType?: string) {
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

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(PORT, "127.0.0.1", resolve);
  });
  return {
    pushed,
    close: () =>
      new Promise((resolve) => {
        ecr.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The same image, by digest, in the local registry behind the stand-in: what the host's docker pulls, since only
 * the engine resolves the ECR host to the stand-in: `<ECR host>/<repo>@<digest>` as `127.0.0.1:5000/<repo>@<digest>`.
 */
export function localCopyOf(reference: string): string {
  return `${LOCAL_REGISTRY.host}:${LOCAL_REGISTRY.port}/${reference.slice(reference.indexOf("/") + 1)}`;
}
