import { BatchGetImageCommand, DescribeImagesCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { PipelineError, PreflightError } from "../errors.js";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import { ecrLogin, type RegistryLogin } from "../aws/ecr-login.js";
import type { EcrRepository } from "./environments.js";

/** What the Dagger layer receives to push the image: where, under which tags, with which login. */
export interface PublishTarget {
  /** `<registry>/<repository>`, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/fm-auth-service-enterprise`. */
  readonly repositoryUri: string;
  /** Tags to push, e.g. `["v1.2.3", "latest"]`. */
  readonly tags: readonly string[];
  /** ECR login; `password` is a secret for the registry client only. */
  readonly login: RegistryLogin;
}

/** Pushes the built image and returns its reference by digest (`repo@sha256:...` or `repo:tag@sha256:...`). */
export type PublishImage = (target: PublishTarget) => Promise<string>;

/** How the image gets into ECR for this deploy. */
export type ImageAction =
  | { readonly kind: "publish" }
  | { readonly kind: "reuse"; readonly digest: string; readonly why: string }
  | { readonly kind: "promote"; readonly digest: string };

/**
 * Decides between building+pushing, reusing what an immutable tag already holds (a rerun), and promoting a given
 * digest. Preflight has already refused a promoted digest that conflicts with an immutable tag. Pure.
 */
export function decideImageAction(input: {
  readonly promoteDigest?: string;
  readonly immutableTags: readonly string[];
  readonly tagDigests: Readonly<Record<string, string>>;
}): ImageAction {
  if (input.promoteDigest) return { kind: "promote", digest: input.promoteDigest };
  for (const tag of input.immutableTags) {
    const digest = input.tagDigests[tag];
    if (digest)
      return {
        kind: "reuse",
        digest,
        why: `ECR tag ${tag} already holds ${digest} (a previous run pushed it); deploying that image instead of rebuilding`,
      };
  }
  return { kind: "publish" };
}

/** Extracts the digest from what `publish` returned. @throws PipelineError when there is none. */
export function digestFromReference(reference: string): string {
  const digest = /@(sha256:[0-9a-f]{64})$/.exec(reference.trim())?.[1];
  if (!digest)
    throw new PipelineError(
      `publish returned ${JSON.stringify(reference.slice(0, 200))}, which has no @sha256: digest: the pipeline deploys by digest only`,
    );
  return digest;
}

/**
 * Makes every tag in `tags` point at `digest` in the repository (ECR re-tag: BatchGetImage, then PutImage per
 * tag that differs). Used to promote a staging digest to `vX.Y.Z` and `latest` without rebuilding.
 */
export async function tagImage(
  clients: AwsClients,
  repository: EcrRepository,
  digest: string,
  tags: readonly string[],
  tagDigests: Readonly<Record<string, string>>,
): Promise<string[]> {
  const moved: string[] = [];
  const pending = tags.filter((t) => tagDigests[t] !== digest);
  if (pending.length === 0) return moved;
  const got = await clients.ecr.send(new BatchGetImageCommand({ ...repository, imageIds: [{ imageDigest: digest }] }));
  const image = got.images?.[0];
  if (!image?.imageManifest)
    throw new PreflightError(
      `image ${digest} has no manifest in ECR repository ${repository.repositoryName}: promote a digest that exists`,
    );
  for (const tag of pending) {
    try {
      await clients.ecr.send(
        new PutImageCommand({
          ...repository,
          imageManifest: image.imageManifest,
          ...(image.imageManifestMediaType ? { imageManifestMediaType: image.imageManifestMediaType } : {}),
          imageTag: tag,
        }),
      );
    } catch (error) {
      // ECR answers ImageAlreadyExistsException when the tag already holds this exact manifest: nothing to do.
      if ((error as Error).name !== "ImageAlreadyExistsException")
        throw new PipelineError(
          `ECR PutImage ${repository.repositoryName}:${tag} failed (${awsErrorText(error)}): check ecr:PutImage permission and tag immutability`,
        );
    }
    moved.push(tag);
  }
  return moved;
}

/**
 * Runs the Dagger layer's publish callback with an ECR login and checks the digest landed in the ECR repository.
 * Returns the digest; the deploy names the image `<repositoryUri>@<digest>`, so it always comes from ECR: a digest
 * the repository does not hold fails here, before anything is registered.
 */
export async function publishImage(
  clients: AwsClients,
  repository: EcrRepository,
  repositoryUri: string,
  tags: readonly string[],
  publish: PublishImage,
): Promise<string> {
  const login = await ecrLogin(clients);
  const reference = await publish({ repositoryUri, tags, login });
  const digest = digestFromReference(reference);
  try {
    await clients.ecr.send(new DescribeImagesCommand({ ...repository, imageIds: [{ imageDigest: digest }] }));
  } catch (error) {
    throw new PipelineError(
      `pushed image ${digest} is not visible in ECR repository ${repository.repositoryName} (${awsErrorText(error)}): check the registry the image was pushed to`,
    );
  }
  return digest;
}
