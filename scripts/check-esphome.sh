#!/usr/bin/env bash
# ESPHome's own validator on the reference room controller (issue 15): `esphome config` reads
# firmware-config/room-controller/room-controller.yaml with the example secrets, resolves every
# component and lambda reference, and prints the configuration or names what is wrong.
#
# ESPHome is on PyPI, not in Debian nor npm, so CI (which reaches only those) cannot run it:
# run this where PyPI is reachable. It installs the version the YAML and its connect-sequence
# test (test/integration/esphome-connect.test.ts) target into a virtualenv of its own, and
# touches nothing else.
#
#   scripts/check-esphome.sh                 # esphome 2024.10.2 in ./.venv-esphome
#   ESPHOME_VERSION=2024.11.0 scripts/check-esphome.sh
#   scripts/check-esphome.sh --compile       # also build the firmware (downloads PlatformIO
#                                            # toolchains: several hundred MB)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${ESPHOME_VERSION:-2024.10.2}"
VENV="${ESPHOME_VENV:-.venv-esphome}"
SRC=firmware-config/room-controller

command -v python3 >/dev/null || { echo "check-esphome: python3 is needed" >&2; exit 2; }
if [[ ! -x "$VENV/bin/esphome" ]] || [[ "$("$VENV/bin/esphome" version 2>/dev/null)" != *"$VERSION"* ]]; then
  echo "== esphome $VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "esphome==$VERSION"
fi

# A scratch copy: the example secrets as secrets.yaml beside the YAML, nothing written in the repo.
work=$(mktemp -d -t pintu-esphome-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$SRC/room-controller.yaml" "$work/"
cp "$SRC/secrets.example.yaml" "$work/secrets.yaml"
cp "$SRC/pintu_mac.h" "$work/"

echo "== esphome $("$VENV/bin/esphome" version) config room-controller.yaml"
"$VENV/bin/esphome" config "$work/room-controller.yaml" >"$work/out.txt" 2>&1 || {
  cat "$work/out.txt" >&2
  echo "check-esphome: ESPHome refused the configuration (above)" >&2
  exit 1
}
echo "configuration valid"
if [[ "${1:-}" == "--compile" ]]; then
  echo "== esphome compile"
  "$VENV/bin/esphome" compile "$work/room-controller.yaml"
fi
