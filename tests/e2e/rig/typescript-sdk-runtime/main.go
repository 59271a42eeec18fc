// The rig's TypeScript SDK runtime: the module the engine runs to turn a TypeScript
// module's source into a container that registers and invokes its functions.
//
// Upstream's runtime module is in no registry, so the rig carries its own, written
// for what this project needs (Node and npm). Where a module could tell the
// difference it does what upstream's node path does: the same package.json and
// tsconfig.json adjustments, `npm install --omit=dev` from the lock file with npm
// 11.8.0, Node 24, the source at /src, the SDK library mounted as
// "@dagger.io/dagger", and `tsx` running the entrypoint. Differences, on purpose:
// no moduleTypes (the engine then asks the runtime itself for the module's types,
// as it does for any SDK without it), no codegen/client generation (`dagger
// develop` is not part of the rig), no bun/deno/yarn/pnpm, and no `apk add
// ca-certificates` (the rig's Node image is Debian and already trusts the CAs).
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"typescript-sdk/internal/dagger"
)

const (
	modSourceDirPath = "/src"
	entrypointFile   = "__dagger.entrypoint.ts"
	// The TypeScript version the SDK bundles: a module that pins exactly this one
	// gets the bundled copy instead of an npm install of it.
	bundledTypeScriptVersion = "5.9.3"
	npmVersion               = "11.8.0"
	npmCacheVolume           = "npm-cache-node-"
)

var (
	//go:embed files/entrypoint.ts
	entrypointTS string
	//go:embed files/index.ts
	indexTS string
	//go:embed files/telemetry.ts
	telemetryTS string
	//go:embed files/core.d.ts
	coreDTS string
	//go:embed files/package.json
	defaultPackageJSON string
)

// Files that configure a module rather than being its code: read for the
// configuration, left out of the source copied over the installed dependencies.
var moduleConfigFiles = []string{
	"package.json", "tsconfig.json", "pnpm-workspace.yaml", ".yarnrc.yml",
	"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
	"bunfig.toml", "deno.json", "deno.lock",
}

func New(
	// The SDK's full content directory (the engine passes its builtin one).
	// +optional
	sdkSourceDir *dagger.Directory,
) *TypescriptSdk {
	return &TypescriptSdk{SDKSourceDir: sdkSourceDir}
}

type TypescriptSdk struct {
	SDKSourceDir *dagger.Directory
}

// ModuleRuntime returns the container the engine runs for every call of the module:
// its entrypoint registers the module's types or invokes one function.
func (t *TypescriptSdk) ModuleRuntime(
	ctx context.Context,
	modSource *dagger.ModuleSource,
	introspectionJSON *dagger.File,
) (*dagger.Container, error) {
	mod, err := readModule(ctx, modSource)
	if err != nil {
		return nil, err
	}
	nodeImage, err := t.SDKSourceDir.File("node-image").Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("the SDK content has no node-image file: %w", err)
	}
	packageJSON, err := packageJSONForModule(mod.packageJSON)
	if err != nil {
		return nil, fmt.Errorf("package.json: %w", err)
	}
	tsconfig, err := tsconfigForModule(mod.tsconfig)
	if err != nil {
		return nil, fmt.Errorf("tsconfig.json: %w", err)
	}
	image := strings.TrimSpace(nodeImage)
	sdkLibrary := t.sdkLibrary(mod, introspectionJSON, image)
	modulePath := filepath.Join(modSourceDirPath, mod.subPath)
	entrypointPath := filepath.Join(modulePath, "src", entrypointFile)

	ctr := dag.Container().
		From(image).
		WithWorkdir(modulePath).
		// Node's compiled-in CA bundle ignores the engine's custom CAs; OpenSSL's store has them.
		WithEnvVariable("NODE_OPTIONS", "--use-openssl-ca").
		WithMountedDirectory("/usr/local/lib/node_modules/tsx", t.SDKSourceDir.Directory("tsx_module")).
		WithExec([]string{"ln", "-s", "/usr/local/lib/node_modules/tsx/dist/cli.mjs", "/usr/local/bin/tsx"}).
		WithNewFile("package.json", packageJSON).
		WithMountedCache("/root/.npm", dag.CacheVolume(npmCacheVolume), dagger.ContainerWithMountedCacheOpts{
			Sharing: dagger.CacheSharingModeShared,
		}).
		WithExec([]string{"sh", "-c", "npm -v | grep -qx " + strings.ReplaceAll(npmVersion, ".", `\.`) + " || npm install -g npm@" + npmVersion})
	ctr = withDependencies(ctr, mod, t.SDKSourceDir.Directory("typescript-library"))

	return ctr.
		WithMountedDirectory("sdk", sdkLibrary).
		// Also a package, for tools that resolve bare imports without tsconfig paths.
		WithMountedDirectory("node_modules/@dagger.io/dagger", sdkLibrary).
		WithMountedFile("tsconfig.json", dag.File("tsconfig.json", tsconfig)).
		WithDirectory(".", mod.source, dagger.ContainerWithDirectoryOpts{
			Exclude: append(append([]string{}, moduleConfigFiles...), "sdk", "node_modules"),
		}).
		WithMountedFile(entrypointPath, dag.File(entrypointFile, entrypointTS)).
		WithEntrypoint([]string{"tsx", "--no-deprecation", "--tsconfig", filepath.Join(modulePath, "tsconfig.json"), entrypointPath}), nil
}

