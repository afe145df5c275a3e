#!/usr/bin/env bash
# Rebuilds the seed corpora of the fuzz targets from the repository's real inputs:
#   fuzz/corpus/manifest   every manifest of tests/fixtures and examples, each with the
#                          numbers file it names (renamed `fleet.txt`, the target's), and
#                          the valid ones with each numbers file of the fixtures;
#   fuzz/corpus/responses  every answer of the in-process sandbox to the calls telrep
#                          makes (fuzz/examples/record_responses.rs), plus a few hostile ones.
# Usage: fuzz/seed.sh   (from anywhere; needs bash, sed and cargo; about 100 kB of manifest
# seeds and 650 kB of response seeds)
set -euo pipefail

fuzz=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$fuzz")
manifests="$fuzz/corpus/manifest"
responses="$fuzz/corpus/responses"
mkdir -p "$manifests" "$responses"

# The target's separator between the manifest and the numbers file.
split=$'\n#=== fleet.txt\n'

# seed NAME MANIFEST [NUMBERS_FILE]: the manifest with its numbers-file entry pointing at
# fleet.txt, then the separator and the numbers file.
seed() {
    local name=$1 manifest=$2 numbers=${3:-}
    {
        if [[ -n $numbers ]]; then
            local relative=${numbers#"$(dirname "$manifest")/"}
            sed "s#file: $relative#file: fleet.txt#" "$manifest"
            printf '%s' "$split"
            cat "$numbers"
        else
            cat "$manifest"
        fi
    } >"$manifests/$name"
}

numbers_files=("$root"/tests/fixtures/numbers/* "$root"/examples/numbers/* "$root"/examples/hosted-elsewhere/inventory.txt)

for manifest in "$root"/tests/fixtures/*.yaml "$root"/examples/*.yaml "$root"/examples/*/*.yaml; do
    [[ -f $manifest ]] || continue
    name=$(basename "$(dirname "$manifest")")-$(basename "$manifest" .yaml)
    # The first numbers file it names (not a PDF), when it exists beside it.
    named=$(sed -n 's/^ *- file: *\([^ #]*\).*/\1/p' "$manifest" | grep -v '\.pdf$' | head -n 1 || true)
    if [[ -n $named && -f "$(dirname "$manifest")/$named" ]]; then
        seed "$name" "$manifest" "$(dirname "$manifest")/$named"
    else
        seed "$name" "$manifest"
    fi
done

# The valid manifests with one more entry, `- file: fleet.txt`, and each numbers file, also
# saved with a byte-order mark and with CRLF line ends.
for manifest in "$root"/tests/fixtures/valid_minimal.yaml "$root"/examples/acme.yaml; do
    base=$(basename "$manifest" .yaml)
    for numbers in "${numbers_files[@]}"; do
        list=$(basename "$numbers" | tr '.' '_')
        out="$manifests/$base+$list"
        {
            sed 's#^\(  *\)numbers:$#\1numbers:\n\1  - file: fleet.txt#; /file: numbers\//d' "$manifest"
            printf '%s' "$split"
            cat "$numbers"
        } >"$out"
        { sed -n '1,/^#=== fleet.txt$/p' "$out"; printf '\xef\xbb\xbf'; cat "$numbers"; } >"$out+bom"
        sed 's/$/\r/' "$out" >"$out+crlf"
    done
done

cargo run --quiet --manifest-path "$fuzz/Cargo.toml" --example record_responses -- "$responses"
echo "$(find "$manifests" -type f | wc -l) manifest seeds, $(find "$responses" -type f | wc -l) response seeds ($(du -sh "$fuzz/corpus" | cut -f1))"
