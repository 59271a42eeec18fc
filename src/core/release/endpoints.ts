/**
 * The endpoints a release caller may move (a registry standing for Docker Hub, Docker Hub's and GitHub's API
 * roots), checked in one line before any secret is read or any call is made. A token goes only over https, or in
 * plain http to loopback (a local server).
 */
import { parseServiceUrl } from "../codecov/cli.js";
import { SettingsError } from "../errors.js";

/** A registry host as image references name it: `docker.io`, `registry.example.com:5000`, `10.0.0.1:5001`. */
const REGISTRY_HOST = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i;

export interface ReleaseEndpoints {
  readonly registry: string;
  readonly dockerHubApiUrl?: string | undefined;
  readonly githubApiUrl?: string | undefined;
}

export function checkReleaseEndpoints(endpoints: ReleaseEndpoints): void {
  if (!REGISTRY_HOST.test(endpoints.registry))
    throw new SettingsError(
      `--docker-registry "${endpoints.registry}" is not a registry host such as docker.io or registry.example.com:5000`,
    );
  if (endpoints.dockerHubApiUrl !== undefined) parseServiceUrl(endpoints.dockerHubApiUrl, "--docker-hub-api-url");
  if (endpoints.githubApiUrl !== undefined) parseServiceUrl(endpoints.githubApiUrl, "--github-api-url");
}
