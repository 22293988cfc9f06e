#!/usr/bin/env bash
# Entry point of the Flink image: the shared configuration, then the official entrypoint.
#
# stack/conf/flink/config.yaml (the file bin/stack uses too) is mounted read-only at
# /opt/tributary/conf/config.yaml. The official docker-entrypoint.sh rewrites conf/config.yaml in
# place (it merges jobmanager.rpc.address and FLINK_PROPERTIES into it), so it gets a fresh copy
# at every start, never the mount itself. It then starts the JobManager or TaskManager, or runs
# any other command (the SQL client), as the `flink` user.
set -euo pipefail
shared=/opt/tributary/conf/config.yaml
if [[ ! -f "$shared" ]]; then
  echo "No Flink configuration at $shared: mount stack/conf/flink/config.yaml there" \
    "(docker/compose.yaml does)." >&2
  exit 1
fi
cp "$shared" "$FLINK_HOME/conf/config.yaml"
chown flink:flink "$FLINK_HOME/conf/config.yaml" 2>/dev/null || true
exec /docker-entrypoint.sh "$@"
