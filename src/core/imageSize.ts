import { ImageTooLargeError } from "./errors.js";

/**
 * What is measured: the sum of the image's layers, uncompressed, as an OCI tarball exports them.
 * That is what `docker image ls` shows as SIZE (to within the tar headers); registries show the
 * smaller compressed size.
 */
export const IMAGE_SIZE_METRIC = "uncompressed image size (OCI tarball of all layers)";

/** MB as Docker and the spec count them: 10^6 bytes. */
export const BYTES_PER_MB = 1_000_000;

/** Passes when the image is within the limit; the message names the metric, the size and the limit. */
export function imageSizeVerdict(sizeBytes: number, limitMb: number): string {
  const sizeMb = Math.round((sizeBytes / BYTES_PER_MB) * 10) / 10;
  if (sizeBytes > limitMb * BYTES_PER_MB) {
    throw new ImageTooLargeError(
      `image too large: ${IMAGE_SIZE_METRIC} is ${sizeMb} MB, over the limit of ${limitMb} MB; slim the image (multi-stage build, fewer packages) or raise --image-size-limit-mb`,
    );
  }
  return `${IMAGE_SIZE_METRIC}: ${sizeMb} MB (limit ${limitMb} MB)`;
}
