/**
 * The module loaded the way `dagger call` loads it: the engine reads this repository as a module source,
 * runs its TypeScript SDK (the rig's builtin content) to build the runtime container, and every call below
 * goes through GraphQL to the module's code running inside that container. Nothing here imports src/.
 *
 * `dagger functions` is `currentTypeDefs`; `dagger call --python-image=X ci --fail-on-error=false` is
 * `{ faultmavenAuthPipeline(pythonImage: X) { ci(failOnError: false) { id } } }`.
 */
import { dag, type Directory } from "@dagger.io/dagger";

import { ROOT, rigImages } from "../../e2e/support/session.js";

/** The module's main object, as the root field of the module's schema. */
const MAIN_FIELD = "faultmavenAuthPipeline";

/** Loads this repository as a module and serves it into the session: what `dagger call` does before a call. */
export async function serveModule(): Promise<{ seconds: number }> {
  const started = Date.now();
  await dag.moduleSource(ROOT).asModule().serve();
  return { seconds: (Date.now() - started) / 1000 };
}

/** A GraphQL variable: its declared type (e.g. "String", "Int", "ID" for an object such as a Directory or a Secret) and its value. */
export interface Variable {
  type: string;
  value: unknown;
}

/** Constructor arguments of every call: the rig's images, since no image can come from Docker Hub here. */
export function rigConstructorArgs(extra: Record<string, Variable> = {}): Record<string, Variable> {
  const images = rigImages();
  return {
    pythonImage: { type: "String", value: images.python },
    postgresImage: { type: "String", value: images.postgres },
    redisImage: { type: "String", value: images.redis },
    trivyImage: { type: "String", value: images.trivy },
    gitImage: { type: "String", value: images.git },
    skopeoImage: { type: "String", value: images.skopeo },
    ...(images.trivyDb ? { trivyDbRepository: { type: "String", value: images.trivyDb } } : {}),
    ...extra,
  };
}

/**
 * Calls one function of the module: `fn` is the function's name, `args` its arguments, `select` the
 * selection on its result ("id" for an object, "" for a scalar). Returns the function's result field.
 */
export async function callFunction<T>(
  fn: string,
  args: Record<string, Variable> = {},
  select = "",
  constructorArgs: Record<string, Variable> = rigConstructorArgs(),
): Promise<T> {
  const declare = (prefix: string, vars: Record<string, Variable>) =>
    // Every variable is given a value, so it is declared non-null: valid in both nullable and required positions.
    Object.entries(vars).map(([name, v]) => `$${prefix}${name}: ${v.type.replace(/!?$/, "!")}`);
  const pass = (prefix: string, vars: Record<string, Variable>) =>
    Object.keys(vars)
      .map((name) => `${name}: $${prefix}${name}`)
      .join(", ");
  const declared = [...declare("c_", constructorArgs), ...declare("a_", args)];
  const query = `query${declared.length ? `(${declared.join(", ")})` : ""} {
    ${MAIN_FIELD}${Object.keys(constructorArgs).length ? `(${pass("c_", constructorArgs)})` : ""} {
      ${fn}${Object.keys(args).length ? `(${pass("a_", args)})` : ""}${select ? ` { ${select} }` : ""}
    }
  }`;
  const variables = Object.fromEntries([
    ...Object.entries(constructorArgs).map(([name, v]) => [`c_${name}`, v.value]),
    ...Object.entries(args).map(([name, v]) => [`a_${name}`, v.value]),
  ]);
  let result: Record<string, Record<string, T>>;
  try {
    result = await dag.getGQLClient().request<Record<string, Record<string, T>>>(query, variables);
  } catch (error) {
    // What `dagger call` prints: the function's own error message, not the whole GraphQL exchange.
    const errors = (error as { response?: { errors?: Array<{ message: string }> } }).response?.errors;
    if (errors?.length) throw new Error(errors.map((e) => e.message).join("\n"), { cause: error });
    throw error;
  }
  return result[MAIN_FIELD]![fn] as T;
}

/** Calls a function that returns a Directory and loads it. */
export async function callForDirectory(
  fn: string,
  args: Record<string, Variable> = {},
  constructorArgs?: Record<string, Variable>,
): Promise<Directory> {
  const result = await callFunction<{ id: string }>(fn, args, "id", constructorArgs);
  return dag.loadDirectoryFromID(result.id as never);
}

/** The JSON report a failed deploy/rollback carries after its one-line summary. */
export function reportInMessage<T>(message: string): T {
  return JSON.parse(message.slice(message.indexOf("{"), message.lastIndexOf("}") + 1)) as T;
}

/** The error a call fails with (it must fail). */
export async function callError(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("the call succeeded but was expected to fail");
}

/** A host directory as an object ID argument, as `dagger call --source=<dir>` passes it. */
export async function hostDirectory(path: string, exclude: string[] = []): Promise<Variable> {
  return { type: "ID", value: await dag.host().directory(path, { exclude }).id() };
}

/** A secret as an object ID argument, as `dagger call --token=env:NAME` passes it. */
export async function secretArgument(name: string, plaintext: string): Promise<Variable> {
  return { type: "ID", value: await dag.setSecret(name, plaintext).id() };
}
