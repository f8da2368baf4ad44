#!/bin/sh
# Start script for the Federation gateway audit (graphql-hive/federation-gateway-audit), which
# runs it as `run.sh TEST_ID` in this folder before each suite and then queries
# http://127.0.0.1:4000/graphql. It serves shopgraph's router on the suite's supergraph:
#   - by default the supergraph the audit serves (composed by Apollo's composition);
#   - with SHOPGRAPH_COMPOSER=ours, shopgraph's own composition of the suite's subgraphs,
#     each read from its running `_service { sdl }` as `shopgraph compose --from-running` does.
# AUDIT_URL (default http://localhost:4200) is the audit's server; work files go to
# $SHOPGRAPH_AUDIT_WORK (default build/audit/<TEST_ID> in the checkout).
set -eu
test_id="$1"
audit="${AUDIT_URL:-http://localhost:4200}"
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
work="${SHOPGRAPH_AUDIT_WORK:-$repo/build/audit}/$test_id"
mkdir -p "$work"

# The audit starts its suite's subgraphs as it calls us: retry the first fetches for a while.
fetch() {
  attempt=0
  until curl -sf "$audit/$test_id/$1" -o "$work/$2"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 40 ]; then
      echo "run.sh: $audit/$test_id/$1 did not answer" >&2
      exit 1
    fi
    sleep 0.25
  done
}

fetch supergraph supergraph.graphql
supergraph="$work/supergraph.graphql"
if [ "${SHOPGRAPH_COMPOSER:-apollo}" = ours ]; then
  fetch subgraphs subgraphs.json
  "$repo/.venv/bin/python" - "$work/subgraphs.json" "$work/subgraphs.yaml" <<'PY'
import json, sys
subgraphs = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    out.write("subgraphs:\n")
    for subgraph in subgraphs:
        out.write(f"  {json.dumps(subgraph['name'])}:\n    url: {json.dumps(subgraph['url'])}\n")
PY
  "$repo/.venv/bin/shopgraph" compose --from-running --config "$work/subgraphs.yaml" \
    --out "$work/ours.graphql"
  supergraph="$work/ours.graphql"
fi
cd "$repo"
exec .venv/bin/shopgraph router --supergraph "$supergraph" --port 4000
