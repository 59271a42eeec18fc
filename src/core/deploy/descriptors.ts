import { SettingsError } from "../errors.js";
import {
  parseEnvironmentsText,
  selectEnvironment,
  ENVIRONMENT_NAMES,
  type EnvironmentConfig,
  type EnvironmentName,
} from "./environments.js";
import { checkTemplateFor, parseTaskDefinitionTemplate, type TaskDefinitionTemplate } from "./task-template.js";

/** Where a service keeps its deployment descriptors, relative to its repository root. */
export const SERVICE_ENVIRONMENTS_FILE = "deploy/environments.json";
export const SERVICE_TEMPLATE_FILE = "deploy/task-definition.json";

/** The two files, as text, with the names their messages use. */
export interface DescriptorFiles {
  readonly environmentsFile: string;
  readonly environmentsText: string;
  readonly templateFile: string;
  readonly templateText: string;
}

/** A service's deployment descriptors, validated together. */
export interface Descriptors {
  readonly environmentsFile: string;
  readonly environments: Readonly<Record<EnvironmentName, EnvironmentConfig>>;
  readonly template: TaskDefinitionTemplate;
}

/**
 * Parses and cross-checks the environments file and the task definition template: each environment is rendered
 * once, so everything a deploy would refuse about them is refused here, before any AWS call. Pure.
 * @throws SettingsError naming the file, the field and the fix.
 */
export function parseDescriptors(files: DescriptorFiles): Descriptors {
  const environments = parseEnvironmentsText(files.environmentsText, files.environmentsFile);
  const template = parseTaskDefinitionTemplate(files.templateText, files.templateFile);
  for (const name of ENVIRONMENT_NAMES) checkTemplateFor(template, environments[name], files.environmentsFile);
  return { environmentsFile: files.environmentsFile, environments, template };
}

/** One environment of the descriptors by its exact name (one-line error for `Prod` and the like). */
export function environmentOf(descriptors: Descriptors, name: string): EnvironmentConfig {
  return selectEnvironment(descriptors.environments, name);
}

/**
 * Which descriptors a deploy uses: the service's own when it has `deploy/`, else the module's defaults. A service
 * with only one of the two files is refused: half its own, half the module's would deploy someone else's task.
 * @throws SettingsError
 */
export function chooseDescriptorSource(present: { environments: boolean; template: boolean }): "service" | "module" {
  if (present.environments && present.template) return "service";
  if (!present.environments && !present.template) return "module";
  const [has, lacks] = present.environments
    ? [SERVICE_ENVIRONMENTS_FILE, SERVICE_TEMPLATE_FILE]
    : [SERVICE_TEMPLATE_FILE, SERVICE_ENVIRONMENTS_FILE];
  throw new SettingsError(
    `the service has ${has} but no ${lacks}: add ${lacks} (see docs/deploy.md#deployment-descriptors), or remove ${has} to use the module's defaults`,
  );
}
