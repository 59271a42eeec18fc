import { parse as parseToml } from "smol-toml";

import { SettingsError } from "./errors.js";
import { DEFAULT_IMAGES, DEFAULT_PYTHON_VERSION, type ImageSet, pythonImageFor } from "./images.js";

/** Severities Trivy knows, lowest first. */
export const TRIVY_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type TrivySeverity = (typeof TRIVY_SEVERITIES)[number];

/** The validated settings every stage reads. Built once, at the edge, by {@link resolveSettings}. */
export interface PipelineSettings {
  /** @default "3.11" */
  pythonVersion: string;
  /** The service's Python package: linted, type-checked, measured by coverage. @default "enterprise" */
  packageName: string;
  /**
   * Minimum unit-test coverage of the package, in percent: statements plus branches, as coverage.py
   * totals it (the number `--cov-fail-under` judges). @default 70
   */
  coverageThreshold: number;
  /** Largest allowed image, in MB (10^6 bytes) of uncompressed layers. @default 500 */
  imageSizeLimitMb: number;
  /** flake8 --max-line-length. @default 100 */
  flake8MaxLineLength: number;
  /** Severities that fail a Trivy scan. @default ["CRITICAL", "HIGH"] */
  trivySeverities: TrivySeverity[];
  /** Trivy --ignore-unfixed: vulnerabilities with no fixed version yet do not fail a scan. @default false */
  trivyIgnoreUnfixed: boolean;
  /** Images, pinned by digest unless overridden. */
  images: ImageSet;
  /**
   * OCI repository Trivy downloads its vulnerability DB from (a mirror, for air-gapped runners).
   * @default undefined (Trivy's own default)
   */
  trivyDbRepository?: string;
}

/** Settings as they arrive (constructor arguments or the service's pyproject table): all optional, unchecked. */
export interface RawSettings {
  pythonVersion?: unknown;
  packageName?: unknown;
  coverageThreshold?: unknown;
  imageSizeLimitMb?: unknown;
  flake8MaxLineLength?: unknown;
  trivySeverities?: unknown;
  trivyIgnoreUnfixed?: unknown;
  pythonImage?: unknown;
  postgresImage?: unknown;
  redisImage?: unknown;
  trivyImage?: unknown;
  gitImage?: unknown;
  skopeoImage?: unknown;
  trivyDbRepository?: unknown;
}

/** The table a service repository may keep in its own pyproject.toml. */
export const PYPROJECT_TABLE = "tool.faultmaven-pipeline";

/** pyproject keys (kebab-case, as TOML users write them) → settings fields. Images stay runner-side. */
const PYPROJECT_KEYS: Record<string, keyof RawSettings> = {
  "python-version": "pythonVersion",
  package: "packageName",
  "coverage-threshold": "coverageThreshold",
  "image-size-limit-mb": "imageSizeLimitMb",
  "flake8-max-line-length": "flake8MaxLineLength",
  "trivy-severities": "trivySeverities",
  "trivy-ignore-unfixed": "trivyIgnoreUnfixed",
};

/** CLI flag of each setting, used to tell users exactly what to change. */
const FLAGS: Record<keyof RawSettings, string> = {
  pythonVersion: "--python-version",
  packageName: "--package-name",
  coverageThreshold: "--coverage-threshold",
  imageSizeLimitMb: "--image-size-limit-mb",
  flake8MaxLineLength: "--flake8-max-line-length",
  trivySeverities: "--trivy-severities",
  trivyIgnoreUnfixed: "--trivy-ignore-unfixed",
  pythonImage: "--python-image",
  postgresImage: "--postgres-image",
  redisImage: "--redis-image",
  trivyImage: "--trivy-image",
  gitImage: "--git-image",
  skopeoImage: "--skopeo-image",
  trivyDbRepository: "--trivy-db-repository",
};

/**
 * Reads the `[tool.faultmaven-pipeline]` table of a pyproject.toml. A missing file or table means
 * "no settings"; a malformed file or an unknown key is an error, since a typo would otherwise be
 * silently ignored.
 */
export function settingsFromPyproject(pyprojectText: string | undefined): RawSettings {
  if (pyprojectText === undefined) return {};
  let document: Record<string, unknown>;
  try {
    document = parseToml(pyprojectText) as Record<string, unknown>;
  } catch (error) {
    const reason = String((error as Error).message).split("\n")[0];
    throw new SettingsError(`pyproject.toml is not valid TOML (${reason}); fix the file or remove it`);
  }
  const tool = document.tool as Record<string, unknown> | undefined;
  const table = tool?.["faultmaven-pipeline"];
  if (table === undefined) return {};
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new SettingsError(`[${PYPROJECT_TABLE}] in pyproject.toml must be a table of settings`);
  }
  const raw: RawSettings = {};
  for (const [key, value] of Object.entries(table)) {
    const field = PYPROJECT_KEYS[key];
    if (!field) {
      const known = Object.keys(PYPROJECT_KEYS).join(", ");
      throw new SettingsError(`unknown key "${key}" in [${PYPROJECT_TABLE}] of pyproject.toml; known keys: ${known}`);
    }
    raw[field] = value;
  }
  return raw;
}

