#!/bin/sh
# The monthly recap of the PREVIOUS month as CSV: <data>/reports/rekap-YYYY-MM.csv.
# Run by systemd/pintu-recap.service (pintu-recap.timer, the 1st of each month at 06:00 WIB);
# by hand: sudo systemctl start pintu-recap.service. Reads the journal read-only, so it is
# safe while the gateway runs. A month may be forced: monthly-recap.sh 2026-10
#
# Environment: PINTU_DATA_DIR (/var/lib/pintu), PINTU_TIMEZONE (Asia/Jakarta: "previous"
# is counted in the office's time zone), PINTU_HOME (/opt/pintu), NODE (node on PATH).
set -eu
data=${PINTU_DATA_DIR:-/var/lib/pintu}
tz=${PINTU_TIMEZONE:-Asia/Jakarta}
home=${PINTU_HOME:-/opt/pintu}
cli=${PINTU_CLI:-$home/dist/cli.js}
node=${NODE:-node}

if [ $# -gt 0 ]; then
  month=$1
else
  # The 15th of this month minus one month: never skips February, unlike "today -1 month".
  this=$(TZ=$tz date +%Y-%m)
  month=$(TZ=$tz date -d "$this-15 -1 month" +%Y-%m)
fi
case $month in
  [0-9][0-9][0-9][0-9]-[0-1][0-9]) ;;
  *) echo "monthly-recap: not a month (YYYY-MM): $month" >&2; exit 64 ;;
esac

mkdir -p "$data/reports"
out="$data/reports/rekap-$month.csv"
# Written beside and renamed, so a half-written recap never carries the final name.
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
PINTU_DATA_DIR=$data "$node" "$cli" report --month "$month" --format csv --out "$tmp" >/dev/null
mv -f "$tmp" "$out"
trap - EXIT
echo "monthly-recap: $out"
