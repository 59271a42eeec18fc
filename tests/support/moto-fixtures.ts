/** Values for seeding moto that need no AWS client of this project (shared by the integration, e2e and module suites). */
import { randomBytes } from "node:crypto";

/** One value from moto's EC2 query API (default VPC subnets and security group, needed for awsvpc tasks). */
export async function ec2Value(endpoint: string, region: string, action: string, tag: string): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      // moto routes by the credential scope's service name and does not verify the signature.
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `Action=${action}&Version=2016-11-15`,
  });
  const value = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(await response.text())?.[1];
  if (!value) throw new Error(`moto EC2 ${action} returned no ${tag}`);
  return value;
}

/**
 * An image manifest that no other call returns: moto derives the image digest from the layer digests, so a
 * random layer makes each pushed image distinct.
 */
export function uniqueImageManifest(): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: {
      mediaType: "application/vnd.docker.container.image.v1+json",
      size: 100,
      digest: `sha256:${randomBytes(32).toString("hex")}`,
    },
    layers: [
      {
        mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: 32,
        digest: `sha256:${randomBytes(32).toString("hex")}`,
      },
    ],
  });
}
