package main

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
)

// archiveName is the file name Trivy gives the downloaded layer (read from the
// layer's title annotation) before unpacking it into its DB directory.
const archiveName = "db.tar.gz"

// nextUpdateIn keeps Trivy from trying to refresh the stand-in: a DB whose
// NextUpdate has passed makes Trivy download again on every scan.
const nextUpdateIn = 100 * 365 * 24 * time.Hour

// buildStandInDB writes trivy.db (the real advisories of advisories.go, or none
// when empty is set) and its metadata.json into dir, then packs both into
// dir/db.tar.gz. Returns the archive's path.
func buildStandInDB(dir string, empty bool) (string, error) {
	// db.Init creates the bolt file; with no buckets Trivy reads "no advisories for any package".
	if err := db.Init(dir); err != nil {
		return "", fmt.Errorf("create %s: %w", db.Path(dir), err)
	}
	if !empty {
		if err := putAdvisories(db.Config{}); err != nil {
			_ = db.Close()
			return "", fmt.Errorf("write the advisories into %s: %w", db.Path(dir), err)
		}
	}
	if err := db.Close(); err != nil {
		return "", fmt.Errorf("close %s: %w", db.Path(dir), err)
	}
	now := time.Now().UTC()
	meta := metadata.Metadata{
		Version:      db.SchemaVersion,
		NextUpdate:   now.Add(nextUpdateIn),
		UpdatedAt:    now,
		DownloadedAt: now,
	}
	if err := metadata.NewClient(dir).Update(meta); err != nil {
		return "", fmt.Errorf("write %s: %w", metadata.Path(dir), err)
	}
	archive := filepath.Join(dir, archiveName)
	if err := writeTarGz(archive, dir, []string{filepath.Base(db.Path(dir)), filepath.Base(metadata.Path(dir))}); err != nil {
		return "", fmt.Errorf("pack %s: %w", archive, err)
	}
	return archive, nil
}

// writeTarGz packs the named files of dir, at the archive's root (where Trivy
// expects trivy.db and metadata.json), into a gzip-compressed tar at path.
func writeTarGz(path, dir string, names []string) (err error) {
	tmp := path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = out.Close()
			_ = os.Remove(tmp)
		}
	}()
	gz := gzip.NewWriter(out)
	tw := tar.NewWriter(gz)
	for _, name := range names {
		if err = addFile(tw, filepath.Join(dir, name), name); err != nil {
			return err
		}
	}
	if err = tw.Close(); err != nil {
		return err
	}
	if err = gz.Close(); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	// Rename last, so an interrupted build never leaves a half-written archive
	// that a later run would take as cached.
	return os.Rename(tmp, path)
}

func addFile(tw *tar.Writer, src, name string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	hdr.Name = name
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}
