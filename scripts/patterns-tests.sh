#!/usr/bin/env bash
# lbos-patterns under systematic schedule exploration: shuttle (random and PCT schedulers,
# thousands of schedules per problem, and the async flavour through shuttle-tokio) and loom
# (exhaustive within a preemption bound, for the primitives). The plain tests run with the
# workspace (cargo nextest); these need their own feature or cfg.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "--- shuttle"
cargo test --locked -p lbos-patterns --features shuttle
echo "--- loom"
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --locked --release -p lbos-patterns --test loom
