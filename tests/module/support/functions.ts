/**
 * What `dagger functions` and `dagger call <fn> --help` show, read from the engine after the module
 * loaded (currentTypeDefs), in the shape of the offline introspection fixture
 * (tests/fixtures/module-surface.json). The engine does not expose a function's cache policy, so that
 * one field is compared by behaviour (tests/module/cache.test.ts), not here.
 */
import { dag, TypeDefKind, type FunctionArg, type TypeDef } from "@dagger.io/dagger";

export interface EngineArg {
  name: string;
  type: string;
  optional: boolean;
  defaultValue?: string;
  defaultPath?: string;
  description: string;
}

export interface EngineFunction {
  name: string;
  description: string;
  returnType: string;
  args: EngineArg[];
}

export interface EngineSurface {
  objectName: string;
  constructorArgs: EngineArg[];
  functions: EngineFunction[];
}

export async function engineSurface(objectName: string): Promise<EngineSurface> {
  for (const def of await dag.currentTypeDefs()) {
    if ((await def.kind()) !== TypeDefKind.ObjectKind) continue;
    const object = def.asObject();
    if ((await object.name()) !== objectName) continue;
    const functions = await object.functions();
    return {
      objectName,
      constructorArgs: await Promise.all((await object.constructor_().args()).map(toArg)),
      functions: await Promise.all(
        functions.map(async (fn) => ({
          name: kebab(await fn.name()),
          description: await fn.description(),
          returnType: await typeName(fn.returnType()),
          args: await Promise.all((await fn.args()).map(toArg)),
        })),
      ),
    };
  }
  throw new Error(`the engine lists no object ${objectName}: the module did not load`);
}

async function toArg(arg: FunctionArg): Promise<EngineArg> {
  const typeDef = arg.typeDef();
  const [name, description, defaultValue, defaultPath, optional] = await Promise.all([
    arg.name(),
    arg.description(),
    arg.defaultValue(),
    arg.defaultPath(),
    typeDef.optional(),
  ]);
  return {
    name: kebab(name),
    type: await typeName(typeDef),
    optional: optional || Boolean(defaultValue) || Boolean(defaultPath),
    ...(defaultValue ? { defaultValue: String(JSON.parse(defaultValue as string)) } : {}),
    ...(defaultPath ? { defaultPath } : {}),
    description,
  };
}

async function typeName(typeDef: TypeDef): Promise<string> {
  switch (await typeDef.kind()) {
    case TypeDefKind.StringKind:
      return "String";
    case TypeDefKind.IntegerKind:
      return "Int";
    case TypeDefKind.FloatKind:
      return "Float";
    case TypeDefKind.BooleanKind:
      return "Boolean";
    case TypeDefKind.VoidKind:
      return "Void";
    case TypeDefKind.ListKind:
      return `[${await typeName(typeDef.asList().elementTypeDef())}]`;
    case TypeDefKind.ObjectKind:
      return typeDef.asObject().name();
    case TypeDefKind.ScalarKind:
      return typeDef.asScalar().name();
    default:
      return typeDef.kind();
  }
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}
