#!/usr/bin/env bash
# Times the nightly job on a generated council: a full import into a new store, then a
# re-import of the next night's files with 1% of the council's involvement rows gone (which
# the import ends as missing).
#
#   bash benches/scripts/nightly_import.sh        # tier L
#   bash benches/scripts/nightly_import.sh M
#
# Everything goes to target/bench-data/nightly-<tier>/. Prints wall-clock seconds and the
# peak memory of each import (GNU time).
set -euo pipefail
tier="${1:-L}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/target/bench-data/nightly-$tier"
rm -rf "$out" && mkdir -p "$out"
cargo build --quiet --release -p patchwork-adapters --bin patchwork --manifest-path "$root/Cargo.toml"
pw="$root/target/release/patchwork"

"$pw" generate --tier "$tier" --seed 2025 --out "$out/night1"
cp -r "$out/night1" "$out/night2"
# Night 2: drop every 100th involvement row of the SSD extract (1%).
awk 'NR == 1 || (NR - 1) % 100 != 0' "$out/night1/ssd/ssd_involvements.csv" > "$out/night2/ssd/ssd_involvements.csv"

run() {
  local night="$1" as_of="$2"
  local agency=()
  for f in "$out/$night"/agency/*.csv; do agency+=(--agency "$f"); done
  /usr/bin/time -f "$night: %e s wall, %M KiB peak" \
    "$pw" import --store "$out/store.sqlite" --ssd "$out/$night/ssd" "${agency[@]}" \
      --as-of "$as_of" --report "$out/$night-report.json" --quiet
}
run night1 2025-03-31
run night2 2025-04-01
ls -l "$out/store.sqlite" | awk '{print "store: " $5 / 1048576 " MiB"}'
