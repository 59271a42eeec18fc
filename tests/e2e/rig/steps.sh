# The steps of `up`, one function each (sourced by up; also handy one at a time:
#   bash -c 'source tests/e2e/rig/steps.sh && step "engine image" build_engine_image').
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Debian packages the rig runs on the host: docker daemon (docker.io brings
# containerd and runc), debootstrap for the base image, the registry, iptables
# (to open the engine bridge in docker's FORWARD policy), jq for tests/scripts.
install_host_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  command -v go >/dev/null || { echo "go (1.26+) is not on PATH; the rig builds dagger with it" >&2; return 1; }
  if [[ ${#missing[@]} -eq 0 ]]; then echo "    host packages present"; return; fi
  apt-get update -qq > "$LOG_DIR/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >> "$LOG_DIR/apt.log" 2>&1
  echo "    installed: ${missing[*]}"
}

start_docker() {
  if docker_up; then echo "    docker already running"; return; fi
  # Images and layers live in the rig cache so they survive `down`.
  nohup dockerd --data-root "$RIG_CACHE/docker" --pidfile "$DOCKER_PID_FILE" \
    --host unix:///var/run/docker.sock > "$LOG_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 60); do docker_up && return; sleep 0.5; done
  echo "dockerd did not answer within 30s; see $LOG_DIR/dockerd.log" >&2
  return 1
}

start_registry() {
  if registry_up; then echo "    registry already answering on $REGISTRY_ADDR"; return; fi
  mkdir -p "$RIG_CACHE/registry/data"
  cat > "$RIG_CACHE/registry/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $RIG_CACHE/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  nohup docker-registry serve "$RIG_CACHE/registry/config.yml" > "$LOG_DIR/registry.log" 2>&1 &
  echo $! > "$REGISTRY_PID_FILE"
  for _ in $(seq 40); do registry_up && return; sleep 0.25; done
  echo "registry did not answer on $REGISTRY_ADDR within 10s; see $LOG_DIR/registry.log" >&2
  return 1
}

build_cni() {
  if [[ -x "$CNI_BIN_DIR/bridge" && -x "$CNI_BIN_DIR/loopback" && -x "$CNI_BIN_DIR/firewall" && -x "$CNI_BIN_DIR/host-local" ]]; then
    echo "    CNI plugins cached in $CNI_BIN_DIR"; return
  fi
  local p=github.com/containernetworking/plugins/plugins
  GOBIN="$CNI_BIN_DIR" CGO_ENABLED=0 GOFLAGS= nice -n 10 go install -ldflags '-s -w' \
    "$p/main/bridge@$CNI_VERSION" "$p/main/loopback@$CNI_VERSION" \
    "$p/meta/firewall@$CNI_VERSION" "$p/ipam/host-local@$CNI_VERSION" > "$LOG_DIR/cni-build.log" 2>&1
}

build_trivy() {
  if [[ -x "$TRIVY_BIN_DIR/trivy" ]]; then echo "    trivy cached in $TRIVY_BIN_DIR"; return; fi
  # trivy v0.74 uses encoding/json/v2, still behind GOEXPERIMENT in Go 1.26.
  GOEXPERIMENT=jsonv2 GOBIN="$TRIVY_BIN_DIR" CGO_ENABLED=0 GOFLAGS= nice -n 10 go install -ldflags "-s -w -X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}" \
    "github.com/aquasecurity/trivy/cmd/trivy@$TRIVY_VERSION" > "$LOG_DIR/trivy-build.log" 2>&1
}

# context_dir NAME: a fresh docker build context holding images/NAME and, under ca/, the
# host's extra CAs (the egress proxy's among them) and the CA of the stand-ins' TLS (codecov-cli
# reaching a stand-in): every image carries them itself, so the engine need not inject them.
context_dir() {
  local ctx="$RIG_CACHE/build/ctx-$1"
  rm -rf "$ctx" && mkdir -p "$ctx/ca"
  cp -r "$RIG_DIR/images/$1/." "$ctx/"
  cp /usr/local/share/ca-certificates/*.crt "$ctx/ca/" 2>/dev/null || true
  cp "$STANDIN_TLS_DIR/ca.crt" "$ctx/ca/faultmaven-rig-standins-ca.crt"
  echo "$ctx"
}

# build_image NAME CONTEXT [DOCKER BUILD ARGS...]: builds CONTEXT as
# faultmaven-rig/NAME:<hash of the context, the base image and the args> unless
# that exact image exists; prints the tag.
build_image() {
  local name="$1" ctx="$2" hash tag
  shift 2
  hash=$( (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum; docker image inspect -f '{{.Id}}' "$BASE_IMAGE"; echo "$*") | sha256sum | cut -c1-12)
  tag="faultmaven-rig/$name:$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" "$@" -t "$tag" "$ctx" > "$LOG_DIR/image-$name.log" 2>&1 \
      || { echo "docker build of $name failed; see $LOG_DIR/image-$name.log" >&2; return 1; }
  fi
  echo "$tag"
}

write_engine_config() { # dir
  # docker.io pulls go to the local registry (FROM python:3.11-slim resolves
  # there); the registry speaks plain HTTP on loopback, which the engine reaches
  # because it runs in the host's network namespace.
  cat > "$1/engine.json" <<JSON
{
  "logLevel": "info",
  "registries": {
    "docker.io": { "mirrors": ["$REGISTRY_ADDR"] },
    "$REGISTRY_ADDR": { "http": true, "insecure": true },
    "$ECR_STANDIN_HOST": { "http": true, "insecure": true },
    "$DOCKER_HUB_STANDIN_REGISTRY": { "http": true, "insecure": true }
  }
}
JSON
}

make_standin_tls() {
  local dir="$STANDIN_TLS_DIR"
  if [[ -s "$dir/standin.crt" ]]; then echo "    cached in $dir"; return; fi
  mkdir -p "$dir.tmp"
  (
    cd "$dir.tmp"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=FaultMaven engine rig stand-ins CA" \
      -keyout ca.key -out ca.crt
    openssl req -newkey rsa:2048 -nodes -subj "/CN=faultmaven-rig-standin" -keyout standin.key -out standin.csr
    printf 'subjectAltName=IP:%s,IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
      "$ENGINE_BRIDGE_ADDRESS" > standin.ext
    openssl x509 -req -in standin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile standin.ext \
      -out standin.crt
  ) > "$LOG_DIR/standin-tls.log" 2>&1 || { echo "making the stand-ins' TLS failed; see $LOG_DIR/standin-tls.log" >&2; return 1; }
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
}

build_engine_image() {
  local ctx tag
  ctx=$(context_dir engine)
  mkdir -p "$ctx/bin" "$ctx/cni"
  cp "$DAGGER_BIN_DIR"/{dagger-engine,dagger-init,dnsname,dial-stdio} "$ctx/bin/"
  cp "$CNI_BIN_DIR"/{bridge,loopback,firewall,host-local} "$ctx/cni/"
  write_engine_config "$ctx"
  tag=$(build_image engine "$ctx")
  docker tag "$tag" "$ENGINE_IMAGE"
  echo "    $ENGINE_IMAGE = $tag"
}

# publish LOCAL_TAG REPO:TAG: pushes to the local registry, prints repo@digest.
publish() {
  local ref="$REGISTRY_ADDR/$2" digest
  docker tag "$1" "$ref"
  docker push "$ref" > "$LOG_DIR/push-${2//[\/:]/_}.log" 2>&1 \
    || { echo "push of $ref failed; see $LOG_DIR" >&2; return 1; }
  digest=$(docker image inspect -f '{{range .RepoDigests}}{{println .}}{{end}}' "$ref" | grep "^$REGISTRY_ADDR/${2%%:*}@" | head -1)
  [[ -n "$digest" ]] || { echo "no registry digest for $ref after push" >&2; return 1; }
  echo "$digest"
}

# write_skopeo_registries FILE: the rig's plain-HTTP registries, as containers/image reads them, for the skopeo
# stand-in: what the engine's config says for itself (write_engine_config), said to skopeo.
write_skopeo_registries() {
  cat > "$1" <<TOML
[[registry]]
location = "$ECR_STANDIN_HOST"
insecure = true

[[registry]]
location = "$DOCKER_HUB_STANDIN_REGISTRY"
insecure = true
TOML
}

publish_images() {
  local ctx name pids=() tags_dir="$RIG_CACHE/build/tags"
  rm -rf "$tags_dir" && mkdir -p "$tags_dir"
  ctx=$(context_dir trivy)
  cp "$TRIVY_BIN_DIR/trivy" "$ctx/trivy"
  ctx=$(context_dir skopeo)
  write_skopeo_registries "$ctx/registries.conf"
  # The builds mostly wait on the Debian mirror: run them side by side.
  for name in python postgres redis trivy git skopeo; do
    case "$name" in
      trivy | skopeo) ctx="$RIG_CACHE/build/ctx-$name" ;;
      *) ctx=$(context_dir "$name") ;;
    esac
    build_image "$name" "$ctx" > "$tags_dir/$name" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  local python postgres redis trivy git skopeo
  python=$(publish "$(cat "$tags_dir/python")" library/python:3.11-slim)
  postgres=$(publish "$(cat "$tags_dir/postgres")" library/postgres:15)
  redis=$(publish "$(cat "$tags_dir/redis")" library/redis:7)
  trivy=$(publish "$(cat "$tags_dir/trivy")" "aquasec/trivy:${TRIVY_VERSION#v}")
  git=$(publish "$(cat "$tags_dir/git")" alpine/git:v2.47.1)
  skopeo=$(publish "$(cat "$tags_dir/skopeo")" skopeo/stable:v1.9.3)
  printf '{\n  "python": "%s",\n  "postgres": "%s",\n  "redis": "%s",\n  "trivy": "%s",\n  "git": "%s",\n  "skopeo": "%s"\n}\n' \
    "$python" "$postgres" "$redis" "$trivy" "$git" "$skopeo" > "$IMAGES_FILE.tmp"
  mv "$IMAGES_FILE.tmp" "$IMAGES_FILE"
  sed 's/^/    /' "$IMAGES_FILE"
}

start_engine() {
  local want have
  # The engine is restarted when its image or its SDK content changed.
  want="$(docker image inspect -f '{{.Id}}' "$ENGINE_IMAGE") $(cat "$SDK_CONTENT_DIR/key") $ECR_STANDIN_HOST:$ENGINE_BRIDGE_ADDRESS"
  have=$(docker inspect -f '{{.Image}} {{index .Config.Labels "faultmaven.rig.sdk-content"}} {{index .Config.Labels "faultmaven.rig.ecr-host"}}' "$ENGINE_CONTAINER" 2>/dev/null || true)
  if engine_up && [[ "$want" == "$have" ]]; then echo "    $ENGINE_CONTAINER already running"; return; fi
  docker rm -f "$ENGINE_CONTAINER" >/dev/null 2>&1 || true
  mkdir -p "$RIG_CACHE/engine-state"
  # Host network: the engine reaches the registry on 127.0.0.1 like everyone
  # else. Its state (layer cache) is kept in the rig cache for warm runs.
  # Not --privileged: this machine's capability bounding set lacks
  # CAP_SYS_RESOURCE, and docker 20.10's --privileged asks for every capability
  # ("unable to apply caps: operation not permitted"). Grant the rest explicitly,
  # unconfine seccomp/AppArmor and /proc, and give it the host's cgroups and devices.
  docker run -d --name "$ENGINE_CONTAINER" --network host \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /dev:/dev \
    -v "$RIG_CACHE/engine-state:/var/lib/dagger" \
    -v "$SDK_CONTENT_DIR:/usr/local/share/dagger/content" --env-file "$SDK_CONTENT_DIR/engine.env" \
    --add-host "$ECR_STANDIN_HOST:$ENGINE_BRIDGE_ADDRESS" \
    --label "faultmaven.rig.sdk-content=$(cat "$SDK_CONTENT_DIR/key")" \
    --label "faultmaven.rig.ecr-host=$ECR_STANDIN_HOST:$ENGINE_BRIDGE_ADDRESS" \
    "$ENGINE_IMAGE" --network-name "$ENGINE_NETWORK_NAME" --network-cidr "$ENGINE_NETWORK_CIDR" >/dev/null
}

wait_engine() {
  for _ in $(seq 120); do
    if docker exec "$ENGINE_CONTAINER" test -S /run/dagger/engine.sock 2>/dev/null; then return; fi
    engine_up || break
    sleep 0.5
  done
  echo "engine did not open /run/dagger/engine.sock; last log lines:" >&2
  docker logs --tail 30 "$ENGINE_CONTAINER" >&2 || true
  return 1
}


allow_engine_forwarding() {
  # Docker sets the host's FORWARD policy to drop and only lets its own bridge
  # through, so traffic from the engine's bridge to the package registries
  # (pip, apt inside pipeline containers) would time out. DOCKER-USER is the
  # chain docker reserves for such exceptions; `down` removes these two rules.
  if ! iptables -w -S DOCKER-USER >/dev/null 2>&1; then
    echo "    no DOCKER-USER chain (docker without iptables?): nothing to open"; return
  fi
  local dir
  for dir in -i -o; do
    forward_rule -C "$dir" "$ENGINE_BRIDGE" -j ACCEPT || forward_rule -I "$dir" "$ENGINE_BRIDGE" -j ACCEPT
  done
  echo "    forwarding allowed for $ENGINE_BRIDGE ($ENGINE_NETWORK_CIDR)"
}
