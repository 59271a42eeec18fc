/**
 * The CD core: deploy, rollback, migrate, plan and smoke for the Auth Service on ECS. Plain TypeScript, no
 * Dagger: the Dagger functions in src/stages/deploy.ts only turn Secrets into these options.
 * See docs/deploy.md for the options, the report and the failure cases.
 */
export { deploy, type DeployOptions, type SmokeSettings } from "./deploy.js";
export { rollback, type RollbackOptions } from "./rollback-command.js";
export { migrate, type MigrateOptions } from "./migrate-command.js";
export { plan, type DeployPlan } from "./plan.js";
export { smoke, type SmokeCommandOptions } from "../smoke/command.js";
export type { DeployReport, DeployOutcome, RollbackReport } from "./report.js";
export type { PublishImage, PublishTarget } from "./image.js";
export {
  loadEnvironments,
  parseEnvironments,
  selectEnvironment,
  type EnvironmentConfig,
  type EnvironmentName,
} from "./environments.js";
export type { AwsCredentialsInput, StaticAwsCredentials, WebIdentityAwsCredentials } from "../aws/credentials.js";
export { createAwsClients, type AwsClients } from "../aws/clients.js";
export { ecrLogin, type RegistryLogin } from "../aws/ecr-login.js";
