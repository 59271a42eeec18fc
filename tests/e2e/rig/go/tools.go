//go:build tools

// Records the upstream programs we build so `go mod tidy` keeps their deps.
package tools

import (
	_ "github.com/dagger/dagger/cmd/dagger"
	_ "github.com/dagger/dagger/cmd/dialstdio"
	_ "github.com/dagger/dagger/cmd/dnsname"
	_ "github.com/dagger/dagger/cmd/engine"
	_ "github.com/dagger/dagger/cmd/init"
)
