#!/bin/sh
# Starts the engine under tini. On cgroup v2 hosts the engine needs a child
# cgroup to delegate controllers from (the same dance docker-in-docker does).
set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control || :
fi
# Per-client SQLite databases need many open files.
ulimit -n 1048576 || echo "cannot raise the open-files limit; continuing"
exec tini -- /usr/local/bin/dagger-engine "$@"
