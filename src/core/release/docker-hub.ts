import { ReleaseError, SettingsError } from "../errors.js";
import type { ReleaseVersion } from "./version.js";

/**
 * The Docker Hub tags a release publishes (pure): `X.Y.Z` and `latest` for a stable release,
 * only `X.Y.Z-pre` for a pre-release, so `latest` never points at a beta or an rc.
 */
export function dockerHubTags(release: ReleaseVersion): string[] {
  return release.prerelease ? [release.version] : [release.version, "latest"];
}

const DOCKER_REPOSITORY = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)\/([a-z0-9]+(?:[._-][a-z0-9]+)*)$/;

/** Splits a Docker Hub repository `namespace/name`, or throws a one-line {@link SettingsError}. */
export function parseDockerHubRepository(value: string): { namespace: string; name: string } {
  const match = DOCKER_REPOSITORY.exec(value ?? "");
  if (!match) {
    throw new SettingsError(
      `Docker Hub repository "${value ?? ""}" is not namespace/name in lower case: pass it like faultmaven/auth-service`,
    );
  }
  return { namespace: match[1]!, name: match[2]! };
}

/** Docker Hub's limit for the short description. */
export const MAX_SHORT_DESCRIPTION = 100;

/** Where Docker Hub's API is and who logs in. */
export interface DockerHubLogin {
  readonly username: string;
  /** Password or personal access token. Held in memory only. */
  readonly password: string;
  /**
   * Docker Hub's API root; tests point it at a local stand-in.
   * @default "https://hub.docker.com"
   */
  readonly baseUrl?: string;
}

/** A logged-in Docker Hub API session (the JWT stays inside). */
export interface DockerHubSession {
  /** The digest `repository:tag` holds now, or undefined when the tag does not exist (`GET .../tags/{tag}`). */
  tagDigest(repository: string, tag: string): Promise<string | undefined>;
  /** Sets the repository's descriptions: `PATCH /v2/repositories/{namespace}/{name}/`. */
  updateDescription(options: { repository: string; fullDescription: string; shortDescription?: string }): Promise<void>;
}

/**
 * Logs in to Docker Hub (`POST /v2/users/login` → JWT). Changes nothing on Docker Hub, so a
 * release does it among its checks: wrong credentials stop the release before any write.
 * Messages never include the credentials.
 */
export async function loginToDockerHub(login: DockerHubLogin): Promise<DockerHubSession> {
  const base = (login.baseUrl ?? "https://hub.docker.com").replace(/\/+$/, "");
  const answer = await call(`${base}/v2/users/login`, "logging in to Docker Hub as " + login.username, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username: login.username, password: login.password }),
  });
  const jwt = (answer as { token?: unknown }).token;
  if (typeof jwt !== "string" || jwt === "") {
    throw new ReleaseError(
      "Docker Hub login answered without a token: check DOCKER_USERNAME/DOCKER_PASSWORD (2FA accounts need an access token)",
    );
  }
  return {
    async tagDigest(repository, tag) {
      const { namespace, name } = parseDockerHubRepository(repository);
      const answer = await call(
        `${base}/v2/repositories/${namespace}/${name}/tags/${encodeURIComponent(tag)}`,
        `reading tag ${tag} of ${namespace}/${name}`,
        { headers: { Accept: "application/json", Authorization: `Bearer ${jwt}` } },
        { absentOn404: true },
      );
      if (answer === undefined) return undefined;
      const digest = (answer as { digest?: unknown }).digest;
      return typeof digest === "string" && digest !== "" ? digest : "an image of unknown digest";
    },
    async updateDescription({ repository, fullDescription, shortDescription }) {
      const { namespace, name } = parseDockerHubRepository(repository);
      const patch: Record<string, string> = { full_description: fullDescription };
      if (shortDescription !== undefined) patch["description"] = shortDescription;
      await call(`${base}/v2/repositories/${namespace}/${name}/`, `updating the description of ${namespace}/${name}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${jwt}` },
        body: JSON.stringify(patch),
      });
    },
  };
}

async function call(
  url: string,
  action: string,
  init: RequestInit,
  options: { absentOn404?: boolean } = {},
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ReleaseError(`Docker Hub: ${action} failed: ${(error as Error).message}: check the network`);
  }
  const text = await response.text();
  if (response.status === 404 && options.absentOn404) return undefined;
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? "check DOCKER_USERNAME/DOCKER_PASSWORD and the token's scope"
        : "retry later";
    throw new ReleaseError(`Docker Hub: ${action} answered HTTP ${response.status}: ${hint}`);
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new ReleaseError(`Docker Hub: ${action} answered a body that is not JSON: check the Docker Hub URL`);
  }
}
