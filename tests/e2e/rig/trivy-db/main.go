// Command trivydb builds and publishes the engine rig's stand-in Trivy
// vulnerability DB: a valid schema-2 DB that holds a few REAL public advisories
// (advisories.go) and nothing else. A scan against it finds those and only those:
// it proves the verdicts (found, suppressed, unfixed ignored, scanner failed),
// never that a package is free of vulnerabilities. -empty builds one with none.
//
//	trivydb build -dir DIR [-empty] writes DIR/trivy.db, DIR/metadata.json, DIR/db.tar.gz
//	trivydb push -archive FILE -ref HOST/REPO:TAG
//	                                pushes FILE as Trivy's DB artifact, prints REPO@sha256:...
package main

import (
	"flag"
	"fmt"
	"os"
)

const usage = `usage:
  trivydb build -dir DIR [-empty]
  trivydb push -archive DIR/db.tar.gz -ref 127.0.0.1:5000/aquasecurity/trivy-db:2`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "trivydb:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no command given\n%s", usage)
	}
	switch args[0] {
	case "build":
		fs := flag.NewFlagSet("build", flag.ContinueOnError)
		dir := fs.String("dir", "", "directory to write trivy.db, metadata.json and db.tar.gz into (created if missing)")
		empty := fs.Bool("empty", false, "write no advisories (a DB that finds nothing)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *dir == "" {
			return fmt.Errorf("build: -dir is required (where to write the DB)\n%s", usage)
		}
		archive, err := buildStandInDB(*dir, *empty)
		if err != nil {
			return err
		}
		fmt.Println(archive)
		return nil
	case "push":
		fs := flag.NewFlagSet("push", flag.ContinueOnError)
		archive := fs.String("archive", "", "db.tar.gz written by `trivydb build`")
		ref := fs.String("ref", "", "registry reference to push to, e.g. 127.0.0.1:5000/aquasecurity/trivy-db:2")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *archive == "" || *ref == "" {
			return fmt.Errorf("push: -archive and -ref are both required\n%s", usage)
		}
		pinned, err := pushDBArtifact(*archive, *ref)
		if err != nil {
			return err
		}
		fmt.Println(pinned)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
}
