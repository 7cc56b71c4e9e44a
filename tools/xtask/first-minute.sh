#!/usr/bin/env bash
# A newcomer's first minute, timed: from `git clone` to the first "Received message", doing what
# the README's "Follow the tutorial" says, as fast as a person who waits for each terminal's
# cue (terminal 1: `cargo xtask server` until the server is ready; terminal 2: `cargo run -p
# async-sub` until it subscribes; terminal 3: `cargo run -p pub-simple`). Prints each cue's time
# since the clone started. The crate cache (~/.cargo/registry) is whatever this machine has:
# warm after any earlier build; the clone's target/ is new, so every crate is compiled and the
# pinned nats-server installed with pip (pip's own cache may be warm).
#
#   usage: tools/xtask/first-minute.sh [WORKSPACE (this one)]
#   EAGER=1 tools/xtask/first-minute.sh: terminal 2 starts at once, while terminal 1 still
#   builds (a learner who does not wait): cargo makes it wait for the build lock meanwhile.
#
# Needs ports 4222 and 8222 free.
set -euo pipefail
source_repo="$(cd "${1:-$(dirname "$0")/../..}" && pwd)"
dir="$(mktemp -d)"
# Everything it started runs from the clone: stop it all there (the servers included, which
# cargo xtask server starts as children of its own).
# cargo runs a step as `target/debug/NAME`, a path without the clone's folder: stop the
# background jobs' children (the steps, the server) by their parent too.
stop_all() {
    for job in $(jobs -p); do pkill -P "$job" 2>/dev/null || true; kill "$job" 2>/dev/null || true; done
    pkill -f "$dir" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap stop_all EXIT
unset NATS_URL NATS_SERVER_BIN RUST_LOG

start=$(date +%s.%N)
since() { echo "$(date +%s.%N) - $start" | bc | xargs printf '%5.1f s'; }
# Waits until FILE has a line matching PATTERN, then prints the time with LABEL.
cue() {
    until grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; done
    echo "$(since)  $3"
}

git clone --quiet "$source_repo" "$dir/clone"
echo "$(since)  git clone"
cd "$dir/clone"
echo "load average at the start: $(uptime | sed 's/.*load average: //')"
cargo xtask server >"$dir/t1.log" 2>&1 &
if [ "${EAGER:-}" = 1 ]; then
    # With NATS_WAIT_FOR_SERVER=1, as the errors chapter shows, it waits for the server
    # rather than stop with "cannot connect" when its build ends first.
    NATS_WAIT_FOR_SERVER=1 cargo run -p async-sub >"$dir/t2.log" 2>&1 &
fi
cue "$dir/t1.log" "Server is ready" "terminal 1: cargo xtask server: the server is ready"
if [ "${EAGER:-}" != 1 ]; then
    cargo run -p async-sub >"$dir/t2.log" 2>&1 &
fi
cue "$dir/t2.log" "Subscribing to subject" "terminal 2: cargo run -p async-sub: subscribed"
cargo run -p pub-simple >"$dir/t3.log" 2>&1
cue "$dir/t2.log" "Received message" "terminal 2: Received message 'Hello NATS'"
for terminal in 1 2; do
    grep -h 'file lock' "$dir/t$terminal.log" | sort | uniq -c | sed "s/^/terminal $terminal waited:/" || true
done
