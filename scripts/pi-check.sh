#!/usr/bin/env bash
# pi-check.sh: the arm64 proof. In the emulated arm64 Debian root of ../shared/lab/pi-root.sh
# (a stand-in for a 64-bit Raspberry Pi OS; Trixie by default), from this checkout's tracked
# files:
#   1. npm ci (the native modules compiled for arm64) and npm run build;
#   2. scripts/install.sh --root into a scratch tree, twice (the second run must find
#      node_modules up to date), then checks the unit, the user and groups, the marker
#      (lock sum, arm64, the module ABI) and that every native module the service loads is
#      an "ARM aarch64" file;
#   3. the installed service started with its unit's ExecStart and Environment (no systemd in
#      a chroot: NOTIFY_SOCKET points at a receiver here), READY=1 and /healthz awaited, one
#      tap on a simulated reader through the API, SIGTERM, exit status 0;
#   4. the hardware tests on pcscd + virtual badges (vpcd) and pty pairs inside the root;
#   5. the same fixed commands on the host and in the root, for the emulation's slowdown;
# then prints each phase's time. Phases 3-5 run in a private network and pid namespace: the
# root shares the host's kernel, and its pcscd, vpcd ports and gateway must not meet those of
# tests running on the host meanwhile.
#
# Usage: sudo scripts/pi-check.sh [options]          (npm run pi-check -- [options])
#   --root DIR      the root (default /tmp/pi-root-SUITE; built first when missing, ~25 min)
#   --suite S       trixie (default) or bookworm
#   --lab DIR       the lab scripts (default PINTU_LAB_DIR, else ../shared/lab)
#   --no-create     fail instead of building a missing root
#   --tests "F..."  the test files of phase 4 (default: hw-pcsc, hw-serial, access)
#   --from PHASE    start at PHASE (packages copy npm build install installed service tests
#                   slowdown), keeping what the earlier phases left in the root
# PINTU_TEST_TIME_SCALE (default 30) multiplies the tests' time limits in phase 4 (emulation is
# 10-25x slower; test/support/limits.ts).
# The root gets the packages the check needs (vpcd, virtual card, socat, systemd for
# systemd-sysusers/systemctl --root/systemd-notify) through pi-root.sh's PI_EXTRA_PACKAGES.
# The work folder inside the root (/root/pi-check) is replaced at each run.
set -euo pipefail

SELF=$(basename "$0")
W=${PI_CHECK_WORK:-/root/pi-check} # inside the root (PI_CHECK_WORK: to try a phase on the host)
APP=$W/pintu
TARGET=$W/target
DEFAULT_TESTS="test/system/hw-pcsc.test.ts test/system/hw-serial.test.ts test/unit/access.test.ts"
SLOW_TEST=test/unit/access.test.ts
# A fixed JavaScript workload (objects, strings, sorting, JSON) timed inside node, so the
# emulation's slowdown is read without node's start-up in it.
WORKLOAD='const t=performance.now();let a=[];for(let i=0;i<100000;i++)a.push({i,s:String((i*7919)%100003)});a.sort((x,y)=>x.s<y.s?-1:x.s>y.s?1:0);const n=JSON.parse(JSON.stringify(a)).length;console.log((performance.now()-t).toFixed(0),n)'

die() {
  printf '%s: %s\n' "$SELF" "$*" >&2
  exit 1
}
say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ================================================================ inside the root
# `pi-check.sh --inside PHASE`: what runs in the root (arm64 node, npm, bash).

inside_npm() {
  cd "$APP"
  echo "node $(node --version) ($(node -p 'process.arch + " ABI " + process.versions.modules')), npm $(npm --version)"
  npm ci --no-audit --no-fund
}

inside_build() {
  cd "$APP"
  npm run build
}

inside_install() {
  cd "$APP"
  bash scripts/install.sh --root "$TARGET" --skip-build --no-start
}

inside_install_again() {
  cd "$APP"
  local out
  out=$(bash scripts/install.sh --root "$TARGET" --skip-build --no-start 2>&1) || {
    printf '%s\n' "$out"
    return 1
  }
  printf '%s\n' "$out" | sed -n '/== Application/,/== User\|== Configuration/p'
  printf '%s\n' "$out" | grep -q 'node_modules up to date' ||
    { echo "the second install did not find node_modules up to date"; return 1; }
}

# The shared objects the service's native modules map, as the root's node sees them after
# requiring them the way install.sh's check does.
inside_natives() {
  node -e '
    const load = require("node:module").createRequire(`${process.argv[1]}/package.json`);
    for (const m of ["@serialport/bindings-cpp", "epoll", "@pokusew/pcsclite", "nfc-pcsc"]) load(m);
    const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8");
    const files = new Set(maps.split("\n").map((l) => l.split(/\s+/)[5]).filter((f) => f && f.endsWith(".node")));
    console.log([...files].join("\n"));
  ' "$TARGET/opt/pintu"
}

