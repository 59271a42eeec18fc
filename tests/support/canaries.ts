/**
 * Canary secrets for the secret-leak suites (client mode, tests/e2e/secrets.test.ts, and module mode,
 * tests/module/secrets.test.ts): random per run, in four shapes (one line, multi-line, 4 KB, a base64-encoded
 * value), and the search for them in anything a run produced: each canary, each of its lines, 64-char slices of
 * a big one, and base64 forms.
 */
import { randomBytes } from "node:crypto";

export type Shape = "one-line" | "multi-line" | "4kb" | "base64";
export const SHAPES: Shape[] = ["one-line", "multi-line", "4kb", "base64"];

/** Every canary made in this run, by the argument and call it went through. */
export const canaries: { where: string; value: string }[] = [];

/** A fresh canary of `shape` for `where` (e.g. "deploy-a awsSecretAccessKey"); remembered for the search. */
export function canary(shape: Shape, where: string): string {
  const tag = () => `cnry${randomBytes(12).toString("hex")}`;
  let value: string;
  if (shape === "one-line") value = tag();
  else if (shape === "multi-line") value = [tag(), tag(), tag()].join("\n");
  else if (shape === "4kb") value = (tag() + randomBytes(2048).toString("hex")).slice(0, 4096);
  else value = Buffer.from(`${tag()}:${tag()}`).toString("base64");
  canaries.push({ where: `${where} (${shape})`, value });
  return value;
}

/** The strings whose presence anywhere means a leak: the value, its lines, slices of a long one, base64 forms. */
export function needlesOf(value: string): string[] {
  const needles = new Set<string>([value, Buffer.from(value).toString("base64")]);
  for (const line of value.split("\n")) if (line.length >= 16) needles.add(line);
  if (value.length > 256) for (let i = 0; i + 64 <= value.length; i += 64) needles.add(value.slice(i, i + 64));
  if (/^[A-Za-z0-9+/]+=*$/.test(value) && value.length % 4 === 0) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    if (decoded.startsWith("cnry")) needles.add(decoded);
  }
  return [...needles];
}

/** Every canary needle found in `haystack`, named by the canary it belongs to. */
export function hitsIn(haystack: Buffer | string, place: string): string[] {
  const bytes = typeof haystack === "string" ? Buffer.from(haystack) : haystack;
  const hits: string[] = [];
  for (const { where, value } of canaries) {
    for (const needle of needlesOf(value)) {
      if (bytes.includes(Buffer.from(needle))) {
        hits.push(`${place}: the canary of ${where}${needle === value ? "" : " (in part or encoded)"}`);
        break;
      }
    }
  }
  return hits;
}
