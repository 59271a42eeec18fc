/**
 * The promotion gate between staging and production, kept in ECR itself so that it needs no other store:
 *
 * - a staging deploy whose rollout was verified and whose smoke checks passed tags its digest
 *   `verified-staging-<full git sha>` (the "verified mark"); a failed or rolled-back deploy writes nothing;
 * - production deploys only the digest carrying the mark of the commit its release tag points to, and never builds.
 *
 * Which environment marks and which one promotes follows from `deployFrom`: the one deployed from `main` (staging)
 * verifies, the one deployed from release tags (production) promotes.
 */
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import type { AwsClients } from "../aws/clients.js";
import { awsErrorText } from "../aws/clients.js";
import { PreflightError, SettingsError } from "../errors.js";
import { ecrRepositoryOf, type EcrRepository, type EnvironmentConfig } from "./environments.js";
import { tagImage } from "./image.js";
import type { DeployReport } from "./report.js";

/** Prefix of the verified mark; the full git sha follows. */
export const VERIFIED_TAG_PREFIX = "verified-staging-";

/** The mark for a commit. A full sha, so that a short and a long form of one commit cannot name two marks. */
export function verifiedTag(gitSha: string): string {
  if (!/^[0-9a-f]{40}$/.test(gitSha))
    throw new SettingsError(
      `git sha ${JSON.stringify(gitSha.slice(0, 48))} is not the full 40-hex commit id: the staging verification mark needs --git-sha=$(git rev-parse HEAD)`,
    );
  return `${VERIFIED_TAG_PREFIX}${gitSha}`;
}

/** True for the environment that deploys only what staging verified (production: deployed from release tags). */
export function promotesVerifiedOnly(environment: EnvironmentConfig): boolean {
  return environment.deployFrom === "tag";
}

/**
 * The digest a deploy must use. For production: the digest staging verified for `gitSha` (the commit the release tag
 * points to); a `promoteDigest` given as well must be that same digest. For staging: `promoteDigest` as given.
 * Read-only (one DescribeImages). @throws SettingsError / PreflightError, one line, before any change.
 */
export async function promotionDigest(
  clients: AwsClients,
  environment: EnvironmentConfig,
  gitSha: string | undefined,
  promoteDigest: string | undefined,
): Promise<string | undefined> {
  if (!promotesVerifiedOnly(environment)) return promoteDigest;
  if (!gitSha)
    throw new SettingsError(
      `${environment.name} deploys only the digest staging verified: pass --git-sha=<the commit the release tag points to>`,
    );
  const tag = verifiedTag(gitSha);
  const digest = await digestOfTag(clients, ecrRepositoryOf(environment), tag);
  if (!digest)
    throw new PreflightError(
      `${environment.name} refuses commit ${gitSha}: no image in ECR repository ${environment.ecrRepository} is tagged ${tag}, so staging never deployed it with passing smoke checks; deploy that commit to staging first`,
    );
  if (promoteDigest && promoteDigest !== digest)
    throw new PreflightError(
      `--promote-digest ${promoteDigest} is not the digest staging verified for commit ${gitSha} (${digest}): drop --promote-digest`,
    );
  return digest;
}

/**
 * After a successful deploy of the environment deployed from `main` (staging), tags its digest with the verified
 * mark. Never throws and never changes the outcome: a mark that cannot be written is a warning (production will
 * then refuse the commit, saying why).
 */
export async function markVerified(
  clients: AwsClients,
  environment: EnvironmentConfig,
  gitSha: string | undefined,
  report: DeployReport,
  log: (line: string) => void,
): Promise<void> {
  if (promotesVerifiedOnly(environment) || report.outcome !== "succeeded" || !report.image) return;
  const warn = (why: string) => {
    const warning = `no ${VERIFIED_TAG_PREFIX}<sha> mark written (${why}): production will refuse this commit`;
    report.warnings.push(warning);
    log(warning);
  };
  if (!gitSha || !/^[0-9a-f]{40}$/.test(gitSha)) return warn("the deploy was not given the full 40-hex --git-sha");
  const tag = verifiedTag(gitSha);
  try {
    // A rerun of a verified deploy finds the mark in place and writes nothing.
    const current = await digestOfTag(clients, ecrRepositoryOf(environment), tag);
    await tagImage(
      clients,
      ecrRepositoryOf(environment),
      report.image.digest,
      [tag],
      current ? { [tag]: current } : {},
    );
    log(`verified: ${report.image.digest} tagged ${tag} (staging deploy and smoke checks passed)`);
  } catch (error) {
    // e.g. the role may not write tags (ecr:PutImage), or the tag is immutable and already used.
    warn(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The digest staging verified for `gitSha` in `repository`, or undefined when there is none (release copies it to
 * Docker Hub). Read-only. @throws SettingsError for a sha that is not the full 40 hex; PreflightError when ECR fails.
 */
export function verifiedDigestOf(
  clients: AwsClients,
  repository: EcrRepository,
  gitSha: string,
): Promise<string | undefined> {
  return digestOfTag(clients, repository, verifiedTag(gitSha));
}

/** The digest a tag names in a repository, or undefined when no image has it. */
async function digestOfTag(clients: AwsClients, repository: EcrRepository, tag: string): Promise<string | undefined> {
  try {
    const out = await clients.ecr.send(new DescribeImagesCommand({ ...repository, imageIds: [{ imageTag: tag }] }));
    return out.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    if ((error as Error).name === "ImageNotFoundException") return undefined;
    throw new PreflightError(
      `cannot read tag ${tag} in ECR repository ${repository.repositoryName} (${awsErrorText(error)}): check ecr:DescribeImages permission`,
    );
  }
}
