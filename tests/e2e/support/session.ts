/**
 * One Dagger session per test file against the engine rig (tests/e2e/rig), opened in client mode
 * with `connection()`: the module's class runs in this Node process, and every container, service,
 * secret and cache it asks for runs on the real engine, as under `dagger call`.
 *
 * The engine's own output goes to reports/e2e/engine-<file>.log, which the secret-leak suite reads.
 */
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { connection } from "@dagger.io/dagger";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const E2E_REPORTS = join(ROOT, "reports", "e2e");

export interface EngineSession {
  /** Where the engine's progress output of this session is written. */
  logFile: string;
  close(): Promise<void>;
}

/** Opens a session that stays open until `close()`; `dag` is usable in between. */
export async function openSession(name: string): Promise<EngineSession> {
  requireRig();
  mkdirSync(E2E_REPORTS, { recursive: true });
  const logFile = join(E2E_REPORTS, `engine-${name}.log`);
  const log = createWriteStream(logFile);
  let release!: () => void;
  let opened!: () => void;
  const isOpen = new Promise<void>((r) => (opened = r));
  const done = connection(
    async () => {
      opened();
      await new Promise<void>((r) => (release = r));
    },
    { LogOutput: log },
  );
  await Promise.race([isOpen, done]);
  return {
    logFile,
    async close() {
      release?.();
      await done;
      await new Promise((r) => log.end(r));
    },
  };
}

/** The images the rig built and published, by role, pinned by digest as the engine sees them. */
export interface RigImages {
  python: string;
  postgres: string;
  redis: string;
  trivy: string;
  /** Stand-in for alpine/git: `release` reads the repository with it. */
  git: string;
  /** Stand-in for quay.io/skopeo/stable: `release` copies the verified image with it. */
  skopeo: string;
  /** Trivy DB stand-in with no advisories (tests/e2e/rig/trivy-db): proves the scan plumbing, never a verdict. */
  trivyDb?: string;
}

export function rigImages(): RigImages {
  return JSON.parse(readFileSync(requireRig().imagesFile, "utf8")) as RigImages;
}

function requireRig(): { imagesFile: string } {
  const imagesFile = process.env.RIG_IMAGES_FILE;
  if (!process.env._EXPERIMENTAL_DAGGER_CLI_BIN || !imagesFile) {
    throw new Error(
      'the engine rig is not in the environment: run tests/e2e/rig/up, then eval "$(tests/e2e/rig/env.sh)"',
    );
  }
  return { imagesFile };
}
