import { DescribeTaskDefinitionCommand, type Tag, type TaskDefinition } from "@aws-sdk/client-ecs";
import type { AwsClients } from "../aws/clients.js";
import { judgeDeployment } from "./deployment-verdict.js";
import type { PreflightResult } from "./preflight.js";
import type { RevisionSpec } from "./revision.js";
import { sameTaskDefinition } from "./task-diff.js";

/** What `deploy` will do and `plan` says it would do: one decision, so the two cannot disagree. */
export interface DeployDecision {
  /** `none`: the service already runs exactly this and is steady; `reuse`: the family's latest holds it; `register`. */
  readonly revision: "none" | "reuse" | "register";
  /** The revision reused (or already serving), when not registering. */
  readonly existing?: TaskDefinition;
  readonly updateService: boolean;
  /** Migration policy: the command always runs (alembic upgrade head is idempotent; the database knows its schema). */
  readonly migration: { readonly willRun: boolean; readonly command?: string; readonly why?: string };
}

/** The facts the decision rests on, gathered with read-only calls. */
export interface DeployFacts {
  readonly serving: TaskDefinition;
  /** Serving revision is the target already, at the wanted task count, and its deployment is steady. */
  readonly servingIsTarget: boolean;
  /** The family's latest ACTIVE revision, with its tags, when it already holds the change. */
  readonly reusable?: { readonly definition: TaskDefinition; readonly tags: readonly Tag[] };
}

/**
 * Gathers the facts: whether the serving revision already is `spec` (same definition once ECS's defaults are set
 * aside, the environment's task count, a steady deployment), else whether the serving revision or the family's
 * latest holds it (one DescribeTaskDefinition). `spec` is undefined while the image digest is unknown (plan before a
 * build): then nothing can be reused.
 */
export async function gatherDeployFacts(
  clients: Pick<AwsClients, "ecs">,
  pf: PreflightResult,
  spec: RevisionSpec | undefined,
  desiredCount?: number,
): Promise<DeployFacts> {
  const serving = pf.serving.taskDefinition;
  if (!spec) return { serving, servingIsTarget: false };
  const primaryId = pf.serving.service.deployments?.find((d) => d.status === "PRIMARY")?.id ?? "";
  const steady = judgeDeployment(pf.serving.service, primaryId, serving.taskDefinitionArn ?? "").state === "steady";
  const countMatches = desiredCount === undefined || pf.serving.service.desiredCount === desiredCount;
  if (sameTaskDefinition(serving, spec.input)) {
    if (steady && countMatches) return { serving, servingIsTarget: true };
    return { serving, servingIsTarget: false, reusable: { definition: serving, tags: pf.serving.taskDefinitionTags } };
  }
  const latest = await clients.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: spec.input.family ?? serving.family, include: ["TAGS"] }),
  );
  if (latest.taskDefinition?.status === "ACTIVE" && sameTaskDefinition(latest.taskDefinition, spec.input))
    return {
      serving,
      servingIsTarget: false,
      reusable: { definition: latest.taskDefinition, tags: latest.tags ?? [] },
    };
  return { serving, servingIsTarget: false };
}

/** The decision from the facts and the migration command (undefined when disabled). Pure. */
export function decideDeploy(facts: DeployFacts, migrationCommand: string | undefined): DeployDecision {
  const migration = migrationCommand
    ? { willRun: true, command: migrationCommand }
    : { willRun: false, why: "migration disabled (--migration=none)" };
  if (facts.servingIsTarget) return { revision: "none", existing: facts.serving, updateService: false, migration };
  if (facts.reusable) return { revision: "reuse", existing: facts.reusable.definition, updateService: true, migration };
  return { revision: "register", updateService: true, migration };
}
