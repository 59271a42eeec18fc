/**
 * Which vulnerability DB a scan used, decided before Trivy runs.
 *
 * Dagger replays an exec whose inputs did not change, and a Trivy run's inputs (image, flags,
 * source) do not change when the DB is republished: a verdict from an older DB would be replayed.
 * So each scan first resolves the DB artifact's current manifest digest (an uncached probe), and
 * that digest becomes an input of the Trivy run and decides whether the cached DB is replaced.
 */

/** Trivy's own DB repositories, in the order Trivy tries them (pkg/db/db.go, v0.69-v0.74). */
export const DEFAULT_DB_REPOSITORIES = ["mirror.gcr.io/aquasec/trivy-db:2", "ghcr.io/aquasecurity/trivy-db:2"];

/** The DB schema Trivy adds as the tag when a repository names none (flag/db_flags.go). */
const DB_SCHEMA_TAG = "2";

/** What the probe found: the digest the DB repository serves now, or why it could not tell. */
export type DbVersion =
  { resolved: true; repository: string; digest: string } | { resolved: false; reason: string; nonce: string };

/** A registry reference split the way go-containerregistry (inside Trivy) splits it. */
export interface RegistryRef {
  registry: string;
  repository: string;
  /** A tag, or a sha256: digest. */
  reference: string;
  scheme: "http" | "https";
}

/**
 * Splits `host/repo[:tag|@digest]`. No tag means Trivy's schema tag; plain HTTP for loopback,
 * localhost and RFC 1918 registries, as go-containerregistry decides (name.Registry.Scheme).
 */
export function parseRegistryRef(ref: string): RegistryRef {
  const [withoutDigest, digest] = ref.split("@", 2) as [string, string | undefined];
  const slash = withoutDigest.indexOf("/");
  const first = slash < 0 ? "" : withoutDigest.slice(0, slash);
  const isHost = first.includes(".") || first.includes(":") || first === "localhost";
  const registry = isHost ? first : "index.docker.io";
  let path = isHost ? withoutDigest.slice(slash + 1) : withoutDigest;
  let tag = DB_SCHEMA_TAG;
  const colon = path.lastIndexOf(":");
  if (colon > 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (registry === "index.docker.io" && !path.includes("/")) path = `library/${path}`;
  return { registry, repository: path, reference: digest ?? tag, scheme: registryScheme(registry) };
}

export function registryScheme(registry: string): "http" | "https" {
  const host = registry.replace(/:\d+$/, "");
  if (host === "localhost" || /^127\./.test(host) || host === "[::1]") return "http";
  const octets = host.split(".").map(Number);
  if (octets.length === 4 && octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255)) {
    const [a, b] = octets as [number, number, number, number];
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "http";
  }
  return "https";
}

/**
 * Python (stdlib only) that prints `digest <repository> <sha256:...>` for the first repository
 * that answers, else `unresolved <reason>`. It follows the OCI distribution spec: HEAD the
 * manifest, and on 401 fetch an anonymous bearer token from the challenge's realm. It always exits
 * 0: an unreachable registry is an answer ("unresolved"), which Trivy then meets itself.
 */
export const DIGEST_PROBE_SCRIPT = String.raw`
import hashlib, json, re, sys, urllib.error, urllib.parse, urllib.request
ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
def manifest_digest(scheme, registry, repository, reference):
    url = f"{scheme}://{registry}/v2/{repository}/manifests/{reference}"
    def request(method, token=None):
        headers = {"Accept": ACCEPT}
        if token:
            headers["Authorization"] = "Bearer " + token
        return urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=20)
    token = None
    try:
        response = request("HEAD")
    except urllib.error.HTTPError as error:
        if error.code != 401:
            raise
        challenge = dict(re.findall(r'(\w+)="([^"]*)"', error.headers.get("WWW-Authenticate", "")))
        query = {"scope": challenge.get("scope", f"repository:{repository}:pull")}
        if "service" in challenge:
            query["service"] = challenge["service"]
        answer = json.load(urllib.request.urlopen(challenge["realm"] + "?" + urllib.parse.urlencode(query), timeout=20))
        token = answer.get("token") or answer.get("access_token")
        response = request("HEAD", token)
    digest = response.headers.get("Docker-Content-Digest")
    if digest:
        return digest
    body = request("GET", token).read()
    return "sha256:" + hashlib.sha256(body).hexdigest()
reasons = []
for spec in sys.argv[1:]:
    scheme, registry, repository, reference, name = spec.split(" ")
    try:
        print("digest", name, manifest_digest(scheme, registry, repository, reference))
        sys.exit(0)
    except Exception as error:
        reasons.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")
print("unresolved", "; ".join(reasons))
`;

