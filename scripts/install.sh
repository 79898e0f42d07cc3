#!/usr/bin/env bash
# Install Pintu on a Raspberry Pi (Raspberry Pi OS Bookworm) from this checkout, as a
# hardened systemd service. Idempotent: run it again after `git pull` to upgrade; it never
# overwrites /etc/pintu/pintu.yaml or the data in /var/lib/pintu.
#
#   sudo scripts/install.sh                      the real thing
#   scripts/install.sh --dry-run                 print every action, change nothing
#   scripts/install.sh --root /tmp/img ...       install into a directory tree (CI, images)
#
# What it does, in order (each step printed as it runs):
#   1. checks Node.js (20.19+, 22.12+, 24+)     6. /etc/pintu (config, only if none yet)
#   2. apt packages (pcscd, gpiod, ...)         7. /var/lib/pintu (0750 pintu:pintu), its
#                                                  site key keys/site.key (0600); 7b. MQTT
#                                                  TLS: a local CA and the broker certificate
#   3. user "pintu", groups gpio/dialout        8. udev, modprobe, polkit (if pcscd has it)
#   4. builds dist/ in a scratch copy           9. config.txt: prints the fragment
#   5. /opt/pintu (+ npm ci --omit=dev)        10. systemd units, enabled and (re)started
set -euo pipefail

SELF=$(basename "$0")
SRC=$(cd "$(dirname "$0")/.." && pwd)
# Node.js releases Pintu runs on: package.json's engines.node (^20.19.0 || ^22.12.0 || >=24.0.0),
# the highest floor of its dependencies and tools (test/unit/node-floor.test.ts): 20.19 and
# 22.12 are where require() of ES modules works unflagged, which fastify's cookie and
# @fastify/static's content-disposition need.
NODE_SUPPORTED="20.19+, 22.12+ or 24 and newer"

ROOT=""
DRY_RUN=0
SKIP_PACKAGES=0
SKIP_BUILD=0
SKIP_NPM=0
NO_START=0
APPLY_BOOT=0
BOOT_CONFIG=""
CONFIG_SRC="$SRC/firmware-config/pintu.pi.yaml"
NODE_BIN=""
DIST=""
PREFIX=/opt/pintu

usage() {
  cat <<EOF
Usage: $SELF [options]

  --dry-run             print every action without doing it
  --root DIR            install into DIR as the root of another system (CI, SD card images):
                        no apt, no udevadm/modprobe, units enabled with systemctl --root
  --skip-packages       do not install apt packages
  --skip-build          install the dist/ of this checkout as it is (no build)
  --dist DIR            install this built dist/ (implies --skip-build)
  --skip-npm            do not run npm ci --omit=dev in $PREFIX (keep its node_modules)
  --no-start            enable the service but do not (re)start it
  --config FILE         first configuration for /etc/pintu/pintu.yaml when there is none
                        (default: firmware-config/pintu.pi.yaml)
  --node PATH           node binary the service runs (default: node on PATH; /usr/bin/node
                        in --root mode)
  --apply-boot-config   append firmware-config/config.txt to the Pi's config.txt between
                        markers (replacing an older copy; backup first) instead of printing it
  --boot-config FILE    that config.txt (default /boot/firmware/config.txt, else /boot/config.txt)
  -h, --help            this text
EOF
}

