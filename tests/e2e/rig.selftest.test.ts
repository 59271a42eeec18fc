/**
 * Self-test of the engine rig (tests/e2e/rig): a real TypeScript client, in
 * client mode (`connection()` from @dagger.io/dagger), runs containers on the
 * rig's Dagger v0.21.8 engine using the images the rig published.
 *
 * Needs the rig up:
 *   tests/e2e/rig/up && eval "$(tests/e2e/rig/env.sh)" \
 *     && npx vitest run --project e2e tests/e2e/rig.selftest.test.ts
 * Without RIG_IMAGES_FILE the suite is skipped (and says so); with it, every
 * check talks to the real engine, real registry and real PyPI (through the
 * egress proxy) — nothing here is faked.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connection, dag } from "@dagger.io/dagger";

/** Image references the rig wrote, pinned by digest as the engine sees them. */
interface RigImages {
  python: string;
  postgres: string;
  redis: string;
  trivy: string;
}

const imagesFile = process.env.RIG_IMAGES_FILE;
const registry = process.env.RIG_REGISTRY ?? "127.0.0.1:5000";
const images: RigImages | undefined = imagesFile
  ? (JSON.parse(readFileSync(imagesFile, "utf8")) as RigImages)
  : undefined;

/** Runs fn inside one engine session; engine logs go to stderr for diagnosis. */
function onEngine<T>(fn: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  return connection(
    async () => {
      result = await fn();
    },
    { LogOutput: process.stderr },
  ).then(() => result as T);
}

