package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// stderrLogExporter prints the engine's log records (container stdout/stderr,
// engine messages) as plain text, standing in for the upstream CLI's TUI so a
// failing test still shows what ran.
type stderrLogExporter struct {
	w io.Writer
}

var stderrMu sync.Mutex

func (e stderrLogExporter) Export(_ context.Context, records []sdklog.Record) error {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	for _, rec := range records {
		body := rec.Body().AsString()
		if body == "" {
			continue
		}
		fmt.Fprint(e.w, body)
		if body[len(body)-1] != '\n' {
			fmt.Fprintln(e.w)
		}
	}
	return nil
}

func (stderrLogExporter) Shutdown(context.Context) error   { return nil }
func (stderrLogExporter) ForceFlush(context.Context) error { return nil }
