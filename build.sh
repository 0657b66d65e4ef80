#!/usr/bin/env bash
# Build, install test prerequisites, and test Opencode.Sessions.
#
#   ./build.sh            build everything (Release)
#   ./build.sh test       install what the tests need (opencode via npm into the library's cache, openssh-server and
#                         postgresql via apt when missing), build, run every test, print "N passed, N failed, N skipped"
#   ./build.sh pack       build NuGet packages into artifacts/packages
#   ./build.sh bench      run the benchmarks under bench/
#
# Test filters: TEST_FILTER='FullyQualifiedName~Protocol' ./build.sh test
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
CONFIG=${CONFIG:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\n==> %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "build.sh: need root (or sudo) to install $*; install them yourself: apt-get install -y $*" >&2
    exit 1
  fi
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq >&2; apt_updated=1; fi
  # Never start system services as a side effect of installing a package: tests start their own servers.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null; $SUDO chmod +x $policy; created_policy=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >&2 || { [ $created_policy = 1 ] && $SUDO rm -f $policy; return 1; }
  if [ $created_policy = 1 ]; then $SUDO rm -f $policy; fi
}

ensure_test_prerequisites() {
  local missing=()
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh >/dev/null || missing+=(openssh-client)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v setsid >/dev/null || missing+=(util-linux)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing with apt: ${missing[*]}"
    apt_install "${missing[@]}"
  fi
}

build() {
  log "dotnet build ($CONFIG)"
  dotnet build Opencode.Sessions.sln -c "$CONFIG" -nologo -clp:ErrorsOnly -v:q
}

install_opencode() {
  # Uses the library's own installer (the same code path applications use), into the per-user cache.
  log "ensuring opencode is installed (library installer)"
  dotnet "samples/Opencode.Sessions.Demo/bin/$CONFIG/net10.0/Opencode.Sessions.Demo.dll" --install-only >&2
}

run_tests() {
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  local status=0
  local filter=()
  [ -n "${TEST_FILTER:-}" ] && filter=(--filter "$TEST_FILTER")
  local timings=()
  # Two NUnit workers: one per core. The integration tests mostly wait on opencode, sshd and PostgreSQL, which need
  # the cores themselves; more workers only lengthen every test's wall time on a 2-core machine.
  for project in tests/Opencode.Sessions.Tests tests/Opencode.Sessions.ExtensionTests tests/Opencode.Sessions.IntegrationTests; do
    log "dotnet test $project"
    local started=$SECONDS
    dotnet test "$project" -c "$CONFIG" --no-build -nologo \
      --logger "trx;LogFilePrefix=$(basename "$project")" --logger "console;verbosity=normal" \
      --results-directory "$results" "${filter[@]}" -- NUnit.NumberOfTestWorkers=2 >&2 || status=$?
    timings+=("$(basename "$project")=$((SECONDS - started))")
  done
  summarize "$results" "${timings[@]}"
  return $status
}

summarize() {
  # Per project: counts, wall time and the slowest tests; then the last line, the sum of every TRX file:
  # "N passed, N failed, N skipped" (.ci/run greps it, so it stays last).
  python3 - "$@" <<'PY' 2>/dev/null || awk 'BEGIN{print "0 passed, 1 failed, 0 skipped"}'
import sys, glob, os, xml.etree.ElementTree as ET
results, timings = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
def counts(c):
    return (int(c.get("passed", 0)),
            int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0)),
            int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0)))
def seconds(d):
    h, m, s = d.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
def clock(t):
    t = int(t)
    return f"{t // 60}m{t % 60:02d}s" if t >= 60 else f"{t}s"
P = F = S = 0
for project, wall in timings.items():
    p = f = s = 0
    slow = []
    for path in glob.glob(os.path.join(results, project + "_*.trx")):
        root = ET.parse(path).getroot()
        c = root.find(".//{*}Counters")
        if c is not None:
            cp, cf, cs = counts(c); p += cp; f += cf; s += cs
        slow += [(seconds(r.get("duration")), r.get("testName")) for r in root.findall(".//{*}UnitTestResult") if r.get("duration")]
    P += p; F += f; S += s
    print(f"{project}: {p} passed, {f} failed, {s} skipped in {clock(wall)}")
    slow.sort(reverse=True)
    if slow:
        print("  slowest: " + "; ".join(f"{name} {clock(d)}" for d, name in slow[:5]))
if not timings:
    for path in glob.glob(results + "/*.trx"):
        c = ET.parse(path).getroot().find(".//{*}Counters")
        if c is not None:
            cp, cf, cs = counts(c); P += cp; F += cf; S += cs
print(f"{P} passed, {F} failed, {S} skipped")
PY
}

case "${1:-build}" in
  build) build ;;
  test)
    ensure_test_prerequisites
    build
    install_opencode
    run_tests
    ;;
  pack)
    log "dotnet pack"
    dotnet pack Opencode.Sessions.sln -c "$CONFIG" -nologo -o artifacts/packages
    ;;
  bench)
    build
    dotnet run -c Release --project bench/Opencode.Sessions.Benchmarks -- "${@:2}"
    ;;
  *) echo "usage: ./build.sh [build|test|pack|bench]" >&2; exit 2 ;;
esac