/**
 * Merges the settings sources (constructor arguments win over the service's pyproject table, which
 * wins over the defaults) and validates the result. Throws a one-line {@link SettingsError} that
 * names the setting, where it came from, and an accepted value.
 */
export function resolveSettings(args: RawSettings, pyproject: RawSettings = {}): PipelineSettings {
  const pick = (field: keyof RawSettings): { value: unknown; origin: string } => {
    if (args[field] !== undefined && args[field] !== null) {
      return { value: args[field], origin: `argument ${FLAGS[field]}` };
    }
    const tomlKey = Object.keys(PYPROJECT_KEYS).find((k) => PYPROJECT_KEYS[k] === field);
    return { value: pyproject[field], origin: `key ${tomlKey} in [${PYPROJECT_TABLE}]` };
  };

  const pythonVersion = check(
    pick("pythonVersion"),
    "pythonVersion",
    DEFAULT_PYTHON_VERSION,
    (v) => (typeof v === "string" && /^3\.\d{1,2}$/.test(v) ? v : undefined),
    'a Python 3 version such as "3.11"',
  );
  const packageName = check(
    pick("packageName"),
    "packageName",
    "enterprise",
    (v) => (typeof v === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? v : undefined),
    "a Python package name such as enterprise",
  );
  const coverageThreshold = check(
    pick("coverageThreshold"),
    "coverageThreshold",
    70,
    (v) => numberIn(v, 0, 100),
    "a number from 0 to 100, e.g. 70",
  );
  const imageSizeLimitMb = check(
    pick("imageSizeLimitMb"),
    "imageSizeLimitMb",
    500,
    (v) => numberIn(v, 1, 100_000),
    "a size in MB from 1 to 100000, e.g. 500",
  );
  const flake8MaxLineLength = check(
    pick("flake8MaxLineLength"),
    "flake8MaxLineLength",
    100,
    (v) => {
      const n = numberIn(v, 40, 1000);
      return n !== undefined && Number.isInteger(n) ? n : undefined;
    },
    "a whole number from 40 to 1000, e.g. 100",
  );
  const trivySeverities = check(
    pick("trivySeverities"),
    "trivySeverities",
    ["CRITICAL", "HIGH"] as TrivySeverity[],
    parseSeverities,
    `a comma-separated list of ${TRIVY_SEVERITIES.join(",")}, e.g. CRITICAL,HIGH`,
  );
  const trivyIgnoreUnfixed = check(
    pick("trivyIgnoreUnfixed"),
    "trivyIgnoreUnfixed",
    false,
    (v) => (typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : undefined),
    "true or false",
  );

  const image = (field: keyof RawSettings, fallback: string) =>
    check(
      pick(field),
      field,
      fallback,
      (v) => (typeof v === "string" && IMAGE_REF.test(v) ? v : undefined),
      "an image reference such as registry.example.com/python:3.11-slim@sha256:<digest>",
    );

  return {
    pythonVersion,
    packageName,
    coverageThreshold,
    imageSizeLimitMb,
    flake8MaxLineLength,
    trivySeverities,
    trivyIgnoreUnfixed,
    images: {
      python: image("pythonImage", pythonImageFor(pythonVersion)),
      postgres: image("postgresImage", DEFAULT_IMAGES.postgres),
      redis: image("redisImage", DEFAULT_IMAGES.redis),
      trivy: image("trivyImage", DEFAULT_IMAGES.trivy),
      git: image("gitImage", DEFAULT_IMAGES.git),
      skopeo: image("skopeoImage", DEFAULT_IMAGES.skopeo),
    },
    trivyDbRepository: check(
      pick("trivyDbRepository"),
      "trivyDbRepository",
      undefined as string | undefined,
      (v) => (typeof v === "string" && IMAGE_REF.test(v) && !v.includes("@") ? v : undefined),
      "an OCI repository such as mirror.example.com/aquasecurity/trivy-db:2",
    ),
  };
}

/** registry/name[:tag][@sha256:hex], no whitespace or shell metacharacters. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/;

function check<T>(
  source: { value: unknown; origin: string },
  field: keyof RawSettings,
  fallback: T,
  parse: (value: unknown) => T | undefined,
  expected: string,
): T {
  if (source.value === undefined || source.value === null) return fallback;
  const parsed = parse(source.value);
  if (parsed === undefined) {
    throw new SettingsError(
      `invalid setting ${FLAGS[field].slice(2)}=${JSON.stringify(source.value)} (from ${source.origin}): expected ${expected}`,
    );
  }
  return parsed;
}

function numberIn(value: unknown, min: number, max: number): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

function parseSeverities(value: unknown): TrivySeverity[] | undefined {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : undefined;
  if (!items || items.length === 0) return undefined;
  const severities: TrivySeverity[] = [];
  for (const item of items) {
    const name = typeof item === "string" ? item.trim().toUpperCase() : "";
    if (!(TRIVY_SEVERITIES as readonly string[]).includes(name)) return undefined;
    if (!severities.includes(name as TrivySeverity)) severities.push(name as TrivySeverity);
  }
  return severities;
}
