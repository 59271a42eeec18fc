import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseEnvironments, selectEnvironment } from "../../../src/core/deploy/environments.js";

const real = JSON.parse(readFileSync("dagger/environments.json", "utf8")) as Record<string, Record<string, unknown>>;
const withChange = (env: "staging" | "production", field: string, value: unknown) => {
  const copy = structuredClone(real);
  if (value === undefined) delete copy[env]![field];
  else copy[env]![field] = value;
  return copy;
};

describe("dagger/environments.json", () => {
  it("declares staging and production as the spec says", () => {
    const envs = parseEnvironments(real);
    expect(envs.staging).toMatchObject({
      cluster: "faultmaven-staging",
      service: "auth-service",
      ecrRepository: "fm-auth-service-enterprise",
      publicUrl: "https://auth-staging.faultmaven.com",
      taskEnvironment: { ENVIRONMENT: "staging", LOG_LEVEL: "DEBUG" },
      versionTagRequired: false,
      deployFrom: "main",
    });
    expect(envs.production).toMatchObject({
      cluster: "faultmaven-production",
      publicUrl: "https://auth.faultmaven.com",
      taskEnvironment: { ENVIRONMENT: "production", LOG_LEVEL: "INFO" },
      versionTagRequired: true,
      allowPrerelease: false,
      deployFrom: "tag",
    });
  });

  it.each([
    [withChange("staging", "accountId", "12345"), /staging\.accountId must be 12 digits/],
    [withChange("production", "region", "mars-1"), /production\.region "mars-1" is not an AWS region/],
    [withChange("staging", "cluster", ""), /staging\.cluster must be a non-empty string/],
    [
      withChange("staging", "publicUrl", "http://auth-staging.faultmaven.com"),
      /staging\.publicUrl must be an https:\/\/ URL/,
    ],
    [
      withChange("staging", "taskEnvironment", { env: "x" }),
      /staging\.taskEnvironment must be a object of UPPER_CASE names/,
    ],
    [withChange("staging", "versionTagRequired", "yes"), /staging\.versionTagRequired must be a non-empty boolean/],
    [withChange("production", "deployFrom", "main"), /production\.deployFrom must be "tag" when versionTagRequired/],
    [withChange("staging", "deployFrom", "branch"), /staging\.deployFrom must be "main" or "tag"/],
    [withChange("staging", "colour", "blue"), /staging\.colour is not a known field/],
    [
      withChange("staging", "ecrRepository", "Bad Repo"),
      /staging\.ecrRepository "Bad Repo" is not an ECR repository name/,
    ],
    [withChange("staging", "service", undefined), /staging\.service must be a non-empty string/],
    [{ ...real, Prod: real.production }, /unknown environment "Prod": only staging, production exist/],
    [{ staging: real.staging }, /environment "production" is missing/],
    [[], /top level must be an object/],
  ])("refuses invalid file #%#", (raw, pattern) => {
    expect(() => parseEnvironments(raw)).toThrow(pattern);
  });

  it.each([
    ["Prod", /did you mean "production"\?/],
    ["PRODUCTION", /did you mean "production"\?/],
    ["Staging", /did you mean "staging"\?/],
    ["dev", /^unknown environment "dev": use --env=staging or --env=production$/],
  ])("selectEnvironment refuses %s", (name, pattern) => {
    expect(() => selectEnvironment(parseEnvironments(real), name)).toThrow(pattern);
  });
});
