import { gunzipSync } from "node:zlib";
import {
  credentialOf,
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer,
  type StandinResponse,
  type Listen,
} from "./recording-server.js";

/** A release as the GitHub stand-in stores it. */
export interface StoredRelease {
  id: number;
  tag_name: string;
  name: string;
  body: string;
  prerelease: boolean;
  draft: boolean;
  html_url: string;
}

/** A SARIF upload as the stand-in stored it. */
export interface StoredSarif {
  commit_sha: string;
  ref: string;
  sarif: string;
  category?: string;
}

/**
 * Stand-in for the GitHub REST API (the real one is unreachable here): releases by tag, create
 * and update, and code-scanning SARIF uploads, for one repository and one accepted token.
 */
export interface GitHubStandin extends RecordingServer {
  readonly releases: StoredRelease[];
  readonly sarifs: StoredSarif[];
}

export async function startGitHubStandin(options: {
  repository: string;
  token: string;
  listen?: Listen;
}): Promise<GitHubStandin> {
  const releases: StoredRelease[] = [];
  const sarifs: StoredSarif[] = [];
  const prefix = `/repos/${options.repository}`;
  let nextId = 1000;

  const handle = (req: RecordedRequest): StandinResponse | undefined => {
    if (credentialOf(req) !== options.token) return { status: 401, body: { message: "Bad credentials" } };
    if (!req.path.startsWith(prefix + "/")) return { status: 404, body: { message: "Not Found" } };
    const rest = req.path.slice(prefix.length);
    const json = () => JSON.parse(req.body.toString("utf8") || "{}") as Record<string, unknown>;

    const byTag = /^\/releases\/tags\/(.+)$/.exec(rest);
    if (req.method === "GET" && byTag) {
      const found = releases.find((r) => r.tag_name === decodeURIComponent(byTag[1]!) && !r.draft);
      return found ? { status: 200, body: found } : { status: 404, body: { message: "Not Found" } };
    }
    if (req.method === "POST" && rest === "/releases") {
      const input = json();
      if (releases.some((r) => r.tag_name === input["tag_name"])) {
        return {
          status: 422,
          body: { message: "Validation Failed", errors: [{ code: "already_exists", field: "tag_name" }] },
        };
      }
      const release: StoredRelease = {
        id: nextId++,
        tag_name: String(input["tag_name"]),
        name: String(input["name"] ?? input["tag_name"]),
        body: String(input["body"] ?? ""),
        prerelease: input["prerelease"] === true,
        draft: input["draft"] === true,
        html_url: `https://github.com/${options.repository}/releases/tag/${String(input["tag_name"])}`,
      };
      releases.push(release);
      return { status: 201, body: release };
    }
    const byId = /^\/releases\/(\d+)$/.exec(rest);
    if (req.method === "PATCH" && byId) {
      const release = releases.find((r) => r.id === Number(byId[1]));
      if (!release) return { status: 404, body: { message: "Not Found" } };
      const input = json();
      for (const key of ["tag_name", "name", "body", "prerelease", "draft"] as const) {
        if (key in input) (release as unknown as Record<string, unknown>)[key] = input[key];
      }
      return { status: 200, body: release };
    }
    if (req.method === "POST" && rest === "/code-scanning/sarifs") {
      const input = json();
      const sarif = Buffer.from(String(input["sarif"] ?? ""), "base64");
      const upload: StoredSarif = {
        commit_sha: String(input["commit_sha"]),
        ref: String(input["ref"]),
        // The API takes gzip then base64; the stand-in undoes both so tests can read it.
        sarif: gunzip(sarif),
        ...(typeof input["category"] === "string" ? { category: input["category"] } : {}),
      };
      sarifs.push(upload);
      const id = `sarif-${sarifs.length}`;
      return { status: 202, body: { id, url: `https://api.github.com${prefix}/code-scanning/sarifs/${id}` } };
    }
    return undefined;
  };

  const server = await startRecordingServer(handle, options.listen);
  return Object.assign(server, { releases, sarifs });
}

function gunzip(data: Buffer): string {
  return gunzipSync(data).toString("utf8");
}