// withDependencies installs the module's production dependencies the way upstream
// does: a module whose only dependency is the bundled TypeScript skips npm.
func withDependencies(ctr *dagger.Container, mod *module, typescriptLibrary *dagger.Directory) *dagger.Container {
	if mod.dependencies["typescript"] == bundledTypeScriptVersion {
		ctr = ctr.WithMountedDirectory("node_modules/typescript", typescriptLibrary)
		if len(mod.dependencies) <= 1 {
			return ctr
		}
	}
	return ctr.
		WithDirectory(".", mod.source, dagger.ContainerWithDirectoryOpts{Include: []string{"package-lock.json", ".npmrc"}}).
		WithExec([]string{"npm", "install", "--omit=dev"})
}

// sdkLibrary is the "@dagger.io/dagger" package the module imports: the bundled SDK
// library, its declarations, and a client generated for this module's schema.
func (t *TypescriptSdk) sdkLibrary(mod *module, introspectionJSON *dagger.File, image string) *dagger.Directory {
	modulePath := filepath.Join(modSourceDirPath, mod.subPath)
	clientGen := dag.Container().
		From(image).
		WithMountedFile("/codegen", t.SDKSourceDir.File("codegen")).
		WithMountedFile("/schema.json", introspectionJSON).
		WithWorkdir(modulePath).
		WithExec([]string{
			"/codegen", "generate-module", "--lang", "typescript", "--output", modSourceDirPath,
			"--introspection-json-path", "/schema.json", "--module-name", mod.name,
			"--module-source-path", modulePath, "--bundle",
		}, dagger.ContainerWithExecOpts{ExperimentalPrivilegedNesting: true}).
		File(filepath.Join(modulePath, "sdk/src/api/client.gen.ts"))

	return t.SDKSourceDir.Directory("bundled_lib").
		WithNewFile("core.d.ts", coreDTS).
		WithNewFile("index.ts", indexTS).
		WithNewFile("telemetry.ts", telemetryTS).
		WithFile("client.gen.ts", clientGen)
}

// module is what the runtime reads of the user's module source.
type module struct {
	name         string
	subPath      string
	source       *dagger.Directory
	packageJSON  string
	tsconfig     string
	dependencies map[string]string
}

func readModule(ctx context.Context, modSource *dagger.ModuleSource) (*module, error) {
	name, err := modSource.ModuleOriginalName(ctx)
	if err != nil {
		return nil, fmt.Errorf("module name: %w", err)
	}
	subPath, err := modSource.SourceSubpath(ctx)
	if err != nil {
		return nil, fmt.Errorf("module source subpath: %w", err)
	}
	mod := &module{
		name:         name,
		subPath:      subPath,
		source:       modSource.ContextDirectory().Directory(subPath),
		packageJSON:  defaultPackageJSON,
		dependencies: map[string]string{},
	}
	entries, err := mod.source.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("module source: %w", err)
	}
	has := map[string]bool{}
	for _, entry := range entries {
		has[entry] = true
	}
	for _, unsupported := range []string{"bun.lockb", "bun.lock", "deno.json", "yarn.lock", "pnpm-lock.yaml"} {
		if has[unsupported] {
			return nil, fmt.Errorf("the rig's TypeScript runtime supports node + npm only; found %s", unsupported)
		}
	}
	if has["package.json"] {
		if mod.packageJSON, err = mod.source.File("package.json").Contents(ctx); err != nil {
			return nil, err
		}
		var parsed struct {
			Dependencies map[string]string `json:"dependencies"`
		}
		if err := json.Unmarshal([]byte(withoutJSONComments(mod.packageJSON)), &parsed); err != nil {
			return nil, fmt.Errorf("package.json: %w", err)
		}
		if parsed.Dependencies != nil {
			mod.dependencies = parsed.Dependencies
		}
	}
	if has["tsconfig.json"] {
		if mod.tsconfig, err = mod.source.File("tsconfig.json").Contents(ctx); err != nil {
			return nil, err
		}
	}
	return mod, nil
}
