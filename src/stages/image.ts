import { type Container, type Directory, ImageLayerCompression, ReturnType } from "@dagger.io/dagger";

import { StageFailedError } from "../core/errors.js";
import { imageSizeVerdict } from "../core/imageSize.js";
import { indent, tail } from "../core/output.js";
import type { PipelineSettings } from "../core/settings.js";

/**
 * Builds the service's Dockerfile. The base image goes in as the PYTHON_IMAGE build argument, so
 * it is pinned (and overridable) in the same place as every other image; APP_VERSION is baked in
 * so the running service can report which build it is.
 */
export function buildImage(source: Directory, settings: PipelineSettings, appVersion: string): Container {
  const context = source.withoutDirectory(".git");
  return context.dockerBuild({
    buildArgs: [
      { name: "PYTHON_IMAGE", value: settings.images.python },
      { name: "APP_VERSION", value: appVersion },
    ],
  });
}

/**
 * The checks a built image must pass before it is scanned or pushed: its size against the limit,
 * and `alembic --version` (the migration task runs alembic from this very image).
 */
export async function verifyImage(image: Container, settings: PipelineSettings): Promise<string> {
  const sizeBytes = await image.asTarball({ forcedCompression: ImageLayerCompression.Uncompressed }).size();
  const sizeSummary = imageSizeVerdict(sizeBytes, settings.imageSizeLimitMb);
  const alembic = image.withExec(["alembic", "--version"], { expect: ReturnType.Any });
  const [exitCode, output] = await Promise.all([alembic.exitCode(), alembic.combinedOutput()]);
  if (exitCode !== 0) {
    throw new StageFailedError(
      `image check failed: \`alembic --version\` exited ${exitCode} in the built image; install alembic in the runtime stage and put it on PATH\n${indent(tail(output))}`,
    );
  }
  return `${sizeSummary}; ${output.trim().split("\n").pop() ?? "alembic ok"}`;
}
