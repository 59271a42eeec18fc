// Replacement for dagger's dagql/idtui package, swapped in at build time with
// `go build -overlay` (see ../build-dagger.sh). idtui is the CLI's terminal UI;
// it depends on github.com/vito/tuist, which the Go module proxy reachable here
// refuses to serve (403). The ENGINE only needs the handful of names below (the
// interactive `terminal` banner and the test-output scrubber), so this file
// provides just those. The rig's CLI is our own (../cmd/dagger) and uses no TUI.
package idtui

import (
	"fmt"
	"io"

	"github.com/dagger/dagger/dagql/call"
	"github.com/muesli/termenv"
)

// Symbols printed by the engine in front of terminal banners and in scrubbed output.
const (
	DotFilled   = "●"
	IconSuccess = "✔"
	IconFailure = "✘"
	IconCached  = "$"
)

// SkipLoggedOutTraceMsgEnvs are the env vars that silence the cloud tracing hint.
var SkipLoggedOutTraceMsgEnvs = []string{"DAGGER_NO_NAG", "NOTHANKS", "SHUTUP", "GOAWAY", "STOPIT"}

// NewOutput returns a colour-capable termenv output writing to w.
func NewOutput(w io.Writer, opts ...termenv.OutputOption) *termenv.Output {
	return termenv.NewOutput(w, opts...)
}

// Dump prints call IDs above an interactive terminal session.
type Dump struct {
	Newline string
	Prefix  string
}

// DumpID prints the receiver chain of id, one call per line.
func (d *Dump) DumpID(out *termenv.Output, id *call.ID) error {
	if id == nil {
		return nil
	}
	if recv := id.Receiver(); recv != nil {
		if err := d.DumpID(out, recv); err != nil {
			return err
		}
	}
	_, err := fmt.Fprint(out, d.Prefix+id.Field()+d.Newline)
	return err
}
