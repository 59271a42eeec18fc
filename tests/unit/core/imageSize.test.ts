import { describe, expect, it } from "vitest";

import { ImageTooLargeError } from "../../../src/core/errors.js";
import { imageSizeVerdict } from "../../../src/core/imageSize.js";

describe("imageSizeVerdict", () => {
  it.each([
    [187_654_321, 500, "uncompressed image size (OCI tarball of all layers): 187.7 MB (limit 500 MB)"],
    [500_000_000, 500, "uncompressed image size (OCI tarball of all layers): 500 MB (limit 500 MB)"],
  ])("passes %d bytes under a %d MB limit", (bytes, limit, expected) => {
    expect(imageSizeVerdict(bytes, limit)).toBe(expected);
  });

  it("fails one byte over the limit, naming the metric, the size and the limit", () => {
    const run = () => imageSizeVerdict(500_000_001, 500);
    expect(run).toThrow(ImageTooLargeError);
    expect(run).toThrow(
      "image too large: uncompressed image size (OCI tarball of all layers) is 500 MB, over the limit of 500 MB; slim the image (multi-stage build, fewer packages) or raise --image-size-limit-mb",
    );
    expect(() => imageSizeVerdict(250_000_000, 100)).toThrow("is 250 MB, over the limit of 100 MB");
  });
});
