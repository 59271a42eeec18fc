import { describe, expect, it } from "vitest";

import {
  dbCacheKey,
  DEFAULT_DB_REPOSITORIES,
  parseDbMetadata,
  parseProbeOutput,
  parseRegistryRef,
  probeArguments,
  registryScheme,
  vulnScanScript,
} from "../../../src/core/trivyDb.js";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("parseRegistryRef", () => {
  it.each([
    ["10.89.0.1:5000/aquasecurity/trivy-db:2", "10.89.0.1:5000", "aquasecurity/trivy-db", "2", "http"],
    ["ghcr.io/aquasecurity/trivy-db", "ghcr.io", "aquasecurity/trivy-db", "2", "https"],
    ["mirror.gcr.io/aquasec/trivy-db:2", "mirror.gcr.io", "aquasec/trivy-db", "2", "https"],
    [`registry.local:443/db@${DIGEST}`, "registry.local:443", "db", DIGEST, "https"],
    ["localhost:5000/trivy-db:next", "localhost:5000", "trivy-db", "next", "http"],
    ["aquasec/trivy-db:2", "index.docker.io", "aquasec/trivy-db", "2", "https"],
  ])("%s", (ref, registry, repository, reference, scheme) => {
    expect(parseRegistryRef(ref)).toEqual({ registry, repository, reference, scheme });
  });

  it("speaks plain HTTP exactly where go-containerregistry does (loopback, localhost, RFC 1918)", () => {
    expect(
      ["127.0.0.1:5000", "localhost", "10.0.0.1", "172.16.0.1", "172.31.255.1", "192.168.1.1"].map(registryScheme),
    ).toEqual(Array(6).fill("http"));
    expect(["172.32.0.1", "11.0.0.1", "ghcr.io", "10.example.com"].map(registryScheme)).toEqual(Array(4).fill("https"));
  });
});

describe("probeArguments", () => {
  it("gives Trivy's own repositories in Trivy's order", () => {
    expect(probeArguments(DEFAULT_DB_REPOSITORIES)).toEqual([
      "https mirror.gcr.io aquasec/trivy-db 2 mirror.gcr.io/aquasec/trivy-db:2",
      "https ghcr.io aquasecurity/trivy-db 2 ghcr.io/aquasecurity/trivy-db:2",
    ]);
  });
});

describe("parseProbeOutput and dbCacheKey", () => {
  it("reads the digest of the repository that answered; the digest is the cache key", () => {
    const version = parseProbeOutput(`noise\ndigest ghcr.io/aquasecurity/trivy-db:2 ${DIGEST}\n`, "n1");
    expect(version).toEqual({ resolved: true, repository: "ghcr.io/aquasecurity/trivy-db:2", digest: DIGEST });
    expect(dbCacheKey(version)).toBe(DIGEST);
  });

  it("an unreachable registry or odd output is unresolved, keyed by the call's nonce (never replayed)", () => {
    const down = parseProbeOutput("unresolved mirror.gcr.io/aquasec/trivy-db:2: URLError: no host\n", "n2");
    expect(down).toEqual({
      resolved: false,
      reason: "mirror.gcr.io/aquasec/trivy-db:2: URLError: no host",
      nonce: "n2",
    });
    expect(dbCacheKey(down)).toBe("unresolved-n2");
    expect(parseProbeOutput("Traceback ...", "n3")).toMatchObject({
      resolved: false,
      reason: "unexpected probe output: Traceback ...",
    });
    expect(parseProbeOutput("digest x sha256:short", "n4").resolved).toBe(false);
  });
});

describe("vulnScanScript", () => {
  const base = { cacheDir: "/c", metadataOut: "/out/db.json", dbRepositoryArgs: ["--db-repository", "r.io/db:2"] };

  it("with a resolved digest, replaces a cached DB of another digest (or none) before the scan", () => {
    const script = vulnScanScript({ ...base, version: { resolved: true, repository: "r.io/db:2", digest: DIGEST } });
    expect(script).toContain(
      `if [ ! -f /c/db/trivy.db ] || [ "$(cat /c/faultmaven-db-digest 2>/dev/null)" != "${DIGEST}" ]; then`,
    );
    expect(script).toContain("rm -rf /c/db /c/faultmaven-db-digest");
    expect(script).toContain(
      "trivy image --download-db-only --no-progress --cache-dir /c '--db-repository' 'r.io/db:2' || exit $?",
    );
    expect(script).toContain(`echo "${DIGEST}" > /c/faultmaven-db-digest`);
    expect(script.split("\n").slice(-3)).toEqual([
      'rc=0; "$@" || rc=$?',
      "cp /c/db/metadata.json /out/db.json 2>/dev/null || true",
      "exit $rc",
    ]);
  });

  it("unresolved, leaves the DB to Trivy's own update rule", () => {
    const script = vulnScanScript({ ...base, version: { resolved: false, reason: "down", nonce: "n" } });
    expect(script).not.toContain("download-db-only");
    expect(script).toContain('"$@"');
  });
});

describe("parseDbMetadata", () => {
  it("takes the DB's build date (UpdatedAt) and the resolved digest", () => {
    const meta = JSON.stringify({ Version: 2, UpdatedAt: "2026-11-30T06:12:00Z", NextUpdate: "2026-12-01T06:12:00Z" });
    expect(parseDbMetadata(meta, { resolved: true, repository: "r", digest: DIGEST })).toEqual({
      updatedAt: "2026-11-30T06:12:00Z",
      digest: DIGEST,
    });
    expect(parseDbMetadata(undefined, { resolved: false, reason: "x", nonce: "n" })).toEqual({
      updatedAt: undefined,
      digest: undefined,
    });
  });
});
