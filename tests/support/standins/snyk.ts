import { startRecordingServer, type RecordingServer, type Listen } from "./recording-server.js";

/**
 * Stand-in for Snyk's v1 test API (api.snyk.io is unreachable here, and the npm `snyk` CLI
 * downloads its binary from static.snyk.io): `POST /v1/test/pip` with `Authorization: token <t>`
 * and `{encoding: "plain", files: {target: {contents}}}` answers the documented test result shape.
 * Its advisories are real public facts (CVE, package, vulnerable range, fix, severity); the issue
 * ids are the stand-in's own, marked as such.
 */
const ADVISORIES = [
  {
    id: "SNYK-PYTHON-URLLIB3-STANDIN1",
    cve: "CVE-2023-43804",
    package: "urllib3",
    severity: "high",
    vulnerable: (v: number[]) => lt(v, [1, 26, 17]) || (!lt(v, [2, 0, 0]) && lt(v, [2, 0, 6])),
    fixedIn: ["1.26.17", "2.0.6"],
    title: "Information Exposure Through Sent Data",
  },
  {
    id: "SNYK-PYTHON-REQUESTS-STANDIN1",
    cve: "CVE-2023-32681",
    package: "requests",
    severity: "medium",
    vulnerable: (v: number[]) => !lt(v, [2, 3, 0]) && lt(v, [2, 31, 0]),
    fixedIn: ["2.31.0"],
    title: "Information Exposure",
  },
];

function lt(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

export async function startSnykStandin(options: { token: string; listen?: Listen }): Promise<RecordingServer> {
  return startRecordingServer((req) => {
    if (req.method !== "POST" || req.path !== "/v1/test/pip") return undefined;
    if (req.headers.authorization !== `token ${options.token}`) {
      return { status: 401, body: { code: 401, message: "Invalid auth token provided", error: "Unauthorized" } };
    }
    const contents = (JSON.parse(req.body.toString("utf8")) as { files?: { target?: { contents?: string } } }).files
      ?.target?.contents;
    if (typeof contents !== "string") return { status: 422, body: { code: 422, message: "files.target missing" } };
    const pins = [...contents.matchAll(/^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([0-9.]+)/gm)].map((m) => ({
      name: m[1]!.toLowerCase(),
      version: m[2]!,
    }));
    const vulnerabilities = pins.flatMap((pin) =>
      ADVISORIES.filter((a) => a.package === pin.name && a.vulnerable(pin.version.split(".").map(Number))).map((a) => ({
        id: a.id,
        title: a.title,
        type: "vuln",
        package: pin.name,
        version: pin.version,
        severity: a.severity,
        language: "python",
        packageManager: "pip",
        from: [`${pin.name}@${pin.version}`],
        identifiers: { CVE: [a.cve], CWE: [] },
        fixedIn: a.fixedIn,
        isUpgradable: true,
        isPatchable: false,
      })),
    );
    return {
      status: 200,
      body: {
        ok: vulnerabilities.length === 0,
        issues: { vulnerabilities, licenses: [] },
        dependencyCount: pins.length,
        org: { name: "stand-in", id: req.query.get("org") ?? "default-org" },
        packageManager: "pip",
      },
    };
  }, options.listen);
}