describe.skipIf(!images)('engine rig self-test (needs: eval "$(tests/e2e/rig/env.sh)")', () => {
  const rig = images as RigImages;

  it("lists a digest-pinned reference for every image the pipeline names", () => {
    for (const name of ["python", "postgres", "redis", "trivy"] as const) {
      expect(rig[name], name).toMatch(new RegExp(`^${registry.replace(/\./g, "\\.")}/.+@sha256:[0-9a-f]{64}$`));
    }
  });

  it("(a) runs the python image and reads stdout", async () => {
    const out = await onEngine(() =>
      dag.container().from(rig.python).withExec(["python", "-c", "print(6*7)"]).stdout(),
    );
    expect(out).toBe("42\n");
  });

  it("(b) binds postgres and redis as services and talks to both", async () => {
    const out = await onEngine(async () => {
      const password = dag.setSecret("rig-selftest-pg-password", `pw-${Date.now()}`);
      const postgres = dag
        .container()
        .from(rig.postgres)
        .withEnvVariable("POSTGRES_USER", "auth")
        .withEnvVariable("POSTGRES_DB", "authdb")
        .withSecretVariable("POSTGRES_PASSWORD", password)
        .withExposedPort(5432)
        .asService({ useEntrypoint: true });
      const redis = dag.container().from(rig.redis).withExposedPort(6379).asService();
      // The postgres image carries psql; bash's /dev/tcp speaks RESP to redis.
      const probe = [
        "set -euo pipefail",
        `psql -h db -U auth -d authdb -tAc "select current_user || '@' || current_database()"`,
        "exec 3<>/dev/tcp/cache/6379",
        "printf 'SET rig selftest\\r\\nGET rig\\r\\n' >&3",
        // +OK\r\n$8\r\nselftest\r\n is 19 bytes.
        "head -c 19 <&3 | tr -d '\\r' | tr '\\n' ' '",
      ].join("\n");
      return dag
        .container()
        .from(rig.postgres)
        .withServiceBinding("db", postgres)
        .withServiceBinding("cache", redis)
        .withSecretVariable("PGPASSWORD", password)
        .withNewFile("/probe.sh", probe)
        .withEnvVariable("CACHE_BUSTER", String(Date.now()))
        .withExec(["bash", "/probe.sh"])
        .stdout();
    });
    expect(out).toContain("auth@authdb");
    expect(out).toContain("+OK $8 selftest");
  });

  it("(c) pip-installs a package from PyPI inside a container (CA + egress)", async () => {
    const out = await onEngine(() =>
      dag
        .container()
        .from(rig.python)
        .withEnvVariable("CACHE_BUSTER", String(Date.now()))
        .withExec(["pip", "install", "--no-cache-dir", "six==1.17.0"])
        .withExec(["python", "-c", "import six; print(six.__version__)"])
        .stdout(),
    );
    expect(out.trim()).toBe("1.17.0");
  });

  it("(d) dockerBuild of FROM python:3.11-slim resolves through the registry mirror", async () => {
    const out = await onEngine(() =>
      dag
        .directory()
        .withNewFile("Dockerfile", 'FROM python:3.11-slim\nRUN python -c "print(7*6)" > /built.txt\n')
        .dockerBuild()
        // PIP_CERT is set by the rig's image only: proves the mirror served it.
        .withExec(["sh", "-c", 'cat /built.txt; echo "$PIP_CERT"'])
        .stdout(),
    );
    expect(out).toBe("42\n/etc/ssl/certs/ca-certificates.crt\n");
  });

  it("(e) publishes to the local registry; docker pull sees the same digest", async () => {
    const tag = `${registry}/rig-selftest:${Date.now()}`;
    const published = await onEngine(() =>
      dag.container().from(rig.python).withNewFile("/published.txt", tag).publish(tag),
    );
    const digest = published.split("@")[1];
    expect(published.startsWith(`${registry}/rig-selftest:`)).toBe(true);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    execFileSync("docker", ["pull", "-q", tag], { stdio: "pipe" });
    const repoDigests = execFileSync("docker", ["inspect", "-f", "{{json .RepoDigests}}", tag], {
      encoding: "utf8",
    });
    expect(JSON.parse(repoDigests)).toContain(`${registry}/rig-selftest@${digest}`);
    const content = execFileSync("docker", ["run", "--rm", tag, "cat", "/published.txt"], {
      encoding: "utf8",
    });
    expect(content).toBe(tag);
    execFileSync("docker", ["rmi", tag], { stdio: "pipe" });
  });
  it("(f) trivy finds a planted secret without its vulnerability DB", async () => {
    // Assembled at run time so this file holds no secret-shaped string itself.
    const token = ["ghp", "_", "R1gSelfTestToken0123456789abcdefghijKLM".slice(0, 36)].join("");
    const report = await onEngine(() =>
      dag
        .container()
        .from(rig.trivy)
        .withNewFile("/scan/config.env", `GITHUB_TOKEN=${token}\n`)
        .withEnvVariable("CACHE_BUSTER", String(Date.now()))
        .withExec(["trivy", "fs", "--scanners", "secret", "--format", "json", "--quiet", "/scan"], {
          useEntrypoint: false,
        })
        .stdout(),
    );
    const findings = (JSON.parse(report) as { Results?: { Secrets?: { RuleID: string }[] }[] }).Results ?? [];
    const ruleIds = findings.flatMap((r) => (r.Secrets ?? []).map((f) => f.RuleID));
    expect(ruleIds).toContain("github-pat");
  });

  it("(g) the engine injects no CA into what it runs; the images trust the stand-ins' CA themselves", async () => {
    // The engine copies whatever its /usr/local/share/ca-certificates holds into this very folder of a Debian
    // container, around an update-ca-certificates per exec: with the folder gone from the image, anything in it
    // during the exec came from the engine.
    const script = [
      "ls -A /usr/local/share/ca-certificates 2>/dev/null || echo 'no folder'",
      "python -c \"import ssl; print([dict(x[0] for x in c['subject'])['commonName'] for c in ssl.create_default_context().get_ca_certs() if 'rig' in str(c['subject'])])\"",
    ].join("; ");
    const out = await onEngine(() =>
      dag
        .container()
        .from(rig.python)
        .withExec(["rm", "-rf", "/usr/local/share/ca-certificates"])
        .withEnvVariable("CACHE_BUSTER", String(Date.now())) // the engine's current setting, not a cached run
        .withExec(["sh", "-c", script])
        .stdout(),
    );
    expect(out).toBe("no folder\n['FaultMaven engine rig stand-ins CA']\n");
  });

  it("(h) postgres's docker-ensure-initdb.sh initialises the cluster, init scripts included, and exits", async () => {
    const out = await onEngine(() =>
      dag
        .container()
        .from(rig.postgres)
        .withEnvVariable("POSTGRES_PASSWORD", "selftest-only")
        .withNewFile("/docker-entrypoint-initdb.d/more.sql", 'CREATE DATABASE "selftest_more";\n')
        .withExec(["docker-ensure-initdb.sh"])
        .withExec(["sh", "-c", "cat $PGDATA/PG_VERSION; ls $PGDATA/base | wc -l"])
        .stdout(),
    );
    // template0, template1, postgres and selftest_more
    expect(out).toBe("15\n4\n");
  });
});
