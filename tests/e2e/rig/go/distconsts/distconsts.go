// Package distconsts stands in for Dagger's engine/distconsts sub-module, which
// the Go module proxy does not serve. It holds the engine's layout contract: the
// paths where the engine image must place its helper binaries and state, and the
// default utility images. The values describe the engine image our rig builds
// (tests/e2e/rig/engine.Dockerfile), so they must stay in step with it.
package distconsts

// Engine container and socket.
const (
	EngineContainerName   = "dagger-engine.dev"
	DefaultEngineSockAddr = "unix:///run/dagger/engine.sock"
)

// Where helper binaries and state live inside the engine image.
const (
	RuncPath              = "/usr/local/bin/runc"
	DaggerInitPath        = "/usr/local/bin/dagger-init"
	TiniPath              = "/usr/local/bin/tini"
	EngineDefaultStateDir = "/var/lib/dagger"

	EngineContainerBuiltinContentDir   = "/usr/local/share/dagger/content"
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"

	// CAs found here are trusted by the engine and injected into the containers it runs.
	EngineCustomCACertsDir = "/usr/local/share/ca-certificates"
)

// Default utility images (v0.21.8 values); only used when a module needs them.
const (
	AlpineVersion  = "3.22.1"
	AlpineImage    = "alpine:" + AlpineVersion
	GolangVersion  = "1.26"
	GolangImage    = "golang:" + GolangVersion + "-alpine"
	BusyboxVersion = "1.37.0"
	BusyboxImage   = "busybox:" + BusyboxVersion
)

// OCIVersionAnnotation is the standard OCI image version annotation key.
const OCIVersionAnnotation = "org.opencontainers.image.version"