/** The probe's arguments: one `scheme registry repository reference name` word per repository. */
export function probeArguments(repositories: readonly string[]): string[] {
  return repositories.map((name) => {
    const ref = parseRegistryRef(name);
    return [ref.scheme, ref.registry, ref.repository, ref.reference, name].join(" ");
  });
}

/** Reads the probe's last line. Anything unexpected is "unresolved", with a nonce that busts the cache. */
export function parseProbeOutput(output: string, nonce: string): DbVersion {
  const line = output.trim().split("\n").pop() ?? "";
  const found = /^digest (\S+) (sha256:[0-9a-f]{64})$/.exec(line);
  if (found) return { resolved: true, repository: found[1] as string, digest: found[2] as string };
  const reason = line.startsWith("unresolved ") ? line.slice("unresolved ".length) : `unexpected probe output: ${line}`;
  return { resolved: false, reason, nonce };
}

/**
 * The value the Trivy run carries as an input: the DB digest, so the run is replayed only for the
 * same DB; when unresolved, a per-call nonce, so it is never replayed.
 */
export function dbCacheKey(version: DbVersion): string {
  return version.resolved ? version.digest : `unresolved-${version.nonce}`;
}

/**
 * The shell that wraps the vulnerability scan (Trivy's argv follows as "$@"), run under the cache
 * volume's lock. With a resolved digest that differs from the one recorded beside the cached DB
 * (or no DB at all), the cached DB is removed and downloaded again (Trivy alone would keep it
 * until its NextUpdate) and the digest recorded; the scan then runs with --skip-db-update on
 * exactly that DB. Unresolved: Trivy applies its own update rule. Either way the DB's
 * metadata.json is copied to `metadataOut` for the report.
 */
export function vulnScanScript(opts: {
  cacheDir: string;
  metadataOut: string;
  version: DbVersion;
  dbRepositoryArgs: readonly string[];
}): string {
  const marker = `${opts.cacheDir}/faultmaven-db-digest`;
  const lines: string[] = [];
  if (opts.version.resolved) {
    const repo = opts.dbRepositoryArgs.map((a) => `'${a.replace(/'/g, "")}'`).join(" ");
    lines.push(
      `if [ ! -f ${opts.cacheDir}/db/trivy.db ] || [ "$(cat ${marker} 2>/dev/null)" != "${opts.version.digest}" ]; then`,
      `  echo "vulnerability DB: fetching ${opts.version.digest} (the cached one is older or missing)"`,
      `  rm -rf ${opts.cacheDir}/db ${marker}`,
      `  trivy image --download-db-only --no-progress --cache-dir ${opts.cacheDir} ${repo} || exit $?`,
      `  echo "${opts.version.digest}" > ${marker}`,
      "fi",
    );
  }
  lines.push(
    'rc=0; "$@" || rc=$?',
    `cp ${opts.cacheDir}/db/metadata.json ${opts.metadataOut} 2>/dev/null || true`,
    "exit $rc",
  );
  return lines.join("\n");
}

/** Flags of the vulnerability scan that follow from the DB version: the synced DB, as is. */
export function dbVersionFlags(version: DbVersion): string[] {
  return version.resolved ? ["--skip-db-update"] : [];
}

/** The DB facts the report gives: when it was built and, when known, its digest. */
export interface DbInfo {
  updatedAt?: string;
  digest?: string;
}

/** metadata.json of Trivy's DB: UpdatedAt is when the DB was built. */
export function parseDbMetadata(json: string | undefined, version: DbVersion): DbInfo {
  let updatedAt: string | undefined;
  try {
    const meta = JSON.parse(json ?? "") as { UpdatedAt?: unknown };
    if (typeof meta.UpdatedAt === "string") updatedAt = meta.UpdatedAt;
  } catch {
    updatedAt = undefined;
  }
  return { updatedAt, digest: version.resolved ? version.digest : undefined };
}
