#!/usr/bin/env bash
# Runs every benchmark (release builds; about 45 minutes on a 2-core machine) and puts the
# Markdown block each one prints into README.md, in place of the block between the same
# markers (`<!-- bench:NAME -->` … `<!-- /bench:NAME -->`). A benchmark that fails prints
# no closing marker: its block in the README is left as it was, and the script exits 1.
#
#   benches/regenerate.sh                    every benchmark
#   benches/regenerate.sh apply plan         only these
#   benches/regenerate.sh --splice OUTPUT    no benchmark: the blocks of a saved output
# TELREP_README names the file to update (default README.md at the repository root).
set -euo pipefail
# Paths given are relative to where the script was called from.
readme=$(realpath "${TELREP_README:-$(dirname "$0")/../README.md}")
if [ "${1:-}" = "--splice" ]; then
  output=$(realpath "$2")
fi
cd "$(dirname "$0")/.."
status=0
if [ "${1:-}" = "--splice" ]; then
  benches=($(sed -n 's/^<!-- bench:\([a-z_]*\) -->$/\1/p' "$output"))
else
  benches=("$@")
  if [ ${#benches[@]} -eq 0 ]; then
    benches=(validate sandbox listing plan apply enterprises naive)
  fi
  output=$(mktemp)
  trap 'rm -f "$output"' EXIT
  for bench in "${benches[@]}"; do
    echo "== cargo bench --bench $bench" >&2
    cargo bench --locked --bench "$bench" >>"$output" || status=1
  done
fi
# Blocks whose closing marker came, then README.md with each of them in its place.
awk '
  FNR == NR {
    if (match($0, /^<!-- bench:[a-z_]+ -->$/)) { name = substr($0, 12, length($0) - 15); text = "" }
    if (name != "") text = text $0 "\n"
    if (name != "" && $0 == "<!-- /bench:" name " -->") { block[name] = text; name = "" }
    next
  }
  match($0, /^<!-- bench:[a-z_]+ -->$/) {
    current = substr($0, 12, length($0) - 15)
    if (current in block) { printf "%s", block[current]; skipping = 1; next }
  }
  skipping && $0 == "<!-- /bench:" current " -->" { skipping = 0; next }
  !skipping { print }
 ' "$output" "$readme" >"$readme.new"
mv "$readme.new" "$readme"
for bench in "${benches[@]}"; do
  if ! grep -qx "<!-- /bench:$bench -->" "$output"; then
    echo "benches/regenerate.sh: \`cargo bench --bench $bench\` gave no complete block; its README block is unchanged" >&2
    status=1
  fi
done
exit $status
