import { parse } from "yaml";

import { SettingsError } from "./errors.js";
import type { SnykVulnerability } from "./snyk.js";

/**
 * The ignores of a `.snyk` policy file, the file `snyk ignore` writes and `snyk test` reads. The
 * pipeline asks Snyk's API, which never sees the file, so the ignores are applied here:
 *
 *   ignore:
 *     SNYK-PYTHON-URLLIB3-1533435:
 *       - '*':                      # a dependency path: '*' for every path, or "flask > werkzeug"
 *           reason: not reachable
 *           expires: 2027-01-01T00:00:00.000Z
 */
export interface SnykIgnoreRule {
  id: string;
  /** The dependency path the rule covers: "*" or package names joined by " > " (a name may carry @version). */
  path: string;
  reason?: string;
  /** After this instant the rule no longer applies. */
  expires?: Date;
}

/** Reads the ignore rules; anything that is not a policy is a one-line SettingsError naming what is wrong. */
export function parseSnykPolicy(text: string): SnykIgnoreRule[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new SettingsError(`.snyk is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return [];
  if (typeof doc !== "object" || Array.isArray(doc)) throw new SettingsError(".snyk is not a Snyk policy (a mapping)");
  const ignore = (doc as Record<string, unknown>).ignore;
  if (ignore === undefined || ignore === null) return [];
  if (typeof ignore !== "object" || Array.isArray(ignore)) {
    throw new SettingsError(".snyk: `ignore` must map issue ids to lists of paths");
  }
  const rules: SnykIgnoreRule[] = [];
  for (const [id, entries] of Object.entries(ignore as Record<string, unknown>)) {
    if (!Array.isArray(entries)) throw new SettingsError(`.snyk: the ignore of ${id} must be a list of paths`);
    for (const entry of entries) {
      if (!entry || typeof entry !== "object")
        throw new SettingsError(`.snyk: an ignore path of ${id} is not a mapping`);
      for (const [path, details] of Object.entries(entry as Record<string, unknown>)) {
        rules.push({ id, path, ...ruleDetails(id, details) });
      }
    }
  }
  return rules;
}

function ruleDetails(id: string, details: unknown): Pick<SnykIgnoreRule, "reason" | "expires"> {
  if (!details || typeof details !== "object") return {};
  const { reason, expires } = details as { reason?: unknown; expires?: unknown };
  const why = { reason: reason === undefined ? undefined : String(reason) };
  if (expires === undefined || expires === null) return why;
  const when = expires instanceof Date ? expires : new Date(String(expires));
  if (Number.isNaN(when.getTime()))
    throw new SettingsError(`.snyk: the ignore of ${id} expires on "${String(expires)}", not a date`);
  return { ...why, expires: when };
}

/** A finding a rule of .snyk suppressed. */
export interface SnykSuppression {
  vulnerability: SnykVulnerability;
  rule: SnykIgnoreRule;
}

/** Splits the findings into those that count and those a rule in force suppresses; names the rules that expired. */
export function applySnykPolicy(
  vulnerabilities: SnykVulnerability[],
  rules: SnykIgnoreRule[],
  now: Date,
): { counted: SnykVulnerability[]; suppressed: SnykSuppression[]; expired: SnykIgnoreRule[] } {
  const counted: SnykVulnerability[] = [];
  const suppressed: SnykSuppression[] = [];
  const expired = new Map<string, SnykIgnoreRule>();
  for (const vulnerability of vulnerabilities) {
    const matching = rules.filter((r) => r.id === vulnerability.id && pathMatches(r.path, vulnerability));
    const inForce = matching.find((r) => !r.expires || r.expires > now);
    if (inForce) {
      suppressed.push({ vulnerability, rule: inForce });
      continue;
    }
    counted.push(vulnerability);
    for (const rule of matching) expired.set(`${rule.id} ${rule.path}`, rule);
  }
  return { counted, suppressed, expired: [...expired.values()] };
}

/**
 * "*" covers every path. Otherwise each segment names the package at that depth of the dependency
 * path (Snyk's `from`, read with and without its leading project entry); "@version" narrows a
 * segment, and a final "*" covers everything below.
 */
function pathMatches(path: string, vulnerability: SnykVulnerability): boolean {
  const segments = path.split(">").map((s) => s.trim());
  if (segments.length === 1 && segments[0] === "*") return true;
  const from = vulnerability.from ?? [`${vulnerability.package}@${vulnerability.version}`];
  return [from, from.slice(1)].some((chain) => chainMatches(segments, chain));
}

function chainMatches(segments: string[], chain: string[]): boolean {
  for (const [i, segment] of segments.entries()) {
    if (segment === "*" && i === segments.length - 1) return chain.length >= i;
    const element = chain[i];
    if (element === undefined) return false;
    if (!segmentMatches(segment, element)) return false;
  }
  return segments.length === chain.length;
}

function segmentMatches(segment: string, element: string): boolean {
  if (segment === "*") return true;
  const at = (s: string) => (s.lastIndexOf("@") > 0 ? s.lastIndexOf("@") : s.length);
  const [name, version] = [element.slice(0, at(element)), element.slice(at(element) + 1)];
  const [wantName, wantVersion] = [segment.slice(0, at(segment)), segment.slice(at(segment) + 1)];
  return (
    wantName.toLowerCase() === name.toLowerCase() && (!wantVersion || wantVersion === "*" || wantVersion === version)
  );
}
