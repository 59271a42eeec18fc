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
    throw new SettingsError(`Docker Hub repository "${value ?? ""}" is not namespace/name in lower case: pass it like faultmaven/auth-service`);
  }
  return { namespace: match[1]!, name: match[2]! };
}

/** Docker Hub's limit for the short description. */
export const MAX_SHORT_DESCRIPTION = 100;

/** What to write on the Docker Hub repository page. */
export interface DockerHubDescriptionOptions {
  /** `namespace/name`. */
  readonly repository: string;
  readonly username: string;
  /** Password or personal access token. Held in memory only. */
  readonly password: string;
  /** The long description (markdown), usually the service README. */
  readonly fullDescription: string;
  /** One line, at most 100 characters. @default undefined (left unchanged) */
  readonly shortDescription?: string;
  /**
   * Docker Hub's API root; tests point it at a local stand-in.
   * @default "https://hub.docker.com"
   */
  readonly baseUrl?: string;
}

/**
 * Updates the Docker Hub repository description: log in for a JWT (`POST /v2/users/login`),
 * then `PATCH /v2/repositories/{namespace}/{name}/`. Messages never include the credentials.
 */
export async function updateDockerHubDescription(options: DockerHubDescriptionOptions): Promise<void> {
  const { namespace, name } = parseDockerHubRepository(options.repository);
  const base = (options.baseUrl ?? "https://hub.docker.com").replace(/\/+$/, "");
  const login = await call(`${base}/v2/users/login`, "logging in to Docker Hub as " + options.username, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ username: options.username, password: options.password }),
  });
  const token = (login as { token?: unknown }).token;
  if (typeof token !== "string" || token === "") {
    throw new ReleaseError("Docker Hub login answered without a token: check DOCKER_USERNAME/DOCKER_PASSWORD and that 2FA users pass an access token");
  }
  const patch: Record<string, string> = { full_description: options.fullDescription };
  if (options.shortDescription !== undefined) patch["description"] = options.shortDescription;
  await call(`${base}/v2/repositories/${namespace}/${name}/`, `updating the description of ${namespace}/${name}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(patch),
  });
}

async function call(url: string, action: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new ReleaseError(`Docker Hub: ${action} failed: ${(error as Error).message}: check the network`);
  }
  const text = await response.text();
  if (!response.ok) {
    const hint = response.status === 401 || response.status === 403 ? "check DOCKER_USERNAME/DOCKER_PASSWORD and the token's scope" : "retry later";
    throw new ReleaseError(`Docker Hub: ${action} answered HTTP ${response.status}: ${hint}`);
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new ReleaseError(`Docker Hub: ${action} answered a body that is not JSON: check the Docker Hub URL`);
  }
}
