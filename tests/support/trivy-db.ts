/**
 * The rig's Trivy DB stand-in as the scan tests move it: `aquasecurity/trivy-db:2` holds a few real public
 * advisories, `:empty` none (tests/e2e/rig/trivy-db). A test points a tag of its own at one, then at the other,
 * as a DB release moves `:2`, and checks that the very next scan sees the change.
 */

/** requirements.txt pins with published advisories in the stand-in (a scan only reads them; nothing installs them). */
export const VULNERABLE_PINS = "PyYAML==5.3.1\nurllib3==1.26.16\n";

/** The CVEs the stand-in knows for {@link VULNERABLE_PINS}, sorted. */
export const VULNERABLE_PIN_CVES = ["CVE-2020-14343", "CVE-2023-43804"];

/** Copies a manifest from one tag of the rig's DB repository to another, as a DB release would move it. */
export async function retagTrivyDb(fromTag: string, toTag: string): Promise<void> {
  const base = `http://${process.env.RIG_REGISTRY ?? "127.0.0.1:5000"}/v2/aquasecurity/trivy-db/manifests`;
  const accept = "application/vnd.oci.image.manifest.v1+json";
  const got = await fetch(`${base}/${fromTag}`, { headers: { accept } });
  if (!got.ok) throw new Error(`GET manifest ${fromTag}: HTTP ${got.status}`);
  const put = await fetch(`${base}/${toTag}`, {
    method: "PUT",
    headers: { "content-type": got.headers.get("content-type") ?? accept },
    body: await got.arrayBuffer(),
  });
  if (!put.ok) throw new Error(`PUT manifest ${toTag}: HTTP ${put.status} ${await put.text()}`);
}

/** The vulnerability IDs of a Trivy JSON report, sorted. */
export function vulnerabilityIds(trivyJson: string): string[] {
  const report = JSON.parse(trivyJson) as { Results?: { Vulnerabilities?: { VulnerabilityID: string }[] }[] };
  return (report.Results ?? []).flatMap((r) => (r.Vulnerabilities ?? []).map((v) => v.VulnerabilityID)).sort();
}
