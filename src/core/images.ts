/**
 * Every container image the pipeline runs, pinned by digest in this one place.
 *
 * The digests are those of the multi-arch indexes published on Docker Hub. Each one can be
 * overridden by a constructor argument (`--python-image`, ...): that is how mirrors, air-gapped
 * registries and the engine rig's locally built images are used.
 */
export interface ImageSet {
  /** Runs the linters and the test suites; also the Dockerfile's base (build arg PYTHON_IMAGE). */
  python: string;
  /** Postgres service for the integration and security suites. */
  postgres: string;
  /** Redis service for the integration and security suites. */
  redis: string;
  /** Trivy scanner for the filesystem and image scans. */
  trivy: string;
  /**
   * git, for `release` to read the repository's tags and history: the module's own process has no git
   * under `dagger call` (the TypeScript runtime's image carries none).
   */
  git: string;
  /**
   * skopeo, for `release` to copy the verified image from ECR to Docker Hub byte for byte (`--preserve-digests`):
   * Dagger's own pull and push re-write the image config, so the digest users pull would not be production's.
   */
  skopeo: string;
}

export const DEFAULT_IMAGES: Readonly<ImageSet> = Object.freeze({
  python: "python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7",
  postgres: "postgres:15-alpine@sha256:fe0737ba566a2c5b2a28f34433c0a423261900ec17b9bf7ad115e1aae7e57f1b",
  redis: "redis:7-alpine@sha256:6ab0b6e7381779332f97b8ca76193e45b0756f38d4c0dcda72dbb3c32061ab99",
  trivy: "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c",
  git: "alpine/git:v2.47.1@sha256:39ac44ff6c6f659ee55eedd221a6b7e4cdfcf9d17ea2be024f588c3ddcd3ce7d",
  skopeo: "quay.io/skopeo/stable:v1.22.2@sha256:c7d3c512612f52805023cd38351081dad7e2729fc13d14b701e47c7c8bdd6615",
});

/** The Python version the default image carries; another version needs another image. */
export const DEFAULT_PYTHON_VERSION = "3.11";

/**
 * The Python image for a version: the pinned default for 3.11, else the official slim tag
 * (unpinned, so the settings report says so).
 */
export function pythonImageFor(version: string): string {
  return version === DEFAULT_PYTHON_VERSION ? DEFAULT_IMAGES.python : `python:${version}-slim`;
}
