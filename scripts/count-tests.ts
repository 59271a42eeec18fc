/**
 * Adds up every test this run executed, for the closing line of scripts/test.sh: vitest's JSON
 * reports and pytest's JUnit XML (read with the pipeline's own JUnit parser).
 *
 * Usage: npx tsx scripts/count-tests.ts <reports-dir>
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { parseJunit } from "../src/core/testReports.js";

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const dir = process.argv[2] ?? "reports";
let passed = 0;
let failed = 0;
let skipped = 0;

for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = join(entry.parentPath, entry.name);
  if (/^vitest-.*\.json$/.test(entry.name)) {
    const report = JSON.parse(readFileSync(path, "utf8")) as VitestJson;
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + report.numTodoTests;
  } else if (/^junit.*\.xml$/.test(entry.name)) {
    const junit = parseJunit(readFileSync(path, "utf8"));
    const bad = junit.failures + junit.errors;
    passed += junit.tests - bad - junit.skipped;
    failed += bad;
    skipped += junit.skipped;
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
