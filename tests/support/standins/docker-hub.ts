import { startRecordingServer, type RecordingServer, type Listen } from "./recording-server.js";

/**
 * Stand-in for the Docker Hub API (unreachable here): `POST /v2/users/login` answers a JWT for
 * the one accepted username/password; `PATCH /v2/repositories/{ns}/{name}/` stores descriptions;
 * `GET /v2/repositories/{ns}/{name}/tags/{tag}` answers the digest of a tag in `tags`, or 404.
 */
export interface DockerHubStandin extends RecordingServer {
  readonly descriptions: Map<string, { full_description?: string; description?: string }>;
  /** Tags that exist, `namespace/name:tag` → digest (a test's image push records them here). */
  readonly tags: Map<string, string>;
  readonly jwt: string;
}

export async function startDockerHubStandin(options: {
  username: string;
  password: string;
  repositories: readonly string[];
  listen?: Listen;
}): Promise<DockerHubStandin> {
  const descriptions = new Map<string, { full_description?: string; description?: string }>();
  const tags = new Map<string, string>();
  const jwt = "standin-jwt-" + Math.random().toString(36).slice(2);
  const server = await startRecordingServer((req) => {
    if (req.method === "POST" && req.path === "/v2/users/login") {
      const input = JSON.parse(req.body.toString("utf8") || "{}") as { username?: string; password?: string };
      if (input.username !== options.username || input.password !== options.password) {
        return { status: 401, body: { detail: "Incorrect authentication credentials" } };
      }
      return { status: 200, body: { token: jwt } };
    }
    const tag = /^\/v2\/repositories\/([^/]+\/[^/]+)\/tags\/([^/]+)$/.exec(req.path);
    if (req.method === "GET" && tag) {
      if (req.headers["authorization"] !== `Bearer ${jwt}`)
        return { status: 401, body: { detail: "authentication required" } };
      const digest = tags.get(`${tag[1]}:${decodeURIComponent(tag[2]!)}`);
      return digest
        ? { status: 200, body: { name: decodeURIComponent(tag[2]!), digest } }
        : { status: 404, body: { message: "httperror 404: tag not found" } };
    }
    const repo = /^\/v2\/repositories\/([^/]+\/[^/]+)\/$/.exec(req.path);
    if (req.method === "PATCH" && repo) {
      if (req.headers["authorization"] !== `Bearer ${jwt}`)
        return { status: 401, body: { detail: "authentication required" } };
      if (!options.repositories.includes(repo[1]!)) return { status: 404, body: { detail: "Object not found" } };
      const input = JSON.parse(req.body.toString("utf8") || "{}") as {
        full_description?: string;
        description?: string;
      };
      descriptions.set(repo[1]!, { ...descriptions.get(repo[1]!), ...input });
      return {
        status: 200,
        body: { name: repo[1]!.split("/")[1], namespace: repo[1]!.split("/")[0], ...descriptions.get(repo[1]!) },
      };
    }
    return undefined;
  }, options.listen);
  return Object.assign(server, { descriptions, tags, jwt });
}
