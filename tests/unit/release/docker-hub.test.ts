import { describe, expect, it } from "vitest";
import { SettingsError } from "../../../src/core/errors.js";
import { dockerHubTags, parseDockerHubRepository } from "../../../src/core/release/docker-hub.js";
import { parseReleaseVersion } from "../../../src/core/release/version.js";

describe("dockerHubTags", () => {
  it.each([
    ["v1.2.3", ["1.2.3", "latest"]],
    ["v0.1.0", ["0.1.0", "latest"]],
    ["v1.2.3-beta.1", ["1.2.3-beta.1"]],
    ["v1.2.3-rc.2", ["1.2.3-rc.2"]],
  ])("%s publishes %j (never latest for a pre-release)", (tag, tags) => {
    expect(dockerHubTags(parseReleaseVersion(tag))).toEqual(tags);
  });
});

describe("parseDockerHubRepository", () => {
  it("splits namespace/name", () => {
    expect(parseDockerHubRepository("faultmaven/auth-service")).toEqual({
      namespace: "faultmaven",
      name: "auth-service",
    });
  });
  it.each(["auth-service", "FaultMaven/auth", "a/b/c", "docker.io/a/b", "", "a/-b"])("refuses %j", (value) => {
    expect(() => parseDockerHubRepository(value)).toThrow(SettingsError);
  });
});