# The service as its unit starts it: ExecStart and Environment= of the installed unit, paths
# into the scratch tree, the embedded defaults (simulated doors and readers) for the
# configuration: the chroot has no GPIO and no serial port; the hardware paths are phase 4's.
inside_service() {
  local unit=$TARGET/etc/systemd/system/pintu.service dropin
  dropin=$TARGET/etc/systemd/system/pintu.service.d/10-node.conf
  local exec_line
  exec_line=$(sed -n 's/^ExecStart=\(.\+\)$/\1/p' "$unit" | tail -n1)
  if [ -f "$dropin" ]; then exec_line=$(sed -n 's/^ExecStart=\(.\+\)$/\1/p' "$dropin" | tail -n1); fi
  [ -n "$exec_line" ] || { echo "no ExecStart in $unit"; return 1; }
  exec_line=${exec_line//\/opt\/pintu/$TARGET/opt/pintu}
  local -a cmd env_vars
  read -r -a cmd <<<"$exec_line"
  while IFS= read -r v; do
    case $v in
      PINTU_CONFIG=*) ;; # the Pi's configuration names GPIO pins and serial ports
      PINTU_DATA_DIR=*) env_vars+=("PINTU_DATA_DIR=$W/data") ;;
      *) env_vars+=("$v") ;;
    esac
  done < <(sed -n 's/^Environment=//p' "$unit")
  echo "ExecStart: ${cmd[*]}"
  echo "Environment: ${env_vars[*]}"
  rm -rf "$W/data" "$W/notify.sock" "$W/notify.log"
  mkdir -p "$W/data"
  # systemd's notification socket: a datagram receiver that notes when each message came.
  # Passed file descriptors (systemd-notify's BARRIER=1) are not accepted, so the kernel
  # closes them and the sender's barrier completes, as when PID 1 reads the message.
  python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        log.write("%.3f %s\n" % (time.time(), msg.replace("\n", " ")))
' "$W/notify.sock" "$W/notify.log" &
  local receiver=$!
  for _ in $(seq 1 100); do [ -S "$W/notify.sock" ] && break; sleep 0.1; done
  local t0 t_ready="" t_health="" pid
  t0=$(now)
  (cd "$W/data" && exec env "${env_vars[@]}" NOTIFY_SOCKET="$W/notify.sock" "${cmd[@]}") >"$W/service.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 6000); do # up to 600 s: the first start hashes the admin password (scrypt)
    kill -0 "$pid" 2>/dev/null || { cat "$W/service.log"; echo "the service exited before it was ready"; return 1; }
    if [ -z "$t_ready" ] && grep -q 'READY=1' "$W/notify.log" 2>/dev/null; then t_ready=$(now); fi
    if [ -z "$t_health" ] && curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null; then t_health=$(now); fi
    [ -n "$t_ready" ] && [ -n "$t_health" ] && break
    sleep 0.1
  done
  [ -n "$t_ready" ] && [ -n "$t_health" ] || { cat "$W/service.log"; echo "no READY=1 or /healthz in 600 s"; return 1; }
  echo "spawn -> READY=1: $(secs "$t0" "$t_ready") s; spawn -> /healthz: $(secs "$t0" "$t_health") s"
  echo "healthz: $(curl -fsS http://127.0.0.1:8080/healthz)"
  local tap
  tap=$(env "${env_vars[@]}" node "$TARGET/opt/pintu/dist/cli.js" tap --reader pintu-utama-in --uid 04A1B2C3D4E501)
  echo "tap: $tap"
  case $tap in GRANTED* | DENIED*) ;; *) echo "the tap got no decision"; return 1 ;; esac
  local t_stop status=0
  t_stop=$(now)
  kill -TERM "$pid"
  wait "$pid" || status=$?
  echo "SIGTERM -> exit $status: $(secs "$t_stop" "$(now)") s"
  kill "$receiver" 2>/dev/null || true
  [ "$status" = 0 ] || { tail -n 20 "$W/service.log"; return 1; }
  echo "notifications: $(cut -d' ' -f2- "$W/notify.log" | grep -v '^BARRIER=1$' | tr '\n' '|')"
}

