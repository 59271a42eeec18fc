/**
 * A registry endpoint in front of the rig's local registry (127.0.0.1:5000), for the registries the suites cannot
 * reach (ECR's, Docker Hub's): every request is forwarded unchanged, so blobs and manifests are stored byte for
 * byte, and what makes each registry itself (ECR registering the manifest in moto, Docker Hub asking for a login)
 * is added by the caller. Listens on the engine's bridge, where the engine and the containers it runs reach it.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";

const LOCAL_REGISTRY = { host: "127.0.0.1", port: 5000 };

/** A manifest the local registry accepted through the proxy. */
export interface PushedManifest {
  readonly repository: string;
  /** The tag or digest it was pushed under. */
  readonly reference: string;
  readonly body: Buffer;
  readonly mediaType: string | undefined;
}

export interface RegistryProxyOptions {
  readonly host: string;
  readonly port: number;
  /** Decides each request by its Authorization header; a refusal is a 401 with a Basic challenge. @default all */
  readonly authorized?: (authorization: string | undefined) => boolean;
  /** Runs before the client is told a manifest was stored; a throw fails the push. */
  readonly onManifest?: (manifest: PushedManifest) => Promise<void>;
  /**
   * Whether this registry holds a manifest, asked before a read of one (`GET`/`HEAD .../manifests/<ref>`) is
   * forwarded; no means 404. The local registry behind is shared by every run, so a stand-in that must start empty
   * says no to what it was not sent: otherwise a client seeing the manifest "already there" skips its push.
   * @default every manifest the local registry holds
   */
  readonly holdsManifest?: (repository: string, reference: string) => boolean;
}

export interface RegistryProxy {
  close(): Promise<void>;
}

export async function startRegistryProxy(options: RegistryProxyOptions): Promise<RegistryProxy> {
  const server: Server = createServer((req, res) => {
    if (options.authorized && !options.authorized(req.headers.authorization)) {
      req.resume();
      res.writeHead(401, { "www-authenticate": 'Basic realm="registry stand-in"' }).end();
      return;
    }
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? "");
    const read = req.method === "GET" || req.method === "HEAD";
    if (read && manifest && options.holdsManifest && !options.holdsManifest(manifest[1]!, manifest[2]!)) {
      req.resume();
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }));
      return;
    }
    const chunks: Buffer[] = [];
    const headers = { ...req.headers };
    delete headers.authorization;
    const forward = request(
      { ...LOCAL_REGISTRY, method: req.method, path: req.url, headers },
      (upstream: IncomingMessage) => {
        if (req.method === "PUT" && manifest && upstream.statusCode === 201 && options.onManifest) {
          upstream.resume();
          const pushed: PushedManifest = {
            repository: manifest[1]!,
            reference: manifest[2]!,
            body: Buffer.concat(chunks),
            mediaType: req.headers["content-type"],
          };
          void options.onManifest(pushed).then(
            () => res.writeHead(201, upstream.headers).end(),
            (error: Error) => res.writeHead(500).end(error.message),
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
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The same image, by digest, in the local registry behind a proxy: what the host's docker pulls, since only the
 * engine resolves the ECR host: `<registry host>/<repo>@<digest>` as `127.0.0.1:5000/<repo>@<digest>`.
 */
export function localCopyOf(reference: string): string {
  return `${LOCAL_REGISTRY.host}:${LOCAL_REGISTRY.port}/${reference.slice(reference.indexOf("/") + 1)}`;
}