die() {
  printf '%s: %s\n' "$SELF" "$*" >&2
  exit 1
}
note() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --root)
      [ $# -ge 2 ] || die "--root needs a directory"
      ROOT=$2
      shift
      ;;
    --root=*) ROOT=${1#--root=} ;;
    --skip-packages) SKIP_PACKAGES=1 ;;
    --skip-build) SKIP_BUILD=1 ;;
    --dist)
      [ $# -ge 2 ] || die "--dist needs a directory"
      DIST=$2
      SKIP_BUILD=1
      shift
      ;;
    --skip-npm) SKIP_NPM=1 ;;
    --no-start) NO_START=1 ;;
    --apply-boot-config) APPLY_BOOT=1 ;;
    --boot-config)
      [ $# -ge 2 ] || die "--boot-config needs a file"
      BOOT_CONFIG=$2
      shift
      ;;
    --config)
      [ $# -ge 2 ] || die "--config needs a file"
      CONFIG_SRC=$2
      shift
      ;;
    --node)
      [ $# -ge 2 ] || die "--node needs a path"
      NODE_BIN=$2
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option: $1"
      ;;
  esac
  shift
done

if [ -n "$ROOT" ]; then
  if [ "$DRY_RUN" = 0 ]; then mkdir -p "$ROOT"; fi
  [ "$DRY_RUN" = 1 ] || [ -d "$ROOT" ] || die "--root: not a directory: $ROOT"
  ROOT=$(cd "$ROOT" 2>/dev/null && pwd || printf '%s' "$ROOT")
  [ "$ROOT" != / ] || ROOT=""
fi
LIVE=1 # acting on the running system (not an alternate root)
[ -z "$ROOT" ] || LIVE=0

# ---------------------------------------------------------------- actions
# Everything that changes the system goes through these, so --dry-run prints it all.

show() {
  local out="" a
  for a in "$@"; do out+=" $(printf '%q' "$a")"; done
  printf '+%s\n' "$out"
}

# An action that is not one command (a pipe, an edit), in words.
show_raw() { printf '+ %s\n' "$*"; }

run() {
  show "$@"
  [ "$DRY_RUN" = 1 ] || "$@"
}

# install_file SRC DEST MODE [OWNER:GROUP as numeric ids]: copy when the content differs.
install_file() {
  local src=$1 dest=$2 mode=$3 owner=${4:-}
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    note "  unchanged $dest"
    [ "$DRY_RUN" = 1 ] || chmod "$mode" "$dest"
  else
    run install -D -m "$mode" "$src" "$dest"
  fi
  set_owner "$owner" "$dest"
}

# set_owner OWNER PATH: chown when OWNER (numeric uid:gid, or names in a dry run) differs.
set_owner() {
  local owner=$1 path=$2
  [ -n "$owner" ] || return 0
  if [ -e "$path" ] && [ "$(stat -c '%u:%g' "$path")" = "$owner" ]; then return 0; fi
  run chown "$owner" "$path"
}

# write_file DEST MODE <<< content: like install_file, from standard input.
write_file() {
  local dest=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  install_file "$tmp" "$dest" "$mode"
  rm -f "$tmp"
}

ensure_dir() {
  local dir=$1 mode=$2 owner=${3:-}
  if [ ! -d "$dir" ]; then run install -d -m "$mode" "$dir"; else [ "$DRY_RUN" = 1 ] || chmod "$mode" "$dir"; fi
  set_owner "$owner" "$dir"
}

# Numeric uid:gid of the service user, as the target system (not this one) knows it.
pintu_ids() {
  local uid gid
  uid=$(awk -F: '$1 == "pintu" { print $3 }' "$ROOT/etc/passwd" 2>/dev/null || true)
  gid=$(awk -F: '$1 == "pintu" { print $3 }' "$ROOT/etc/group" 2>/dev/null || true)
  if [ -n "$uid" ] && [ -n "$gid" ]; then printf '%s:%s' "$uid" "$gid"; fi
}

node_supported() { # node_supported X.Y.Z: within package.json's engines.node
  local major=${1%%.*}
  case $major in
    20) version_ge "$1" 20.19.0 ;;
    22) version_ge "$1" 22.12.0 ;;
    *) [[ $major =~ ^[0-9]+$ ]] && ((major >= 24)) ;;
  esac
}

version_ge() { # version_ge A B: A >= B, both x.y.z
  local IFS=. i
  local -a a b
  read -r -a a <<<"$1"
  read -r -a b <<<"$2"
  for i in 0 1 2; do
    if ((${a[i]:-0} > ${b[i]:-0})); then return 0; fi
    if ((${a[i]:-0} < ${b[i]:-0})); then return 1; fi
  done
  return 0
}