inside_tests() {
  cd "$APP"
  # The tests' time limits (vitest's 20 s a test and 30 s a hook, the limits written in a test
  # file, the deadlines of eventually()) are for a real machine; emulation is 15-25x slower.
  # PINTU_TEST_TIME_SCALE multiplies them all (test/support/limits.ts); passed from the host
  # when set there.
  # shellcheck disable=SC2086 # a list of files
  CI=true PCSCD_ARGS="--info --disable-polkit" PINTU_TEST_TIME_SCALE="${PINTU_TEST_TIME_SCALE:-30}" \
    node_modules/.bin/vitest run $PI_CHECK_TESTS
}

inside_slow() {
  cd "$APP"
  node_modules/.bin/vitest run "$SLOW_TEST" >/dev/null
}

inside_workload() { node -e "$WORKLOAD"; }

if [ "${1:-}" = --inside ]; then
  phase=$2
  "inside_${phase//-/_}"
  exit
fi

# ================================================================ on the host

SRC=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${PI_SUITE:-trixie}
ROOT=${PI_ROOT:-}
LAB=${PINTU_LAB_DIR:-$SRC/../shared/lab}
NO_CREATE=0
TESTS=$DEFAULT_TESTS
PHASES=(packages copy npm build install installed service tests slowdown)
FROM=packages
while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=$2; shift ;;
    --suite) SUITE=$2; shift ;;
    --lab) LAB=$2; shift ;;
    --no-create) NO_CREATE=1 ;;
    --tests) TESTS=$2; shift ;;
    --from) FROM=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (--help)" ;;
  esac
  shift
done
ROOT=${ROOT:-/tmp/pi-root-$SUITE}
phase_index() {
  local i
  for i in "${!PHASES[@]}"; do [ "${PHASES[$i]}" != "$1" ] || { echo "$i"; return 0; }; done
  die "no phase $1 (${PHASES[*]})"
}
FROM_INDEX=$(phase_index "$FROM")
want() { [ "$(phase_index "$1")" -ge "$FROM_INDEX" ]; }
LAB=$(cd "$LAB" 2>/dev/null && pwd) || die "no lab folder (--lab or PINTU_LAB_DIR): ${PINTU_LAB_DIR:-$SRC/../shared/lab}"
PI_ROOT_SH=$LAB/pi-root.sh
[ -x "$PI_ROOT_SH" ] || die "no $PI_ROOT_SH"
[ "$(id -u)" = 0 ] || die "run as root (pi-root.sh chroots and mounts): sudo $0"
command -v file >/dev/null || die "file(1) is needed on the host (apt-get install file)"
# pi-root.sh deletes a leftover ROOT.partial before building: never while a build runs.
if [ ! -e "$ROOT/.pi-root-complete" ] && [ -e "$ROOT.partial" ]; then
  die "$ROOT.partial exists: a build of the root is under way (wait for it) or failed (remove it)"
fi
[ -e "$ROOT/.pi-root-complete" ] || [ "$NO_CREATE" = 0 ] || die "no root at $ROOT (and --no-create)"

export PI_SUITE=$SUITE PI_ROOT=$ROOT
export PI_EXTRA_PACKAGES=vsmartcard-vpcd,python3-virtualsmartcard,python3-pycryptodome,socat,systemd
NAMES=()
TIMES=()
# in_root [--isolated] PHASE: this script's PHASE inside the root, timed; --isolated in a
# private network (loopback only) and pid namespace, which ends every process left inside.
in_root() {
  local isolated=0
  if [ "$1" = --isolated ]; then isolated=1; shift; fi
  local name=$1 t0 status=0
  say "$name (in the arm64 root)"
  t0=$(now)
  if [ "$isolated" = 1 ]; then
    unshare --net --pid --fork --kill-child -- bash -c 'ip link set lo up && exec "$@"' pi-check \
      "$PI_ROOT_SH" --env "PI_CHECK_TESTS=$TESTS" -- bash "$W/pi-check.sh" --inside "$name" || status=$?
  else
    "$PI_ROOT_SH" --env "PI_CHECK_TESTS=$TESTS" -- bash "$W/pi-check.sh" --inside "$name" || status=$?
  fi
  NAMES+=("$name")
  TIMES+=("$(secs "$t0" "$(now)")")
  [ "$status" = 0 ] || die "phase $name failed (status $status)"
}

T_START=$(now)
if want packages; then
  say "root $ROOT ($SUITE): packages"
  t0=$(now)
  "$PI_ROOT_SH" -- 'echo "node $(node --version) on $(uname -m), Debian $(cat /etc/debian_version)"'
  NAMES+=(packages)
  TIMES+=("$(secs "$t0" "$(now)")")
fi

