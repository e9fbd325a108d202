#!/usr/bin/env bash
# lbos-patterns under systematic schedule exploration: shuttle (random and PCT schedulers,
# thousands of schedules per problem, and the async flavour through shuttle-tokio) and loom
# (exhaustive within a preemption bound, for the primitives). `--features shuttle` also
# runs tests/tasks.rs, the async flavour of every problem, under shuttle-tokio. The plain tests run with the
# workspace (cargo nextest); these need their own feature or cfg.
# The loom build uses its own target directory (other RUSTFLAGS): target/loom, or
# "$CARGO_TARGET_DIR-loom" when CARGO_TARGET_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "--- shuttle"
cargo test --locked -p lbos-patterns --features shuttle
echo "--- loom"
loom_target=target/loom
if [ -n "${CARGO_TARGET_DIR:-}" ]; then loom_target="$CARGO_TARGET_DIR-loom"; fi
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$loom_target" cargo test --locked --release -p lbos-patterns --test loom