# The native modules the service loads, as "module|what needs it|Debian packages to build it";
# required in this order, so a missing library is named before the package that wraps it.
NATIVE_MODULES=(
  "@serialport/bindings-cpp|serial readers (serialport)|build-essential python3"
  "epoll|GPIO relays (onoff)|build-essential python3"
  "@pokusew/pcsclite|NFC readers (nfc-pcsc)|libpcsclite-dev build-essential python3"
  "nfc-pcsc|NFC readers (an optional dependency npm drops when its build fails)|libpcsclite-dev build-essential python3"
)
# node -e NATIVE_CHECK APP MODULE...: require each from APP's node_modules; the first that
# fails is named with the packages to install, and the status is 1.
NATIVE_CHECK='
const [app, ...modules] = process.argv.slice(1);
const load = require("node:module").createRequire(`${app}/package.json`);
for (const entry of modules) {
  const [name, role, packages] = entry.split("|");
  try {
    load(name);
  } catch (err) {
    const why = String(err && err.message).split("\n")[0];
    console.error(`native module ${name} does not load with node ${process.version} (${process.arch}, ABI ${process.versions.modules}) in ${app}: ${why}
It is needed for ${role}. Install the Debian packages ${packages} (in the target: apt-get install ${packages}), then run this installer again: it rebuilds node_modules.`);
    process.exit(1);
  }
}
'

# ---------------------------------------------------------------- 1. Node.js

step "Node.js ($NODE_SUPPORTED)"
if [ -z "$NODE_BIN" ]; then
  if [ "$LIVE" = 1 ]; then NODE_BIN=$(command -v node || true); else NODE_BIN=/usr/bin/node; fi
