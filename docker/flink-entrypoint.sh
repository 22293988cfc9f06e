#!/usr/bin/env bash
# Entry point of the Flink image: the shared configuration, then the official entrypoint.
#
# stack/conf/flink/config.yaml (the file bin/stack uses too) is mounted read-only at
# /opt/tributary/conf/config.yaml. The official docker-entrypoint.sh rewrites conf/config.yaml in
# place (it merges jobmanager.rpc.address and FLINK_PROPERTIES into it), so it gets a fresh copy
# at every start, never the mount itself. It then starts the JobManager or TaskManager, or runs
# any other command (the SQL client), as the `flink` user.
#
# TRIBUTARY_LOG_FORMAT=json (docker/compose.yaml passes it through) puts the shared
# stack/conf/flink/log4j-console-json.properties, mounted beside config.yaml, in place of the
# image's conf/log4j-console.properties, with which the image starts the JobManager and
# TaskManagers: JSON log lines, as bin/stack's TRIBUTARY_LOG_FORMAT=json. text (the default) keeps
# the image's file.
#
# TRIBUTARY_CONF_DIR and TRIBUTARY_NEXT_ENTRYPOINT exist for DockerEntrypointTest, which runs this
# script without Docker; the image leaves them unset.
set -euo pipefail
conf_dir=${TRIBUTARY_CONF_DIR:-/opt/tributary/conf}
next=${TRIBUTARY_NEXT_ENTRYPOINT:-/docker-entrypoint.sh}
shared=$conf_dir/config.yaml
if [[ ! -f "$shared" ]]; then
  echo "No Flink configuration at $shared: mount stack/conf/flink/config.yaml there" \
    "(docker/compose.yaml does)." >&2
  exit 1
fi
case "${TRIBUTARY_LOG_FORMAT:-text}" in
  text) ;;
  json)
    json="$conf_dir/log4j-console-json.properties"
    if [[ ! -f "$json" ]]; then
      echo "TRIBUTARY_LOG_FORMAT=json needs $json: mount" \
        "stack/conf/flink/log4j-console-json.properties there (docker/compose.yaml does)." >&2
      exit 1
    fi
    cp "$json" "$FLINK_HOME/conf/log4j-console.properties"
    chown flink:flink "$FLINK_HOME/conf/log4j-console.properties" 2>/dev/null || true
    ;;
  *)
    echo "TRIBUTARY_LOG_FORMAT=${TRIBUTARY_LOG_FORMAT} is not known: set it to text (the" \
      "default) or json." >&2
    exit 1
    ;;
esac
cp "$shared" "$FLINK_HOME/conf/config.yaml"
chown flink:flink "$FLINK_HOME/conf/config.yaml" 2>/dev/null || true
exec "$next" "$@"
