// Replacement for dagger's core/sdk/dang/v2 package, swapped in at build time
// with `go build -overlay` (see ../build-dagger.sh). The package it replaces
// depends on github.com/vito/dang/v2, which the Go module proxy reachable from
// this machine refuses to serve (403), so the Dang SDK cannot be compiled in.
// Our pipeline is a TypeScript module and never loads a Dang module; a Dang
// module on this rig fails with the error below instead of the engine failing
// to build at all.
package dangv2

import (
	"context"
	"errors"

	"github.com/dagger/dagger/core"
	"github.com/dagger/dagger/dagql"
)

var errDangUnavailable = errors.New("the Dang SDK is not compiled into this rig's engine (github.com/vito/dang/v2 is not served by the Go module proxy here); use the TypeScript, Go or Python SDK")

// Impl satisfies the dang SDK's version dispatch with a refusal.
type Impl struct{}

// ModuleTypes refuses: see errDangUnavailable.
func (Impl) ModuleTypes(
	_ context.Context,
	_ *core.SchemaBuilder,
	_ dagql.ObjectResult[*core.ModuleSource],
	_ dagql.ObjectResult[*core.Module],
) (dagql.ObjectResult[*core.Module], error) {
	return dagql.ObjectResult[*core.Module]{}, errDangUnavailable
}

// Runtime refuses: see errDangUnavailable.
func (Impl) Runtime(
	_ context.Context,
	_ *core.SchemaBuilder,
	_ dagql.ObjectResult[*core.ModuleSource],
) (core.ModuleRuntime, error) {
	return nil, errDangUnavailable
}
