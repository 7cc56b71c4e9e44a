#!/usr/bin/env bash
# Builds the Go reference and nats-bench, then measures both against the server in NATS_URL,
# taking turns for a number of rounds (the figures of a shared machine move a lot from one
# run to the next, so one run proves little), and prints every figure and the median of each.
#
#   usage: run.sh [MSGS (1000000)] [SIZE (16)] [ROUNDS (5)]
#
# Needs Debian's Go toolchain and nats.go (1.22, the version the performance issue quotes):
#   sudo apt-get install golang-go golang-github-nats-io-go-nats-dev
# No Go module download is needed: it builds in GOPATH mode from Debian's sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
out="$root/target/go-reference"
mkdir -p "$out"
(cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/cache" \
    go build -o "$out/go-reference" .)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p nats-bench
msgs="${1:-1000000}"
size="${2:-16}"
rounds="${3:-5}"
bench="$root/target/release/nats-bench"
figures="$out/figures.txt"
: >"$figures"

# Appends "CASE CLIENT SIDE RATE" lines for the figures in a run's output.
record() {
    local case="$1"
    sed -n -E 's/^\[(go|naive|tuned)\] (pub|sub) +([0-9,]+) msgs\/s.*/\1 \2 \3/p' |
        tr -d , | sed "s/^/$case /" | tee -a "$figures"
}

for round in $(seq "$rounds"); do
    echo "== round $round of $rounds: $msgs messages of $size bytes, 1 publisher, 1 subscriber"
    "$out/go-reference" "$msgs" "$size" 1 | record pub-sub
    # nats-bench exits 1 after a loss; its LOSS line (on stderr) shows, the figures are kept.
    { "$bench" --msgs "$msgs" --size "$size" 2>&1 || true; } | tee >(grep LOSS >&2 || true) |
        record pub-sub
    echo "== round $round of $rounds: $((msgs * 2)) messages, publish only"
    "$out/go-reference" "$((msgs * 2))" "$size" 0 | record publish-only
    "$bench" --msgs "$((msgs * 2))" --size "$size" --subs 0 | grep ' pub ' | record publish-only
done

echo
echo "== medians over $rounds rounds (msgs/s)"
cut -d' ' -f1-3 "$figures" | sort -u | while read -r case client side; do
    grep "^$case $client $side " "$figures" | cut -d' ' -f4 | sort -n |
        awk -v name="$case $client $side" '
            { value[NR] = $1 }
            END {
                middle = (NR % 2) ? value[(NR + 1) / 2] : (value[NR / 2] + value[NR / 2 + 1]) / 2
                printf "%-30s %12.0f   (min %.0f, max %.0f)\n", name, middle, value[1], value[NR]
            }'
done
