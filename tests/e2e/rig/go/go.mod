// Wrapper module whose only purpose is to build the Dagger engine, CLI and the
// engine's helper binaries at the exact version the npm SDK pins (0.21.8).
// Upstream's go.mod uses local `replace` directives, so `go install pkg@v0.21.8`
// is refused; as the main module here we repeat its non-local replaces and point
// the one sub-module the Go proxy does not serve (engine/distconsts) at ./distconsts.
module faultmaven.local/rig/daggerbuild

go 1.26.1

require (
	dagger.io/dagger v0.21.8
	github.com/dagger/dagger v0.21.8
	github.com/dagger/dagger/engine/distconsts v0.21.8
)

replace github.com/dagger/dagger/engine/distconsts => ./distconsts

// Same pins as dagger v0.21.8's own go.mod (they are not inherited by dependents).
replace (
	go.etcd.io/bbolt => go.etcd.io/bbolt v1.4.0-beta.0.0.20260422092123-cd4bafc17e45
	go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc => go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc v0.16.0
	go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp => go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp v0.16.0
	go.opentelemetry.io/otel/log => go.opentelemetry.io/otel/log v0.16.0
	go.opentelemetry.io/otel/sdk/log => go.opentelemetry.io/otel/sdk/log v0.16.0
)

// github.com/vito/midterm: the pseudo-version dagger pins is refused by the module
// proxy here; v0.2.4 is served and has the API dagger's log scrubber uses.
replace github.com/vito/midterm => github.com/vito/midterm v0.2.4