if want copy; then
  say "copy the tracked files of $SRC to $W/pintu in the root"
  t0=$(now)
  rm -rf "${ROOT:?}$W"
  mkdir -p "$ROOT$APP" "$ROOT$W/shared/lab"
  # The tracked files as they are in the work tree (a deleted one is skipped); never
  # node_modules, dist or data folders, which are not tracked.
  git -C "$SRC" ls-files -z | tar -C "$SRC" --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -C "$ROOT$APP" -xf -
  # The lab where the tests look for it by default (../shared/lab from the checkout).
  tar -C "$LAB" -cf - . | tar -C "$ROOT$W/shared/lab" -xf -
  NAMES+=(copy)
  TIMES+=("$(secs "$t0" "$(now)")")
fi
# This script, for the phases inside (also when starting at a later phase).
install -D -m 0755 "$0" "$ROOT$W/pi-check.sh"

if want npm; then in_root npm; fi
if want build; then in_root build; fi
if want install; then
  in_root install
  in_root install-again
fi

abi=$("$PI_ROOT_SH" -- node -p 'process.versions.modules' 2>/dev/null | tail -n1)
if want installed; then
  say "install: what it installed"
  T=$ROOT$TARGET
  cmp "$SRC/systemd/pintu.service" "$T/etc/systemd/system/pintu.service" || die "the installed unit differs"
  [ -L "$T/etc/systemd/system/multi-user.target.wants/pintu.service" ] || die "pintu.service is not enabled"
  grep -q '^pintu:' "$T/etc/passwd" || die "no user pintu in $T/etc/passwd"
  for g in gpio dialout; do
    grep -Eq "^$g:[^:]*:[0-9]+:(.*,)?pintu(,|$)" "$T/etc/group" || die "pintu is not in group $g"
  done
  marker="$(sha256sum "$SRC/package-lock.json" | cut -d' ' -f1) arm64 node-abi-$abi"
  [ "$(cat "$T/opt/pintu/.package-lock.sha256")" = "$marker" ] ||
    die "marker: '$(cat "$T/opt/pintu/.package-lock.sha256")', expected '$marker'"
  echo "unit, enabled; user pintu in gpio and dialout; marker '$marker'"
  loaded=$("$PI_ROOT_SH" -- bash "$W/pi-check.sh" --inside natives 2>/dev/null | grep '\.node$' || true)
  [ "$(printf '%s\n' "$loaded" | grep -c .)" -ge 3 ] || die "fewer than 3 native modules mapped: $loaded"
  while IFS= read -r f; do
    kind=$(file -b "$ROOT$f")
    echo "  ${f#"$TARGET"/opt/pintu/}: ${kind%%, BuildID*}"
    case $kind in *"ARM aarch64"*) ;; *) die "$f is not an arm64 module: $kind" ;; esac
  done <<<"$loaded"
  # Anything npm compiled (build/ folders; prebuilds/ hold every platform's on purpose).
  while IFS= read -r f; do
    case $(file -b "$f") in *"ARM aarch64"*) ;; *) die "${f#"$ROOT"} is not arm64: $(file -b "$f")" ;; esac
  done < <(find "$T/opt/pintu/node_modules" -name '*.node' -path '*/build/*')
fi

if want service; then in_root --isolated service; fi
if want tests; then in_root --isolated tests; fi

say "slowdown: the same commands on the host and in the root"
t0=$(now)
(cd "$SRC" && node_modules/.bin/vitest run "$SLOW_TEST" >/dev/null)
host_vitest=$(secs "$t0" "$(now)")
host_work=$(node -e "$WORKLOAD" | cut -d' ' -f1)
in_root --isolated slow
root_vitest=${TIMES[-1]}
root_work=$("$PI_ROOT_SH" -- bash "$W/pi-check.sh" --inside workload 2>/dev/null | tail -n1 | cut -d' ' -f1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }

say "summary ($(uname -m) host, arm64 root $SUITE: node $("$PI_ROOT_SH" -- node --version 2>/dev/null | tail -n1), ABI $abi)"
echo "  load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (a busy host inflates every figure)"
for i in "${!NAMES[@]}"; do printf '  %-14s %8s s\n' "${NAMES[$i]}" "${TIMES[$i]}"; done
printf '  %-14s %8s s\n' total "$(secs "$T_START" "$(now)")"
printf '  slowdown: vitest run %s %s s host, %s s root: x%s\n' "$SLOW_TEST" "$host_vitest" "$root_vitest" "$(ratio "$host_vitest" "$root_vitest")"
printf '  slowdown: node -e workload %s ms host, %s ms root: x%s\n' "$host_work" "$root_work" "$(ratio "$host_work" "$root_work")"
echo "pi-check: arm64 check passed"
