// Command dagger is the rig's stand-in for the Dagger CLI. It implements only
// what an SDK in client mode runs: `dagger session` (plus `version`). It is ours
// because upstream's cmd/dagger links its terminal UI, whose dependency
// github.com/vito/tuist the Go module proxy reachable here refuses to serve.
// Engine-facing behaviour is upstream's: it connects with the published
// github.com/dagger/dagger/engine/client at v0.21.8, the version the npm SDK pins.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dagger/dagger/engine"
	"github.com/dagger/dagger/engine/client"
	"github.com/google/uuid"
)

// runnerHostEnv selects the engine, exactly as the upstream CLI reads it.
const runnerHostEnv = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dagger session [flags] | dagger version")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "version", "--version":
		fmt.Printf("dagger %s (rig build of github.com/dagger/dagger; session-only CLI)\n", engine.Version)
	case "session":
		err = runSession(os.Args[2:])
	default:
		err = fmt.Errorf("dagger: %q is not supported by the rig's CLI (only `session` and `version`); use the SDK's connection() against this engine", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// repeatedFlag collects a flag given several times (the SDK passes --label twice).
type repeatedFlag []string

func (r *repeatedFlag) String() string     { return strings.Join(*r, ",") }
func (r *repeatedFlag) Set(v string) error { *r = append(*r, v); return nil }

// connectParams is the one JSON line SDKs read from the session's stdout.
type connectParams struct {
	Port         int    `json:"port"`
	SessionToken string `json:"session_token"`
}

func runSession(args []string) error {
	fs := flag.NewFlagSet("session", flag.ContinueOnError)
	var labels repeatedFlag
	var workspace string
	fs.Var(&labels, "label", "session label (accepted for SDK compatibility)")
	// Accepted because SDKs pass them; a client-mode session has no module to load.
	fs.String("workdir", "", "working directory (accepted for SDK compatibility)")
	fs.String("project", "", "project (accepted for SDK compatibility)")
	version := fs.String("version", "", "client version to announce")
	loadWorkspace := fs.Bool("load-workspace-modules", false, "load workspace modules")
	skipWorkspace := fs.Bool("skip-workspace-modules", false, "skip loading workspace modules")
	fs.StringVar(&workspace, "workspace", "", "workspace to load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	runnerHost := os.Getenv(runnerHostEnv)
	if runnerHost == "" {
		return fmt.Errorf("%s is not set: eval \"$(tests/e2e/rig/env.sh)\" after tests/e2e/rig/up", runnerHostEnv)
	}

	// SDKs close our stdin or signal us when they are done; both end the session.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	token := uuid.NewString()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on loopback for the SDK: %w", err)
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		listener.Close()
	}()
	go func() {
		<-ctx.Done()
		listener.Close()
	}()

	params := client.Params{
		SecretToken:          token,
		Version:              *version,
		RunnerHost:           runnerHost,
		LoadWorkspaceModules: *loadWorkspace,
		SkipWorkspaceModules: *skipWorkspace,
		// Container output goes to our stderr, which SDKs forward to LogOutput.
		EngineLogs: stderrLogExporter{w: os.Stderr},
	}
	if workspace != "" {
		params.Workspace = &workspace
	}
	sess, err := client.Connect(ctx, params)
	if err != nil {
		return fmt.Errorf("connect to the engine at %s: %w", runnerHost, err)
	}
	defer sess.Close()

	srv := http.Server{
		Handler:           sess,
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	line, err := json.Marshal(connectParams{Port: listener.Addr().(*net.TCPAddr).Port, SessionToken: token})
	if err != nil {
		return err
	}
	if _, err := os.Stdout.Write(append(line, '\n')); err != nil {
		return err
	}
	if err := srv.Serve(listener); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
