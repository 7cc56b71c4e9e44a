#!/usr/bin/env bash
# Builds and runs the Go reference next to nats-bench, against the server in NATS_URL.
# Needs Debian's Go toolchain and nats.go (1.22, the version the performance issue quotes):
#   sudo apt-get install golang-go golang-github-nats-io-go-nats-dev
# No Go module download is needed: it builds in GOPATH mode from Debian's sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
out="$root/target/go-reference"
mkdir -p "$out"
(cd "$here" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/cache" \
    go build -o "$out/go-reference" .)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p nats-bench
msgs="${1:-1000000}"
size="${2:-16}"
echo "== Go (nats.go), 1 publisher, 1 subscriber"
"$out/go-reference" "$msgs" "$size" 1
echo "== Rust (async-nats), 1 publisher, 1 subscriber"
"$root/target/release/nats-bench" --msgs "$msgs" --size "$size" || true
echo "== Go, publish only"
"$out/go-reference" "$((msgs * 2))" "$size" 0
echo "== Rust, publish only"
"$root/target/release/nats-bench" --msgs "$((msgs * 2))" --size "$size" --subs 0 | grep pub
