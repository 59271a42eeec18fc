#!/usr/bin/env bash
# Prints the environment a Dagger SDK needs to use the rig's engine:
#   eval "$(tests/e2e/rig/env.sh)"
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap - EXIT
cat <<ENV
export _EXPERIMENTAL_DAGGER_CLI_BIN=$DAGGER_BIN_DIR/dagger
export _EXPERIMENTAL_DAGGER_RUNNER_HOST=docker-container://$ENGINE_CONTAINER
export RIG_IMAGES_FILE=$IMAGES_FILE
export RIG_REGISTRY=$REGISTRY_ADDR
export RIG_STANDIN_TLS_DIR=$STANDIN_TLS_DIR
ENV
