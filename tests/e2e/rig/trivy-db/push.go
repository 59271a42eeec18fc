package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// dbLayerMediaType is the only layer media type Trivy v0.74.0 accepts for its
	// vulnerability DB (pkg/db/db.go, dbMediaType): any other is "unacceptable".
	dbLayerMediaType types.MediaType = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
	// dbConfigMediaType is the config media type of the published trivy-db
	// artifact. Trivy never reads the config; it is set so the artifact looks
	// like the real one to any tool that lists it.
	dbConfigMediaType types.MediaType = "application/vnd.aquasec.trivy.config.v1+json"
	// titleAnnotation names the file Trivy writes the layer to before unpacking
	// (pkg/oci/artifact.go): without it the download fails.
	titleAnnotation = "org.opencontainers.image.title"
)

// rawManifest lets remote.Put push a manifest built by hand with its media type.
type rawManifest struct {
	body      []byte
	mediaType types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.body, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }

// pushDBArtifact pushes archive as a one-layer OCI artifact shaped the way Trivy
// downloads its DB (layer media type + title annotation, "{}" config) and
// returns the pushed reference pinned by digest (repo@sha256:...).
func pushDBArtifact(archive, reference string) (string, error) {
	ref, err := name.ParseReference(reference)
	if err != nil {
		return "", fmt.Errorf("registry reference %q: %w", reference, err)
	}
	data, err := os.ReadFile(archive)
	if err != nil {
		return "", fmt.Errorf("read the DB archive (run `trivydb build` first): %w", err)
	}
	layer := static.NewLayer(data, dbLayerMediaType)
	config := static.NewLayer([]byte("{}"), dbConfigMediaType)
	repo := ref.Context()
	for _, blob := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(repo, blob); err != nil {
			return "", fmt.Errorf("push a blob to %s: %w", repo, err)
		}
	}
	configDesc, err := descriptorOf(config, nil)
	if err != nil {
		return "", err
	}
	layerDesc, err := descriptorOf(layer, map[string]string{titleAnnotation: archiveName})
	if err != nil {
		return "", err
	}
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        configDesc,
		Layers:        []v1.Descriptor{layerDesc},
	}
	body, err := json.Marshal(manifest)
	if err != nil {
		return "", err
	}
	if err := remote.Put(ref, rawManifest{body: body, mediaType: types.OCIManifestSchema1}); err != nil {
		return "", fmt.Errorf("push the manifest to %s: %w", ref, err)
	}
	digest, _, err := v1.SHA256(bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	return repo.Digest(digest.String()).String(), nil
}

func descriptorOf(l v1.Layer, annotations map[string]string) (v1.Descriptor, error) {
	digest, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	size, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := l.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Size: size, Digest: digest, Annotations: annotations}, nil
}
