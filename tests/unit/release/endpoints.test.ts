import { describe, expect, it } from "vitest";

import { SettingsError } from "../../../src/core/errors.js";
import { checkReleaseEndpoints } from "../../../src/core/release/endpoints.js";

describe("the endpoints of a release", () => {
  it.each(["docker.io", "registry.example.com:5000", "10.89.0.1:5001", "localhost"])("accepts the registry %s", (r) => {
    expect(() => checkReleaseEndpoints({ registry: r })).not.toThrow();
  });

  it.each([
    ["https://docker.io", "a URL"],
    ["docker.io/faultmaven", "a path"],
    ["", "nothing"],
    ["registry.example.com:port", "a port that is not a number"],
  ])("refuses the registry %j (%s) in one line", (registry) => {
    expect(() => checkReleaseEndpoints({ registry })).toThrow(
      new SettingsError(
        `--docker-registry "${registry}" is not a registry host such as docker.io or registry.example.com:5000`,
      ),
    );
  });

  it("takes API roots over https, or plain http on loopback only, and names the argument", () => {
    expect(() =>
      checkReleaseEndpoints({
        registry: "docker.io",
        dockerHubApiUrl: "http://127.0.0.1:8080",
        githubApiUrl: "https://github.example.com/api/v3",
      }),
    ).not.toThrow();
    expect(() => checkReleaseEndpoints({ registry: "docker.io", dockerHubApiUrl: "hub.docker.com" })).toThrow(
      '--docker-hub-api-url "hub.docker.com" is not a URL: pass https://host[/path]',
    );
    expect(() => checkReleaseEndpoints({ registry: "docker.io", githubApiUrl: "http://10.0.0.5/api/v3" })).toThrow(
      '--github-api-url "http://10.0.0.5/api/v3" must be https:// (plain http only on loopback)',
    );
  });
});
