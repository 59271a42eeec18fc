import { SettingsError } from "../errors.js";
import { validateSmokeUrl } from "../smoke/smoke.js";
import { decideImageAction, type ImageAction } from "./image.js";
import { parseImageDigest, resolveVersion, validateWaitBounds } from "./inputs.js";
import { decideDeploy, gatherDeployFacts } from "./decide.js";
import { parseMigrationCommand } from "./migration-gate.js";
import { clientsFor, validateAccess } from "./options.js";
import { promotionDigest } from "./promotion.js";
import { preflight } from "./preflight.js";
import { ROLLOUT_CONFIGURATION } from "./rollout.js";
import { revisionSpec } from "./revision.js";
import { diffTaskDefinitions, type FieldChange } from "./task-diff.js";
import type { DeployOptions } from "./deploy.js";
import type { ApiCallSummary } from "../aws/api-calls.js";

/** What `deploy` would do, computed with read-only calls. JSON-serialisable. */
export interface DeployPlan {
  readonly environment: string;
  readonly cluster: string;
  readonly service: string;
  readonly version?: string;
  /** How the image would reach ECR, and under which tags. */
  readonly image: {
    readonly action: ImageAction["kind"];
    readonly digest?: string;
    readonly tags: readonly string[];
    readonly repository: string;
  };
  readonly taskDefinition: {
    readonly current: string;
    /** `register` a new revision, `reuse` the family's latest (a rerun), or `none` (already serving it). */
    readonly action: "register" | "reuse" | "none";
    readonly reuse?: string;
    /** Every field that differs from the serving revision (the image shows `<digest after publish>` when unknown). */
    readonly changes: readonly FieldChange[];
    /** The template it is rendered from (absent: the serving revision with the image swapped). */
    readonly template?: { readonly file: string; readonly sha256: string };
    /** The rendered definition's hash, once the digest is known (not before a build: it names the image). */
    readonly renderedSha256?: string;
  };
  readonly migration: { readonly command?: string; readonly willRun: boolean; readonly why?: string };
  readonly rollout: {
    readonly willUpdateService: boolean;
    /** The task count, when the environment sets one that differs from the service's. */
    readonly desiredCount?: { readonly from: number | undefined; readonly to: number };
    readonly deploymentConfiguration: typeof ROLLOUT_CONFIGURATION;
  };
  readonly smokeUrl: string;
  readonly apiCalls: ApiCallSummary;
}

/** Placeholder for a digest only known after the build is pushed. */
export const UNKNOWN_DIGEST = "sha256:<digest after publish>";

/**
 * Dry run of `deploy`: the same validation and preflight, then the task definition diff, the image action and the
 * migration decision, with zero mutating AWS calls. `publish` is never called.
 * @throws the same one-line errors as `deploy` for bad input or a failed preflight.
 */
export async function plan(
  options: Omit<DeployOptions, "publish"> & { readonly publish?: unknown },
): Promise<DeployPlan> {
  const env = options.environment;
  const version = resolveVersion(env, options);
  validateAccess(options);
  validateWaitBounds(options);
  if (options.publish && options.promoteDigest)
    throw new SettingsError("pass either a build to publish or --promote-digest, not both");
  const givenDigest = options.promoteDigest ? parseImageDigest(options.promoteDigest) : undefined;
  const migrationCommand =
    options.migration === false ? undefined : parseMigrationCommand(options.migration ?? "upgrade head");
  const smokeUrl = validateSmokeUrl(options.smoke?.baseUrl ?? env.publicUrl);
  const clients = await clientsFor(options);
  const since = clients.calls.calls.length;
  // Promotion gate (promotion.ts): production plans only the digest staging verified for this commit.
  const promoteDigest = await promotionDigest(clients, env, options.gitSha, givenDigest);
  const pf = await preflight({
    clients,
    environment: env,
    imageTags: version.imageTags,
    immutableTags: version.immutableTags,
    ...(promoteDigest ? { expectedDigest: promoteDigest } : {}),
    validateServingContainer: !options.template,
  });
  const action = decideImageAction({
    ...(promoteDigest ? { promoteDigest } : {}),
    immutableTags: version.immutableTags,
    tagDigests: pf.tagDigests,
  });
  const digest = action.kind === "publish" ? UNKNOWN_DIGEST : action.digest;
  const current = pf.serving.taskDefinition;
  const spec = revisionSpec(env, current, `${pf.repositoryUri}@${digest}`, version.appVersion, options.template);
  const changes = diffTaskDefinitions(current, spec.input);

  const facts = await gatherDeployFacts(clients, pf, action.kind === "publish" ? undefined : spec, env.desiredCount);
  const decision = decideDeploy(facts, migrationCommand?.join(" "));
  const tdAction = decision.revision;
  const reuse = decision.revision === "reuse" ? decision.existing?.taskDefinitionArn : undefined;
  const migration = decision.migration;
  return {
    environment: env.name,
    cluster: env.cluster,
    service: env.service,
    ...(version.version ? { version: version.version } : {}),
    image: {
      action: action.kind,
      ...(action.kind === "publish" ? {} : { digest: action.digest }),
      tags: version.imageTags,
      repository: pf.repositoryUri,
    },
    taskDefinition: {
      current: current.taskDefinitionArn as string,
      action: tdAction,
      ...(reuse ? { reuse } : {}),
      changes,
      ...(spec.template ? { template: spec.template } : {}),
      ...(action.kind === "publish" ? {} : { renderedSha256: spec.renderedSha256 }),
    },
    migration,
    rollout: {
      willUpdateService: decision.updateService,
      ...(env.desiredCount !== undefined && env.desiredCount !== pf.serving.service.desiredCount
        ? { desiredCount: { from: pf.serving.service.desiredCount, to: env.desiredCount } }
        : {}),
      deploymentConfiguration: ROLLOUT_CONFIGURATION,
    },
    smokeUrl,
    apiCalls: clients.calls.summary(since),
  };
}
