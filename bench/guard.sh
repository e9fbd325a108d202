#!/usr/bin/env bash
# Regression guard for the benchmark programs: runs `lbos check` on the smallest sizes of every
# bench/sync program (both lbos columns of bench/flags.sh; once if they are equal) and fails if a
# verdict or a distinct-state count differs from bench/expected-states.txt. Takes a few seconds.
#
#   bench/guard.sh            check
#   bench/guard.sh --print    print the current counts in the expected-states.txt format
#
# When a change to lbos changes a count on purpose (e.g. a new reduction), review the new
# numbers and update bench/expected-states.txt in the same commit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
# cargo puts the binary under $CARGO_TARGET_DIR when that is set
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
LBOS="$TARGET_DIR/release/lbos"
. "$HERE/flags.sh"
PRINT=0
[ "${1-}" = --print ] && PRINT=1

if [ ! -x "$LBOS" ] || [ "${GUARD_NO_BUILD-}" = "" ]; then
  (cd "$ROOT" && cargo build --release -q -p lbos-cli) || { echo "guard: build failed" >&2; exit 2; }
fi

# column name -> flags
run() { # column problem n -> "verdict states"
  local col=$1 problem=$2 n=$3 json
  if [ "$col" = on ]; then set -- "${LBOS_ON_FLAGS[@]}"; else set -- "${LBOS_OFF_FLAGS[@]}"; fi
  # shellcheck disable=SC2046
  json=$(timeout 60 "$LBOS" check "$HERE/sync/$problem.sync" $(lbos_threads "$problem" "$n") "$@" \
           --timeout 30 --json 2>/dev/null)
  local verdict states dead=""
  verdict=$(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' <<<"$json" | head -1)
  states=$(sed -n 's/.*"stats":{[^}]*"states":\([0-9]*\).*/\1/p' <<<"$json" | head -1)
  grep -q '"dead_rows":\[\]' <<<"$json" || dead="+deadrows"
  echo "${verdict:-error}$dead ${states:-?}"
}

passed=0 failed=0 failures=()
while read -r problem n column verdict states _rest; do
  case "$problem" in ''|'#'*) continue ;; esac
  if [ "$column" = off ] && [ "${LBOS_ON_FLAGS[*]-}" = "${LBOS_OFF_FLAGS[*]-}" ]; then
    got=$(run on "$problem" "$n")      # same flags: the "on" run is the "off" run
  else
    got=$(run "$column" "$problem" "$n")
  fi
  if [ $PRINT = 1 ]; then
    printf '%-16s %-2s %-3s %s\n' "$problem" "$n" "$column" "$got"
    continue
  fi
  if [ "$got" = "$verdict $states" ]; then
    passed=$((passed + 1))
    printf 'ok    %-16s N=%-2s %-3s %s\n' "$problem" "$n" "$column" "$got"
  else
    failed=$((failed + 1))
    failures+=("$problem N=$n reductions $column: expected $verdict $states, got $got")
    printf 'FAIL  %-16s N=%-2s %-3s expected %s %s, got %s\n' "$problem" "$n" "$column" "$verdict" "$states" "$got"
  fi
done <"$HERE/expected-states.txt"

[ $PRINT = 1 ] && exit 0
for f in "${failures[@]}"; do echo "guard: distinct-state count changed: $f" >&2; done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
