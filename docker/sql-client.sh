#!/usr/bin/env bash
# Flink's SQL client in the sql-client service, running the repository's sql/ scripts as
# bin/sql-client does on the no-Docker stack (io.tributary.stack.SqlClient):
#
#   docker compose -f docker/compose.yaml run --rm sql-client \
#     -i sql/init.sql -i sql/catalogs/rest-s3.sql -i sql/sources/kafka-events.sql \
#     -f sql/pipelines/ingest.sql
#
# Paths are relative to the repository root (sql/ is mounted at /opt/tributary/sql). The client
# takes one init file, so the -i files are joined in order. Without -f the client is interactive,
# after the -i files. ${VARIABLES} in the scripts come from the environment (docker/stack.env);
# a script naming one that is not set is refused, as io.tributary.stack.SqlScripts refuses it,
# rather than sending Flink an empty string.
set -euo pipefail

home=${TRIBUTARY_HOME:-/opt/tributary}
bundle=$home/tributary-sql-bundle.jar

usage() {
  echo "usage: sql-client [-i init.sql]... [-f script.sql]   (paths relative to the repository root)"
}

inits=()
script=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -i | --init)
      [[ $# -ge 2 ]] || { usage >&2; exit 2; }
      inits+=("$2")
      shift 2
      ;;
    -f | --file)
      [[ $# -ge 2 ]] || { usage >&2; exit 2; }
      script="$2"
      shift 2
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "unknown argument: $1" >&2
      usage >&2
      exit 2
      ;;
  esac
done

cd "$home"

# Writes each file, a `-- name` line before it, with exactly the ${NAME}s it uses filled in.
render() {
  local file names missing=()
  for file in "$@"; do
    [[ -f "$file" ]] || { echo "No such script: $file (paths are relative to the repository root)" >&2; exit 2; }
  done
  names=$(grep -ho '\${[A-Z][A-Z0-9_]*}' "$@" | sort -u || true)
  for name in $names; do
    name=${name#\$\{}
    name=${name%\}}
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "The scripts $* use ${missing[*]}, which nothing sets: add them to docker/stack.env," \
      "or pass them with docker compose run -e ${missing[0]}=..." >&2
    exit 2
  fi
  for file in "$@"; do
    echo "-- $file"
    # Only the named variables: anything else that looks like $x in SQL stays as written.
    envsubst "$(echo $names)" <"$file"
    echo
  done
}

work=$(mktemp -d /tmp/tributary-sql.XXXXXX)
init="$work/init.sql"
{
  echo "-- docker/sql-client.sh: the connector bundle goes with every job to the cluster."
  echo "SET 'pipeline.jars' = 'file://$bundle';"
  if [[ ${#inits[@]} -gt 0 ]]; then
    render "${inits[@]}"
  fi
} >"$init"
args=(embedded -i "$init")
if [[ -n "$script" ]]; then
  render "$script" >"$work/script.sql"
  args+=(-f "$work/script.sql")
fi

# The Iceberg catalog and the connectors' table factories must be on the client JVM's own
# classpath (pipeline.jars alone is not enough, and ADD JAR on top would load them twice).
# sql-client.sh appends HADOOP_CLASSPATH to its classpath; lib/ is the cluster's and must not hold
# the bundle (see docker/Dockerfile). Set here only, never for the JobManager or TaskManager.
export HADOOP_CLASSPATH="$bundle"
exec "$FLINK_HOME/bin/sql-client.sh" "${args[@]}"
