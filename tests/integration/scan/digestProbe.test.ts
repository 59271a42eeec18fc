/**
 * The DB digest probe (src/core/trivyDb.ts) run by the host's python3, as the scan stage runs it in
 * the Python image, against a registry stand-in on loopback that speaks the OCI distribution
 * spec's anonymous bearer-token flow (the flow ghcr.io and mirror.gcr.io use; no such registry can
 * be run here). The rig's e2e scans probe the real registry (tests/e2e/scan-verdicts.test.ts).
 */
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIGEST_PROBE_SCRIPT, parseProbeOutput, probeArguments } from "../../../src/core/trivyDb.js";

const DIGEST = `sha256:${"5e".repeat(32)}`;
const TOKEN = "anonymous-pull-token";
const requests: string[] = [];
let server: Server;
let registry: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    if (url.pathname === "/token") {
      const ok = url.searchParams.get("scope") === "repository:aquasec/trivy-db:pull";
      res.writeHead(ok ? 200 : 403, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { token: TOKEN } : { error: "scope" }));
      return;
    }
    if (url.pathname === "/v2/aquasec/trivy-db/manifests/2") {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, {
          "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="stand-in",scope="repository:aquasec/trivy-db:pull"`,
        });
        res.end();
        return;
      }
      res.writeHead(200, {
        "docker-content-digest": DIGEST,
        "content-type": "application/vnd.oci.image.manifest.v1+json",
      });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

/** Asynchronously: the stand-in answers from this same process. */
async function probe(repositories: string[]): Promise<string> {
  const run = promisify(execFile);
  return (await run("python3", ["-c", DIGEST_PROBE_SCRIPT, ...probeArguments(repositories)])).stdout;
}

describe("the DB digest probe", () => {
  it("follows the 401 challenge to an anonymous token and reads the manifest digest", async () => {
    const repo = `${registry}/aquasec/trivy-db:2`;
    expect(parseProbeOutput(await probe([repo]), "n")).toEqual({ resolved: true, repository: repo, digest: DIGEST });
    expect(requests.slice(-3)).toEqual([
      "HEAD /v2/aquasec/trivy-db/manifests/2 -",
      "GET /token?scope=repository%3Aaquasec%2Ftrivy-db%3Apull&service=stand-in -",
      `HEAD /v2/aquasec/trivy-db/manifests/2 Bearer ${TOKEN}`,
    ]);
  });

  it("falls through to the next repository, as Trivy does, and says why the first failed", async () => {
    const missing = `${registry}/nobody/nothing:2`;
    const repo = `${registry}/aquasec/trivy-db:2`;
    expect(parseProbeOutput(await probe([missing, repo]), "n")).toMatchObject({ resolved: true, repository: repo });
  });

  it("reports an unreachable registry as unresolved, without failing", async () => {
    const output = await probe(["127.0.0.1:9/aquasec/trivy-db:2"]);
    const version = parseProbeOutput(output, "nonce-1");
    expect(version).toMatchObject({ resolved: false, nonce: "nonce-1" });
    expect(version.resolved === false && version.reason).toMatch(
      /^127\.0\.0\.1:9\/aquasec\/trivy-db:2: URLError: .*refused/,
    );
  });
});
