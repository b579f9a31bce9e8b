#!/usr/bin/env bash
# Runs every Herald test: builds the solution once (Release), starts a throwaway PostgreSQL 15
# cluster for the tests that need one, runs all test projects, and prints the totals as the
# last line of output: "N passed, N failed" (", N skipped" when some were skipped).
# Exits non-zero if the build fails, a test fails, no results were written or no test ran.
#
#   scripts/test.sh                                   everything
#   scripts/test.sh --filter "FullyQualifiedName~Receiver"   extra arguments go to `dotnet test`
#
# Environment:
#   HERALD_FUZZ_SEED      the route fuzz test's seed (default: a new one each run, printed before the tests)
#   HERALD_TEST_POSTGRES  a connection string to use an existing database instead of a throwaway cluster
#   HERALD_TEST_RESULTS   keep the TRX files in a new directory under this one (default: removed)
#   HERALD_PG_BIN         PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   HERALD_CHROMIUM       the chromium the browser tests need (default /usr/bin/chromium; installed with apt-get when missing)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

PG_BIN=${HERALD_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_STARTED=0
RESULTS_DIR=""
KEEP_RESULTS=0

section() { printf '\n=== %s\n' "$*"; }
error() { printf 'test.sh: ERROR: %s\n' "$*" >&2; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# PostgreSQL refuses to run as root, so as root the cluster belongs to the postgres user.
as_postgres() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  if [ "$PG_STARTED" = 1 ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    PG_STARTED=0
  fi
  if [ -n "$PG_DIR" ]; then
    rm -rf "$PG_DIR"
    PG_DIR=""
  fi
  if [ "$KEEP_RESULTS" = 0 ] && [ -n "$RESULTS_DIR" ]; then
    rm -rf "$RESULTS_DIR"
    RESULTS_DIR=""
  fi
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

summary_line() { # passed failed skipped
  if [ "$3" -gt 0 ]; then
    printf '%s passed, %s failed, %s skipped\n' "$1" "$2" "$3"
  else
    printf '%s passed, %s failed\n' "$1" "$2"
  fi
}

install_postgres() {
  section "Installing PostgreSQL (apt-get)"
  local sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      error "PostgreSQL server binaries are missing ($PG_BIN/initdb) and installing them needs root."
      error "Run as root, or: sudo apt-get install postgresql-15 (or set HERALD_PG_BIN / HERALD_TEST_POSTGRES)."
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    error "PostgreSQL server binaries are missing ($PG_BIN/initdb) and there is no apt-get to install them."
    error "Install PostgreSQL 15, or set HERALD_PG_BIN / HERALD_TEST_POSTGRES."
    return 1
  fi
  local log
  log=$(mktemp)
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
     ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    error "apt-get could not install PostgreSQL (output above)."
    return 1
  fi
  rm -f "$log"
  if [ ! -x "$PG_BIN/initdb" ]; then
    error "apt-get installed PostgreSQL, but not at $PG_BIN (found: $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tr '\n' ' '))."
    error "Set HERALD_PG_BIN to the installed version's bin directory."
    return 1
  fi
  echo "installed $("$PG_BIN/postgres" --version)"
}

# The dashboard's browser tests drive Debian's chromium (Playwright's own browser download is not used).
CHROMIUM=${HERALD_CHROMIUM:-/usr/bin/chromium}

install_chromium() {
  if [ -x "$CHROMIUM" ]; then
    return 0
  fi
  section "Installing chromium for the browser tests (apt-get)"
  local sudo=()
  if ! is_root; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      error "chromium is missing ($CHROMIUM) and installing it needs root."
      error "Run as root, or: sudo apt-get install chromium."
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    error "chromium is missing ($CHROMIUM) and there is no apt-get to install it. Install chromium."
    return 1
  fi
  local log
  log=$(mktemp)
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
     ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    error "apt-get could not install chromium (output above)."
    return 1
  fi
  rm -f "$log"
  if [ ! -x "$CHROMIUM" ]; then
    error "apt-get installed chromium, but not at $CHROMIUM."
    return 1
  fi
  echo "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    # A refused connection means nothing listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  return 1
}

start_postgres() {
  if [ -n "${HERALD_TEST_POSTGRES:-}" ]; then
    section "PostgreSQL: using HERALD_TEST_POSTGRES from the environment"
    return 0
  fi
  if [ ! -x "$PG_BIN/initdb" ]; then
    install_postgres
  fi

  section "PostgreSQL: throwaway cluster"
  if is_root; then
    if ! id postgres >/dev/null 2>&1; then
      error "running as root but there is no 'postgres' user to own the cluster."
      return 1
    fi
    PG_DIR=$(mktemp -d /tmp/herald-pg.XXXXXX)
    chown postgres "$PG_DIR"
  else
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/herald-pg.XXXXXX")
  fi

  if ! as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
      >"$PG_DIR/initdb.out" 2>&1; then
    cat "$PG_DIR/initdb.out" >&2
    error "initdb failed (output above)."
    return 1
  fi

  # Durability settings only guard against an OS crash, which a test cluster never survives anyway.
  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port) || { error "no free TCP port found."; return 1; }
    PG_STARTED=1
    if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 -o \
        "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$PG_DIR' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1; then
      export HERALD_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
      echo "$("$PG_BIN/postgres" --version) on 127.0.0.1:$port"
      echo "HERALD_TEST_POSTGRES=$HERALD_TEST_POSTGRES"
      return 0
    fi
    # Most likely another process took the port between the probe and the bind: try another.
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    PG_STARTED=0
  done
  tail -n 30 "$PG_DIR/postgres.log" >&2 || true
  error "PostgreSQL did not start (log above)."
  return 1
}

# Sums the <Counters> of every TRX file; prints "total passed failed skipped".
count_results() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$@" <<'PY'
import sys
import xml.etree.ElementTree as ET

total = passed = failed = skipped = 0
for path in sys.argv[1:]:
    for element in ET.parse(path).getroot().iter():
        if element.tag.rsplit("}", 1)[-1] == "Counters":
            count = lambda key: int(element.get(key, "0"))
            total += count("total")
            passed += count("passed")
            failed += count("failed") + count("error") + count("timeout") + count("aborted")
            # The TRX logger leaves notExecuted at 0 for skipped xUnit tests; they show as total - executed.
            skipped += max(count("notExecuted"), count("total") - count("executed"))
print(total, passed, failed, skipped)
PY
    return
  fi
  local file counters key value total=0 passed=0 failed=0 skipped=0
  local -A c
  for file in "$@"; do
    counters=$(grep -o '<Counters [^>]*>' "$file" | head -n 1)
    [ -n "$counters" ] || return 1
    for key in total executed passed failed error timeout aborted notExecuted; do
      value=$(printf '%s\n' "$counters" | sed -n "s/.* $key=\"\([0-9]*\)\".*/\1/p")
      c[$key]=${value:-0}
    done
    total=$((total + c[total]))
    passed=$((passed + c[passed]))
    failed=$((failed + c[failed] + c[error] + c[timeout] + c[aborted]))
    value=$((c[total] - c[executed]))
    skipped=$((skipped + (c[notExecuted] > value ? c[notExecuted] : value)))
  done
  echo "$total $passed $failed $skipped"
}

start_postgres
install_chromium

section "Build (Release)"
build_args=()
# A CI job must not leave compiler servers behind holding its output open.
if [ "${CI:-}" = true ]; then build_args+=(--disable-build-servers); fi
if ! dotnet build Herald.slnx -c Release -nologo "${build_args[@]}"; then
  cleanup
  error "the build failed."
  summary_line 0 0 0
  exit 1
fi

if [ -n "${HERALD_TEST_RESULTS:-}" ]; then
  mkdir -p "$HERALD_TEST_RESULTS"
  RESULTS_DIR=$(mktemp -d "$HERALD_TEST_RESULTS/run.XXXXXX")
  KEEP_RESULTS=1
else
  RESULTS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/herald-results.XXXXXX")
fi

section "Test"
# The route fuzz test (Fuzz/HostileRequestsTests) draws its requests from this seed, printed here
# so that a failed run can be replayed: HERALD_FUZZ_SEED=N scripts/test.sh --filter HostileRequests
export HERALD_FUZZ_SEED=${HERALD_FUZZ_SEED:-$(((RANDOM << 15) | RANDOM))}
echo "fuzz seed: HERALD_FUZZ_SEED=$HERALD_FUZZ_SEED"
test_rc=0
dotnet test Herald.slnx -c Release --no-build --logger "trx;LogFilePrefix=r" --results-directory "$RESULTS_DIR" "$@" ||
  test_rc=$?

section "Results"
trx_files=()
while IFS= read -r -d '' file; do trx_files+=("$file"); done < <(find "$RESULTS_DIR" -name '*.trx' -print0)

status=0
total=0 passed=0 failed=0 skipped=0
if [ "${#trx_files[@]}" -eq 0 ]; then
  error "no TRX results were written (dotnet test exit code $test_rc)."
  status=1
elif ! counts=$(count_results "${trx_files[@]}"); then
  error "could not read the TRX results in $RESULTS_DIR."
  KEEP_RESULTS=1
  status=1
else
  read -r total passed failed skipped <<<"$counts"
  if [ "$KEEP_RESULTS" = 1 ]; then
    echo "${#trx_files[@]} result file(s) kept in $RESULTS_DIR"
  else
    echo "${#trx_files[@]} result file(s)"
  fi
  if [ "$total" -eq 0 ]; then
    error "no tests ran."
    status=1
  fi
  if [ "$failed" -gt 0 ]; then
    status=1
  fi
fi
if [ "$test_rc" -ne 0 ] && [ "$status" -eq 0 ]; then
  # Counters can look clean when a test host crashed before reporting.
  error "dotnet test exited with code $test_rc."
  status=1
fi

cleanup
summary_line "$passed" "$failed" "$skipped"
exit "$status"
