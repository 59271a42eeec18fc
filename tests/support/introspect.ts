/**
 * The module's function surface, exactly as `dagger functions` / `dagger call --help` would show
 * it, read offline by the @dagger.io/dagger package's own introspector (the same code the module
 * runtime runs at `dagger init`/`dagger call`), with no engine.
 *
 * The runtime introspects against the generated SDK's `client.gen.ts`; offline we hand the
 * introspector the package's published declarations of that same file, so core types
 * (Directory, Container, Secret) resolve as they do in the runtime.
 */
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

export interface Arg {
  /** kebab-case, as the CLI flag. */
  name: string;
  type: string;
  optional: boolean;
  defaultValue?: string;
  defaultPath?: string;
  description: string;
}

export interface ModuleFunction {
  /** kebab-case, as the CLI command. */
  name: string;
  description: string;
  returnType: string;
  cache?: string;
  args: Arg[];
}

export interface ModuleSurface {
  objectName: string;
  constructorArgs: Arg[];
  functions: ModuleFunction[];
}

const ROOT = resolve(import.meta.dirname, "../..");
const MODULE_NAME = "faultmaven-auth-pipeline";

/**
 * Introspects in a child Node process with tsx's loader: the introspector imports the module's
 * .ts files with a native import(), as the runtime does, which a test runner's own module
 * loader would not see.
 */
export async function describeModule(): Promise<ModuleSurface> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ModuleSurface;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the introspector's classes are untyped JS here */
async function introspect(): Promise<ModuleSurface> {
  const sdkEntry = createRequire(join(ROOT, "package.json")).resolve("@dagger.io/dagger");
  const sdkSrc = dirname(sdkEntry); // .../dist/src
  const { scan } = await import(pathToFileURL(join(sdkSrc, "module/introspector/index.js")).href);
  const clientGen = join(mkdtempSync(join(tmpdir(), "introspect-")), "client.gen.ts");
  copyFileSync(join(sdkSrc, "api/client.gen.d.ts"), clientGen);

  const module = await scan([...sourceFiles(join(ROOT, "src")), clientGen], MODULE_NAME);
  const objectName = pascal(MODULE_NAME);
  const main = module.objects[objectName];
  if (!main) throw new Error(`introspection found no main object ${objectName}`);
  return {
    objectName,
    constructorArgs: Object.values<any>(main._constructor?.arguments ?? {}).map(toArg),
    functions: Object.values<any>(main.methods).map((f) => ({
      name: kebab(f.alias ?? f.name),
      description: f.description ?? "",
      returnType: typeName(f.returnType),
      ...(f.cache ? { cache: f.cache } : {}),
      args: Object.values<any>(f.arguments).map(toArg),
    })),
  };
}

function toArg(a: any): Arg {
  return {
    name: kebab(a.name),
    type: typeName(a.type),
    optional: Boolean(a.isOptional) || a.defaultValue !== undefined || a.defaultPath !== undefined,
    ...(a.defaultValue !== undefined ? { defaultValue: String(a.defaultValue) } : {}),
    ...(a.defaultPath !== undefined ? { defaultPath: a.defaultPath } : {}),
    description: a.description ?? "",
  };
}

function typeName(t: any): string {
  if (!t) return "void";
  switch (t.kind) {
    case "STRING_KIND":
      return "String";
    case "INTEGER_KIND":
      return "Int";
    case "FLOAT_KIND":
      return "Float";
    case "BOOLEAN_KIND":
      return "Boolean";
    case "VOID_KIND":
      return "Void";
    case "LIST_KIND":
      return `[${typeName(t.typeDef)}]`;
    default:
      return t.name ?? t.kind;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(await introspect()));
}