fi
# The node that builds here; in --root mode the target's own is not runnable from here.
CHECK_NODE=$NODE_BIN
if [ "$LIVE" = 0 ] && [ ! -x "$CHECK_NODE" ]; then CHECK_NODE=$(command -v node || true); fi
if [ "$LIVE" = 0 ] && [ -x "$ROOT$NODE_BIN" ]; then CHECK_NODE=$ROOT$NODE_BIN; fi
node_help="Pintu needs Node.js $NODE_SUPPORTED. Raspberry Pi OS Bookworm (Debian 12) ships 18.x,
which is too old (Trixie, Debian 13, ships 20.19: fine). Install Node.js 22 LTS: on arm64 from
NodeSource's \"node_22.x\" apt repository (then: sudo apt-get install nodejs), or the official
Linux ARM binaries (arm64, armv7l) from nodejs.org; check \`node --version\`, and run $SELF again."
if [ -z "$CHECK_NODE" ] || ! node_version=$("$CHECK_NODE" -p 'process.versions.node' 2>/dev/null); then
  die "Node.js not found${NODE_BIN:+ ($NODE_BIN)}.
$node_help"
fi
if ! node_supported "$node_version"; then
  die "Node.js $node_version ($CHECK_NODE) is not supported (needs $NODE_SUPPORTED).
$node_help"
fi
note "  node $node_version ($CHECK_NODE); the service runs $NODE_BIN"
case $NODE_BIN in
  /*) ;;
  *) die "--node must be an absolute path (systemd needs one): $NODE_BIN" ;;
esac

if [ "$LIVE" = 1 ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0 $*), or try --dry-run / --root DIR"
fi

# ---------------------------------------------------------------- 2. packages

step "Packages"
# pcscd + libccid: the ACR122U; libpcsclite-dev, build-essential, python3: the native
# modules (PC/SC, epoll for GPIO, serialport) built by npm; gpiod: gpio.backend gpiod and
# `gpioinfo`; polkitd: pcscd's access check where pcscd is built with polkit (Debian 13;
# step 8); pcsc-tools: pcsc_scan for trouble-shooting; openssl: the MQTT TLS certificates
# (step 7b). (The PDF reports' typeface comes with the npm dependencies: dejavu-fonts-ttf.)
PACKAGES=(pcscd libccid libpcsclite1 libpcsclite-dev pcsc-tools polkitd gpiod build-essential python3 openssl)
if [ "$LIVE" = 0 ]; then
  note "  skipped (--root: install them in the target): ${PACKAGES[*]}"
elif [ "$SKIP_PACKAGES" = 1 ]; then
  note "  skipped (--skip-packages): ${PACKAGES[*]}"
else
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    note "  all installed: ${PACKAGES[*]}"
  else
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# ---------------------------------------------------------------- 3. user and groups

step "User pintu, groups gpio and dialout"
install_file "$SRC/firmware-config/sysusers-pintu.conf" "$ROOT/etc/sysusers.d/pintu.conf" 0644
if [ "$LIVE" = 1 ]; then
  run systemd-sysusers pintu.conf
else
  run systemd-sysusers --root="$ROOT" pintu.conf
fi
OWNER=$(pintu_ids)
if [ -z "$OWNER" ]; then
  if [ "$DRY_RUN" = 1 ]; then note "  (dry run: user pintu not created, ownership shown as pintu:pintu)"; fi
  OWNER_SHOW=pintu:pintu
else
  OWNER_SHOW=$OWNER
fi
# chown only when the user exists (always, except in a dry run before it was created)
OWN=${OWNER:-}
if [ "$DRY_RUN" = 1 ]; then OWN=$OWNER_SHOW; fi

# ---------------------------------------------------------------- 4. build

step "Build"
if [ "$SKIP_BUILD" = 1 ]; then
  BUILD_DIST=${DIST:-$SRC/dist}
  [ -f "$BUILD_DIST/cli.js" ] || die "no $BUILD_DIST/cli.js to install (run npm run build, or drop --skip-build)"
  note "  skipped: installing $BUILD_DIST as it is"
else
  # A scratch copy, so the checkout's own node_modules and dist stay as they are.
  BUILD=$(mktemp -d -t pintu-build-XXXXXX)
  trap 'rm -rf "$BUILD"' EXIT
  # The whole checkout (the build uses src/, scripts/, the tsconfig files...) minus what
  # is made here or private to it.
  show_raw "tar -C $SRC --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - . | tar -C $BUILD -xf -"
  if [ "$DRY_RUN" = 0 ]; then
    tar -C "$SRC" --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - . | tar -C "$BUILD" -xf -
  fi
  run npm --prefix "$BUILD" ci --no-audit --no-fund
  run npm --prefix "$BUILD" run build
  BUILD_DIST=$BUILD/dist
fi

# ---------------------------------------------------------------- 5. the application

step "Application in $PREFIX"
APP=$ROOT$PREFIX
ensure_dir "$APP" 0755
# dist/ is replaced whole (a file removed upstream must not linger); the rest file by file.
if [ -d "$APP/dist" ] && diff -rq "$BUILD_DIST" "$APP/dist" >/dev/null 2>&1; then
  note "  unchanged $APP/dist"
else
  run rm -rf "$APP/dist.new"
  run cp -R "$BUILD_DIST" "$APP/dist.new"
  run rm -rf "$APP/dist"
  run mv "$APP/dist.new" "$APP/dist"
fi
for f in package.json package-lock.json README.md; do
  install_file "$SRC/$f" "$APP/$f" 0644
done
install_file "$SRC/scripts/monthly-recap.sh" "$APP/scripts/monthly-recap.sh" 0755
for f in config.txt pintu.pi.yaml pintu.example.yaml; do
  install_file "$SRC/firmware-config/$f" "$APP/firmware-config/$f" 0644
done
# Production dependencies, built for the node the service runs: again only when the lock file,
# the architecture or the module ABI (a Node major upgrade) changed. A tree built elsewhere (an
# x86 machine for an arm64 root) carries that machine's arch in its marker, so the Pi repairs it.
if [ "$SKIP_NPM" = 1 ]; then
  note "  skipped (--skip-npm): npm ci --omit=dev in $APP"
else
  LOCK_SUM=$(sha256sum "$SRC/package-lock.json" | cut -d' ' -f1)
  node_abi=$("$CHECK_NODE" -p 'process.arch + " node-abi-" + process.versions.modules') ||
    die "cannot ask $CHECK_NODE for its architecture and module ABI"
  MARKER="$LOCK_SUM $node_abi"
  if [ -d "$APP/node_modules" ] && [ "$(cat "$APP/.package-lock.sha256" 2>/dev/null)" = "$MARKER" ]; then
    note "  node_modules up to date (package-lock.json, $node_abi unchanged)"
  else
    run npm --prefix "$APP" ci --omit=dev --no-audit --no-fund
    # the marker only after the native modules load (below): a failed one is retried next run
    if [ "$DRY_RUN" = 1 ]; then show_raw "echo $MARKER > $APP/.package-lock.sha256"; else rm -f "$APP/.package-lock.sha256"; fi
  fi
  # npm drops an optional dependency whose build fails (nfc-pcsc without libpcsclite-dev) and
  # builds with the node on PATH: load each native module with the service's node, or stop.
  if [ "$DRY_RUN" = 1 ]; then
    show_raw "$CHECK_NODE: require ${NATIVE_MODULES[*]%%|*} from $APP"
  else
    if ! native_error=$("$CHECK_NODE" -e "$NATIVE_CHECK" "$APP" "${NATIVE_MODULES[@]}" 2>&1); then
      rm -f "$APP/.package-lock.sha256" # so the next run rebuilds them
      die "$native_error"
    fi
    note "  native modules load with node $node_version ($node_abi): ${NATIVE_MODULES[*]%%|*}"
    [ "$(cat "$APP/.package-lock.sha256" 2>/dev/null)" = "$MARKER" ] || printf '%s\n' "$MARKER" >"$APP/.package-lock.sha256"
  fi
fi
# The `pintu` command for administrators: runs as the service user with the service's
# configuration, so files it creates in /var/lib/pintu stay the service's.
write_file "$ROOT/usr/local/bin/pintu" 0755 <<EOF
#!/bin/sh
# pintu: the Pintu command on this Pi (installed by scripts/install.sh).
# Runs as the service user with the service's configuration and data folder.
PINTU_CONFIG=\${PINTU_CONFIG:-/etc/pintu/pintu.yaml}
PINTU_DATA_DIR=\${PINTU_DATA_DIR:-/var/lib/pintu}
export PINTU_CONFIG PINTU_DATA_DIR
if [ "\$(id -u)" = 0 ]; then
  exec runuser -u pintu -- $NODE_BIN $PREFIX/dist/cli.js "\$@"
fi
exec $NODE_BIN $PREFIX/dist/cli.js "\$@"
EOF

# ---------------------------------------------------------------- 6. configuration

step "Configuration in /etc/pintu"
ensure_dir "$ROOT/etc/pintu" 0755
if [ -e "$ROOT/etc/pintu/pintu.yaml" ]; then
  note "  kept $ROOT/etc/pintu/pintu.yaml (yours)"
else
  [ -f "$CONFIG_SRC" ] || die "--config: no such file: $CONFIG_SRC"
  # 0640 root:pintu: it may hold the MQTT password.
  install_file "$CONFIG_SRC" "$ROOT/etc/pintu/pintu.yaml" 0640 "${OWN:+0:${OWN#*:}}"
fi
install_file "$SRC/firmware-config/pintu.example.yaml" "$ROOT/etc/pintu/pintu.example.yaml" 0644

# ---------------------------------------------------------------- 7. data folder

step "Data folder /var/lib/pintu"
ensure_dir "$ROOT/var/lib/pintu" 0750 "$OWN"
ensure_dir "$ROOT/var/lib/pintu/reports" 0750 "$OWN"
# The site key of secure badges (README "Security model"), made here so it exists, and can be
# backed up (`pintu keys backup`), before the first badge is personalised; the service would
# make it at first start otherwise. Kept when present: a new one strands every badge. Its
# content is never printed, not even in a dry run.
KEYS_DIR=$ROOT/var/lib/pintu/keys
ensure_dir "$KEYS_DIR" 0700 "$OWN"
if [ -f "$KEYS_DIR/site.key" ]; then
  note "  kept $KEYS_DIR/site.key"
else
  command -v openssl >/dev/null || die "openssl is needed to make the site key (apt-get install openssl)"
  show_raw "write $KEYS_DIR/site.key (0600): a new site master key and site id from openssl rand"
  if [ "$DRY_RUN" = 0 ]; then
    (
      umask 077
      printf 'pintu-site-key-1 %s %s\n' "$(openssl rand -hex 16)" "$(openssl rand -hex 8)" >"$KEYS_DIR/site.key.new"
    )
    mv "$KEYS_DIR/site.key.new" "$KEYS_DIR/site.key"
  fi
  set_owner "$OWN" "$KEYS_DIR/site.key"
fi
note "  back the site key up offline once: pintu keys backup --out FILE (README \"Site keys\")"

# ---------------------------------------------------------------- 7b. MQTT TLS

# A local CA and the embedded broker's certificate, made once: the room controllers trust the
# CA (ca.pem, their certificate_authority), so the LAN listener can be TLS (a sniffer reads
# nothing, a look-alike broker is refused). The CA key stays root's; the service reads only its
# own key. Kept when present: a new CA would cut off every controller flashed with the old one.
step "MQTT TLS: local CA and broker certificate in /etc/pintu/tls"
TLS_DIR=$ROOT/etc/pintu/tls
ensure_dir "$TLS_DIR" 0750 "${OWN:+0:${OWN#*:}}"
if [ -f "$TLS_DIR/ca.pem" ] && [ -f "$TLS_DIR/server.pem" ] && [ -f "$TLS_DIR/server.key" ]; then
  note "  kept $TLS_DIR (its CA is the controllers' trust anchor)"
else
  command -v openssl >/dev/null || die "openssl is needed for the MQTT TLS certificates (apt-get install openssl)"
  tls_host=$(cat "$ROOT/etc/hostname" 2>/dev/null || true)
  if [ -z "$tls_host" ] && [ "$LIVE" = 1 ]; then tls_host=$(hostname); fi
  tls_host=${tls_host:-pintu}
  # The names and addresses a controller may use for the broker; `hostname -I` only on the Pi
  # itself (a DHCP change needs a new certificate: remove server.pem and run this again).
  tls_san="DNS:$tls_host,DNS:$tls_host.local,DNS:localhost,IP:127.0.0.1"
  if [ "$LIVE" = 1 ]; then
    for ip in $(hostname -I 2>/dev/null || true); do tls_san+=",IP:$ip"; done
  fi
  if [ ! -f "$TLS_DIR/ca.pem" ] || [ ! -f "$TLS_DIR/ca.key" ]; then
    run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7300 \
      -subj "/CN=Pintu local CA ($tls_host)" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$TLS_DIR/ca.key" -out "$TLS_DIR/ca.pem"
  fi
  run openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$tls_host" \
    -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr"
  show_raw "write $TLS_DIR/server.ext: subjectAltName=$tls_san, extendedKeyUsage=serverAuth"
  if [ "$DRY_RUN" = 0 ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' "$tls_san" >"$TLS_DIR/server.ext"
  fi
  run openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 7300 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.pem"
  run rm -f "$TLS_DIR/server.csr" "$TLS_DIR/server.ext"
  run chmod 0600 "$TLS_DIR/ca.key"
  run chmod 0640 "$TLS_DIR/server.key"
  run chmod 0644 "$TLS_DIR/ca.pem" "$TLS_DIR/server.pem"
  set_owner "${OWN:+0:${OWN#*:}}" "$TLS_DIR/server.key"
fi
note "  to serve MQTT over TLS on the LAN (port 8883) and plain MQTT on this machine only, set in"
note "  /etc/pintu/pintu.yaml:"
note "    mqtt: { host: 127.0.0.1, tls: { host: 0.0.0.0, cert: /etc/pintu/tls/server.pem, key: /etc/pintu/tls/server.key } }"
note "  and give each room controller /etc/pintu/tls/ca.pem as its trust anchor (README \"Room controllers\")."

# ---------------------------------------------------------------- 8. udev, modprobe, polkit

step "udev rules, modprobe blacklist, polkit rule"
install_file "$SRC/firmware-config/udev/99-pintu.rules" "$ROOT/etc/udev/rules.d/99-pintu.rules" 0644
install_file "$SRC/firmware-config/modprobe.d/pintu-blacklist-pn533.conf" "$ROOT/etc/modprobe.d/pintu-blacklist-pn533.conf" 0644
# pcscd asks polkit only when it was built with it: Debian 13 (pcsc-lite 2.x) is, and ships the
# policy below; Debian 12 / Raspberry Pi OS Bookworm (1.9.9) is not ("Enabled features" of
# `pcscd --version` has no polkit), so there the rule would be inert and only mislead.
PCSC_POLICY="$ROOT/usr/share/polkit-1/actions/org.debian.pcsc-lite.policy"
POLKIT_RULE="$ROOT/etc/polkit-1/rules.d/60-pintu-pcscd.rules"
pcscd_has_polkit() {
  [ -f "$PCSC_POLICY" ] && return 0
  [ "$LIVE" = 1 ] && command -v pcscd >/dev/null && pcscd --version 2>&1 | grep -i '^Enabled features:' | grep -qw polkit
}
if pcscd_has_polkit; then
  install_file "$SRC/firmware-config/polkit/60-pintu-pcscd.rules" "$POLKIT_RULE" 0644
else
  note "  polkit rule skipped: pcscd is not built with polkit (no $PCSC_POLICY), so it lets pintu in"
  if [ -f "$POLKIT_RULE" ]; then run rm -f "$POLKIT_RULE"; fi
fi
if [ "$LIVE" = 1 ]; then
  # Not fatal: no udevd in a container or chroot; the rules apply at the next boot anyway.
  if command -v udevadm >/dev/null && run udevadm control --reload; then
    run udevadm trigger --action=add --subsystem-match=usb --subsystem-match=tty --subsystem-match=gpio || true
  else
    note "  udevd not reachable: the rules apply at the next boot"
  fi
  # Free an ACR122U the kernel's NFC driver holds now (the blacklist covers the next boot).
  if [ -d /sys/module/pn533_usb ] || [ -d /sys/module/pn533 ]; then
    run modprobe -r pn533_usb pn533 nfc || note "  could not unload pn533: reboot before using the reader"
  fi
fi

# ---------------------------------------------------------------- 9. config.txt

step "Boot configuration (config.txt)"
FRAGMENT=$SRC/firmware-config/config.txt
if [ -z "$BOOT_CONFIG" ]; then
  if [ -f "$ROOT/boot/firmware/config.txt" ] || [ ! -f "$ROOT/boot/config.txt" ]; then
    BOOT_CONFIG=/boot/firmware/config.txt
  else
    BOOT_CONFIG=/boot/config.txt
  fi
fi
BOOT_FILE=$ROOT$BOOT_CONFIG
# The Pi's config.txt: what is there now between the markers, if anything.
current_block() { sed -n '/^# >>> pintu >>>$/,/^# <<< pintu <<<$/p' "$BOOT_FILE" 2>/dev/null || true; }
if [ -f "$BOOT_FILE" ] && [ "$(current_block)" = "$(cat "$FRAGMENT")" ]; then
  note "  $BOOT_CONFIG already has the current Pintu block"
elif [ "$APPLY_BOOT" = 1 ]; then
  [ -f "$BOOT_FILE" ] || die "--apply-boot-config: no $BOOT_FILE (use --boot-config FILE)"
  stamp=$(date +%Y%m%d%H%M%S)
  run cp -p "$BOOT_FILE" "$BOOT_FILE.pintu-backup-$stamp"
  show_raw "rewrite $BOOT_FILE: remove the old '# >>> pintu >>>' block, append $FRAGMENT"
  if [ "$DRY_RUN" = 0 ]; then
    tmp=$(mktemp)
    sed '/^# >>> pintu >>>$/,/^# <<< pintu <<<$/d' "$BOOT_FILE" >"$tmp"
    cat "$FRAGMENT" >>"$tmp"
    cat "$tmp" >"$BOOT_FILE" # in place: keeps owner and mode of a FAT file
    rm -f "$tmp"
  fi
  note "  done; takes effect at the next boot (sudo reboot)"
else
  note "  NOT changed: boot files are edited only with --apply-boot-config. Check the pins and"
  note "  levels against your wiring, then append this to $BOOT_CONFIG and reboot:"
  note "    sudo sh -c 'cat $PREFIX/firmware-config/config.txt >> $BOOT_CONFIG'"
  note "  (or run $SELF --apply-boot-config). The fragment:"
  sed 's/^/    | /' "$FRAGMENT"
  note "  Serial reader on the header UART: also turn the serial console off:"
  note "    sudo raspi-config nonint do_serial_cons 1"
fi

# ---------------------------------------------------------------- 10. systemd

step "systemd units"
UNITS=$ROOT/etc/systemd/system
for u in pintu.service pintu-recap.service pintu-recap.timer; do
  install_file "$SRC/systemd/$u" "$UNITS/$u" 0644
done
if [ "$NODE_BIN" != /usr/bin/node ]; then
  # The shipped unit's node flags (the heap's young generation) are kept.
  NODE_FLAGS=$(sed -n 's|^ExecStart=/usr/bin/node\(.*\) /opt/pintu/dist/cli.js start$|\1|p' "$SRC/systemd/pintu.service")
  write_file "$UNITS/pintu.service.d/10-node.conf" 0644 <<EOF
# Written by scripts/install.sh: node is $NODE_BIN here, not /usr/bin/node.
[Service]
ExecStart=
ExecStart=$NODE_BIN$NODE_FLAGS $PREFIX/dist/cli.js start
EOF
  write_file "$UNITS/pintu-recap.service.d/10-node.conf" 0644 <<EOF
# Written by scripts/install.sh: node is $NODE_BIN here, not /usr/bin/node.
[Service]
Environment=NODE=$NODE_BIN
EOF
else
  for d in pintu.service.d pintu-recap.service.d; do
    if [ -e "$UNITS/$d/10-node.conf" ]; then run rm -f "$UNITS/$d/10-node.conf"; fi
  done
fi
if [ "$LIVE" = 1 ]; then
  run systemctl daemon-reload
  run systemctl enable pintu.service pintu-recap.timer
  run systemctl start pintu-recap.timer
  if [ "$DRY_RUN" = 1 ] || systemctl cat pcscd.socket >/dev/null 2>&1; then
    run systemctl enable --now pcscd.socket
  else
    note "  pcscd.socket not installed: no PC/SC (NFC) readers until the package pcscd is"
  fi
else
  run systemctl --root="$ROOT" enable pintu.service pintu-recap.timer
fi

# ---------------------------------------------------------------- first admin, start

if [ "$LIVE" = 1 ] && [ ! -e /var/lib/pintu/state.json ]; then
  step "First administrator"
  # Created here, on this terminal, so the one-time password is shown to you and never
  # reaches the journal (the service would print it to its log on a first start).
  admin=$(awk '/^admin:/ { a = 1; next } a && /^[^ #]/ { a = 0 } a && /username:/ { print $2; exit }' /etc/pintu/pintu.yaml 2>/dev/null | tr -d '"'"'" || true)
  admin=${admin:-admin}
  if ! run /usr/local/bin/pintu user add --username "$admin" --role admin; then
    note "  not created (see above); the service creates it at its first start and prints its"
    note "  one-time password in: sudo journalctl -u pintu | grep -A3 'First admin'"
  fi
fi

if [ "$LIVE" = 1 ] && [ "$NO_START" = 0 ]; then
  step "Start"
  if [ "$DRY_RUN" = 0 ] && ! /usr/local/bin/pintu config check; then
    die "the configuration has errors (above): fix /etc/pintu/pintu.yaml, then: sudo systemctl restart pintu"
  fi
  run systemctl restart pintu.service
  if [ "$DRY_RUN" = 0 ]; then systemctl --no-pager --lines=5 status pintu.service || true; fi
fi

step "Done"
note "  configuration:  ${ROOT}/etc/pintu/pintu.yaml   (check: sudo pintu config check)"
note "  data:           ${ROOT}/var/lib/pintu   (owner ${OWNER_SHOW})"
note "  service:        systemctl status pintu; journalctl -u pintu -f"
note "  monthly recap:  systemctl list-timers pintu-recap.timer; ${ROOT}/var/lib/pintu/reports/"
if [ "$DRY_RUN" = 1 ]; then note "  (dry run: nothing was changed)"; fi
