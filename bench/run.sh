#!/usr/bin/env bash
# lbos check vs SPIN, side by side, in one run.
#
#   bench/run.sh [--quick] [--timeout SECS] [--only PROBLEM]
#
# --quick      only the smallest size of each problem (a few seconds)
# --timeout    per-run wall-time limit in seconds for every lbos and SPIN run (default 60)
# --only       run one problem (philosophers, barrier, readers-writers, barbershop, h2o)
#
# Installs what is missing (spin, GNU time), builds lbos in release, runs every problem at every
# size with both tools and prints a Markdown table; results and raw logs go to bench/out/.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
OUT="$HERE/out"
LBOS="${CARGO_TARGET_DIR:-$ROOT/target}/release/lbos"

# The two lbos columns (reductions on / off) and the thread arguments: bench/flags.sh
. "$HERE/flags.sh"

# SPIN, as the issue prescribes; and a second run without its partial-order reduction, for
# the per-core rate with reductions off in both tools.
SPIN_CC_FLAGS=(-O2 -DSAFETY)
SPIN_NOPOR_CC_FLAGS=(-O2 -DSAFETY -DNOREDUCE)
SPIN_PAN_FLAGS=(-m10000000)

# problem | Sync file | Promela file | sizes (full run) | identical threads symmetry may merge
PROBLEMS=(
  "philosophers|philosophers.sync|philosophers.pml|3 4 5 6 7 8 9|none (self.index)"
  "barrier|barrier.sync|barrier.pml|2 3 4 5 6 7 8 9|N threads"
  "readers-writers|readers-writers.sync|readers-writers.pml|1 2 3 4 5 6 7 8 9 10|N readers, N writers"
  "barbershop|barbershop.sync|barbershop.pml|3 4 5 6 7 8 9 10 11|N customers"
  "h2o|h2o.sync|h2o.pml|2 3 4 5 6 7 8 9 10|N hydrogens"
)

# what the size means, for the table
size_meaning() {
  case "$1" in
    philosophers) echo "N philosophers (footman), looping" ;;
    barrier) echo "N threads, 2 rounds" ;;
    readers-writers) echo "N readers + N writers, looping" ;;
    barbershop) echo "N customers + 1 barber, 2 places, looping" ;;
    h2o) echo "1 oxygen + N hydrogens, looping" ;;
  esac
}

QUICK=0
TIMEOUT=60
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --timeout) TIMEOUT="$2"; shift ;;
    --only) ONLY="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# --- setup -----------------------------------------------------------------------------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v spin >/dev/null 2>&1 || missing+=(spin)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  as_root apt-get update >&2 && as_root apt-get install -y "${missing[@]}" >&2 || {
    echo "error: could not install ${missing[*]}" >&2; exit 2; }
fi
for tool in gcc cargo timeout awk; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is required" >&2; exit 2; }
done
echo "building lbos (cargo build --release -p lbos-cli)" >&2
(cd "$ROOT" && cargo build --release -q -p lbos-cli) || { echo "error: build failed" >&2; exit 2; }

mkdir -p "$OUT/logs"
# run a private copy: other builds in the same checkout must not swap the binary mid-run
cp "$LBOS" "$OUT/lbos" && LBOS="$OUT/lbos"
LBOS_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- crates 2>/dev/null || echo "+dirty crates")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lbos-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

same_flags=0
[ "${LBOS_ON_FLAGS[*]-}" = "${LBOS_OFF_FLAGS[*]-}" ] && same_flags=1

# --- one lbos run: sets L_VERDICT L_STATES L_SECS L_WALL L_KB ----------------------------------
run_lbos() { # problem size tag flags...
  local problem=$1 n=$2 tag=$3; shift 3
  local log="$OUT/logs/$problem-$n-lbos-$tag"
  # shellcheck disable=SC2046
  timeout -k 5 $((TIMEOUT + 15)) /usr/bin/time -f "%e %M" -o "$log.time" \
    "$LBOS" check "$HERE/sync/$problem.sync" $(lbos_threads "$problem" "$n") "$@" \
    --timeout "$TIMEOUT" --json >"$log.json" 2>"$log.err"
  local rc=$?
  L_VERDICT=$(sed -n 's/.*"verdict":"\([^"]*\)".*/\1/p' "$log.json" | head -1)
  L_STATES=$(sed -n 's/.*"stats":{[^}]*"states":\([0-9]*\).*/\1/p' "$log.json" | head -1)
  L_BPS=$(sed -n 's/.*"stats":{[^}]*"bytes_per_state":\([0-9]*\).*/\1/p' "$log.json" | head -1)
  L_SECS=$(sed -n 's/.*"stats":{[^}]*"seconds":\([0-9.eE+-]*\).*/\1/p' "$log.json" | head -1)
  read -r L_WALL L_KB < <(tail -1 "$log.time" 2>/dev/null) || true
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then L_VERDICT=timeout; fi
  if [ "$L_VERDICT" = incomplete ]; then L_VERDICT=timeout; fi
  if grep -q "dead row" "$log.json" "$log.err" 2>/dev/null && ! grep -q '"dead_rows":\[\]' "$log.json"; then
    L_VERDICT="$L_VERDICT (dead rows!)"
  fi
  [ -n "$L_VERDICT" ] || L_VERDICT="error($rc)"
  : "${L_BPS:=}" "${L_STATES:=}" "${L_SECS:=}" "${L_WALL:=}" "${L_KB:=}"
}

# --- one SPIN run: sets S_VERDICT S_STATES S_SECS S_WALL S_TOTAL S_KB S_VEC ----------------------
run_spin() { # problem size [tag cc-flags...]
  local problem=$1 n=$2 tag=${3-}
  local cc_flags=("${SPIN_CC_FLAGS[@]}")
  [ $# -gt 3 ] && cc_flags=("${@:4}")
  local log="$OUT/logs/$problem-$n-spin${tag:+-$tag}"
  local dir="$WORK/$problem-$n${tag:+-$tag}"
  S_VERDICT="" S_STATES="" S_SECS="" S_WALL="" S_TOTAL="" S_KB="" S_VEC=""
  mkdir -p "$dir"
  local t0 t1
  t0=$(date +%s.%N)
  if ! (cd "$dir" && spin -DN="$n" -a "$HERE/promela/$problem.pml" >"$log.spin" 2>&1 &&
        gcc "${cc_flags[@]}" -o pan pan.c >>"$log.spin" 2>&1); then
    S_VERDICT="error(spin -a/gcc)"; return
  fi
  (cd "$dir" && timeout -k 5 "$TIMEOUT" /usr/bin/time -f "%e %M" -o "$log.time" \
     ./pan "${SPIN_PAN_FLAGS[@]}" >"$log.pan" 2>&1)
  local rc=$?
  t1=$(date +%s.%N)
  S_TOTAL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  read -r S_WALL S_KB < <(grep -E '^[0-9.]+ [0-9]+$' "$log.time" 2>/dev/null | tail -1) || true
  S_STATES=$(awk '/states, stored/ { print $1; exit }' "$log.pan")
  S_SECS=$(sed -n 's/^pan: elapsed time \([0-9.eE+-]*\) seconds.*/\1/p' "$log.pan" | tail -1)
  S_VEC=$(sed -n 's/.*state-vector as stored = \([0-9]*\) byte + \([0-9]*\) byte overhead.*/\1 \2/p' "$log.pan" |
          awk '{ print $1 + $2 }')
  if [ -z "$S_VEC" ] && [ -n "$S_STATES" ]; then   # small runs: only the uncompressed estimate
    S_VEC=$(awk -v st="$S_STATES" '/equivalent memory usage for states/ { if (st > 0) printf "%.0f", $1 * 1048576 / st; exit }' "$log.pan")
  fi
  local errors
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$log.pan" | tail -1)
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then S_VERDICT=timeout
  elif grep -q "max search depth too small" "$log.pan"; then S_VERDICT="failed(depth)"
  elif grep -qi "out of memory" "$log.pan"; then S_VERDICT="failed(memory)"
  elif [ "$errors" = 0 ]; then S_VERDICT=ok
  elif grep -q "assertion violated" "$log.pan"; then S_VERDICT=assertion
  elif grep -q "invalid end state" "$log.pan"; then S_VERDICT=deadlock
  elif [ -n "$errors" ]; then S_VERDICT="errors:$errors"
  else S_VERDICT="error($rc)"
  fi
  rm -rf "$dir"
}

# --- formatting helpers ----------------------------------------------------------------------
fmt_s()   { [ -n "$1" ] && awk -v x="$1" 'BEGIN { printf "%.2f", x }' || echo "–"; }
fmt_mib() { [ -n "$1" ] && awk -v x="$1" 'BEGIN { printf "%.1f", x / 1024 }' || echo "–"; }
bps()     { [ -n "$1" ] && [ -n "$2" ] && [ "$2" -gt 0 ] 2>/dev/null &&
              awk -v kb="$1" -v s="$2" 'BEGIN { printf "%.0f", kb * 1024 / s }' || echo "–"; }
ratio()   { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "–" || b == "" || b == "–" || b + 0 <= 0) print "–"; else printf "%.2f", a / b }'; }
rate()    { awk -v st="$1" -v s="$2" 'BEGIN { if (st == "" || s == "" || s + 0 <= 0) print "–"; else printf "%.0f", st / s }'; }
num()     { [ -n "$1" ] && echo "$1" || echo "–"; }

STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
TSV="$OUT/results.tsv"
MD="$OUT/results.md"
printf 'problem\tN\tlbos_on_verdict\tlbos_off_verdict\tspin_verdict\tlbos_on_states\tlbos_off_states\tspin_states\tlbos_on_s\tlbos_off_s\tspin_pan_s\tspin_pan_wall\tspin_total_wall\tlbos_on_kb\tlbos_off_kb\tspin_kb\tlbos_on_own_bps\tspin_vec_bytes\tspin_nopor_verdict\tspin_nopor_states\tspin_nopor_s\n' >"$TSV"

{
  echo "lbos check vs SPIN — $STAMP — lbos $LBOS_REV — $(nproc) cores — timeout ${TIMEOUT} s per run"
  echo
  echo "- lbos: \`lbos check FILE --threads ... --json --timeout $TIMEOUT\`;" \
       "reductions on = [${LBOS_ON_FLAGS[*]-}], reductions off = [${LBOS_OFF_FLAGS[*]-}] (bench/flags.sh)"
  if [ $same_flags = 1 ]; then
    echo "  **both flag lists are equal: there is no reduction to switch off, both columns are the same plain \`lbos check\` run.**"
  fi
  echo "- SPIN $(spin -V 2>/dev/null | head -1 | sed 's/ -- .*//'): \`spin -DN=n -a\`, \`gcc ${SPIN_CC_FLAGS[*]}\`," \
       "\`./pan ${SPIN_PAN_FLAGS[*]}\` (partial-order reduction on, SPIN's default); \"max search depth too small\" = failed"
  echo "- SPIN no POR: the same with \`gcc ${SPIN_NOPOR_CC_FLAGS[*]}\` (partial-order reduction off, as lbos off)"
  echo "- s = search seconds: lbos = stats.seconds; SPIN = pan's elapsed time. SPIN total = spin -a + gcc + pan, wall clock"
  echo "- MiB = peak RSS, /usr/bin/time -f %M, of the lbos process / of pan (pan's -m10000000 DFS stack alone is 534 MB)"
  echo "- B/st = peak RSS / states; own B/st = lbos's stats.bytes_per_state / pan's stored state vector + overhead"
  echo "- red = states off / states on: what the reductions merged (symmetry: ideal ≈ k! for k identical threads; philosophers get no symmetry, their red is partial-order reduction alone)"
  echo "- ratio = SPIN s / lbos-on s (> 1: lbos faster); st/s = distinct states per second (lbos off vs SPIN and SPIN no POR; all use one core; for an lbos timeout: states reached / seconds)"
  echo "- rate = st/s lbos off / st/s SPIN (> 1: lbos explores more states per second per core); rate no POR = the same against SPIN no POR (both without reductions)"
  echo
  echo "| problem | N | verdict lbos on / off | verdict SPIN | states lbos on | states lbos off | states SPIN | states SPIN no POR | red | s lbos on | s lbos off | s SPIN | s SPIN no POR | s SPIN total | ratio SPIN/lbos | st/s lbos off | st/s SPIN | st/s SPIN no POR | rate | rate no POR | MiB lbos on | MiB SPIN | B/st lbos on | B/st SPIN | own B/st lbos | own B/st SPIN |"
  echo "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} | tee "$MD"

finished() { case "$1" in ok|assertion|deadlock|invariant|error) return 0 ;; *) return 1 ;; esac; }
states_cell() { if [ "$1" = timeout ] && [ -n "$2" ]; then echo "≥$2"; else num "$2"; fi; }

SUMMARY=()
for entry in "${PROBLEMS[@]}"; do
  IFS='|' read -r problem sync pml sizes _k <<<"$entry"
  [ -n "$ONLY" ] && [ "$ONLY" != "$problem" ] && continue
  if [ $QUICK = 1 ]; then sizes=${sizes%% *}; fi
  on_dead=0 off_dead=0 spin_dead=0 nopor_dead=0
  best_line="" rates=""
  for n in $sizes; do
    on_v=skipped on_st="" on_s="" on_kb="" on_bps=""
    off_v=skipped off_st="" off_s="" off_kb=""
    if [ $on_dead = 0 ]; then
      run_lbos "$problem" "$n" on "${LBOS_ON_FLAGS[@]}"
      on_v=$L_VERDICT on_st=$L_STATES on_s=$L_SECS on_kb=$L_KB on_bps=$L_BPS
      finished "$on_v" || on_dead=1
    fi
    if [ $same_flags = 1 ]; then
      off_v=$on_v off_st=$on_st off_s=$on_s off_kb=$on_kb
    elif [ $off_dead = 0 ]; then
      run_lbos "$problem" "$n" off "${LBOS_OFF_FLAGS[@]}"
      off_v=$L_VERDICT off_st=$L_STATES off_s=$L_SECS off_kb=$L_KB
      finished "$off_v" || off_dead=1
    fi
    if [ $spin_dead = 0 ]; then
      run_spin "$problem" "$n"
      finished "$S_VERDICT" || spin_dead=1
    else
      S_VERDICT="skipped" S_STATES="" S_SECS="" S_WALL="" S_TOTAL="" S_KB="" S_VEC=""
    fi
    np_v=skipped np_st="" np_s=""
    if [ $nopor_dead = 0 ]; then
      # the POR run's results stay in S_*; this one's go to np_*
      saved=("$S_VERDICT" "$S_STATES" "$S_SECS" "$S_WALL" "$S_TOTAL" "$S_KB" "$S_VEC")
      run_spin "$problem" "$n" nopor "${SPIN_NOPOR_CC_FLAGS[@]}"
      np_v=$S_VERDICT np_st=$S_STATES np_s=$S_SECS
      finished "$np_v" || nopor_dead=1
      S_VERDICT=${saved[0]} S_STATES=${saved[1]} S_SECS=${saved[2]} S_WALL=${saved[3]} S_TOTAL=${saved[4]} S_KB=${saved[5]} S_VEC=${saved[6]}
    fi
    sym="–"; finished "$on_v" && finished "$off_v" && sym=$(ratio "$off_st" "$on_st")
    tratio="–"; finished "$on_v" && finished "$S_VERDICT" && tratio=$(ratio "$S_SECS" "$on_s")
    offrate="–"; { finished "$off_v" || [ "$off_v" = timeout ]; } && offrate=$(rate "$off_st" "$off_s")   # a timeout still measures throughput
    spinrate=$(rate "$S_STATES" "$S_SECS") nporrate="–"
    finished "$np_v" && nporrate=$(rate "$np_st" "$np_s")
    rratio=$(ratio "$offrate" "$spinrate") nratio=$(ratio "$offrate" "$nporrate")
    # the per-core rate comparison, where pan's time (printed to 0.01 s) is measurable
    if awk -v s="$S_SECS" 'BEGIN { exit !(s != "" && s + 0 >= 0.2) }' && [ "$rratio" != "–" ]; then
      rates="$rates N=$n ${rratio}x (no POR ${nratio}x);"
    fi
    vcell="$on_v / $off_v"; [ "$on_v" = "$off_v" ] && vcell="$on_v"
    line="| $problem | $n | $vcell | $S_VERDICT | $(states_cell "$on_v" "$on_st") | $(states_cell "$off_v" "$off_st") | $(num "$S_STATES") | $(num "$np_st") | $sym | $(fmt_s "$on_s") | $(fmt_s "$off_s") | $(fmt_s "$S_SECS") | $(fmt_s "$np_s") | $(fmt_s "$S_TOTAL") | $tratio | $offrate | $spinrate | $nporrate | $rratio | $nratio | $(fmt_mib "$on_kb") | $(fmt_mib "$S_KB") | $(bps "$on_kb" "$on_st") | $(bps "$S_KB" "$S_STATES") | $(num "$on_bps") | $(num "$S_VEC") |"
    echo "$line" | tee -a "$MD"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$problem" "$n" "$on_v" "$off_v" "$S_VERDICT" \
      "$on_st" "$off_st" "$S_STATES" "$on_s" "$off_s" "$S_SECS" "$S_WALL" "$S_TOTAL" "$on_kb" "$off_kb" "$S_KB" "$on_bps" "$S_VEC" \
      "$np_v" "$np_st" "$np_s" >>"$TSV"
    if finished "$S_VERDICT"; then   # pan finished within the limit
      best_line="$problem N=$n: lbos-on $on_v in $(fmt_s "$on_s") s vs SPIN $S_VERDICT in $(fmt_s "$S_SECS") s (total $(fmt_s "$S_TOTAL") s) → SPIN/lbos time $tratio; B/state peak lbos $(bps "$on_kb" "$on_st") vs SPIN $(bps "$S_KB" "$S_STATES") (own: lbos $(num "$on_bps"), SPIN $(num "$S_VEC")); states/s lbos-off $offrate vs SPIN $(rate "$S_STATES" "$S_SECS")"
    fi
    for v in "$on_v" "$off_v"; do
      if finished "$v" && finished "$S_VERDICT" && [ "$v" != "$S_VERDICT" ]; then
        SUMMARY+=("VERDICTS DIFFER: $problem N=$n: lbos $v, SPIN $S_VERDICT"); break
      fi
    done
    if finished "$on_v" && finished "$off_v" && [ "$on_v" != "$off_v" ]; then
      SUMMARY+=("LBOS VERDICTS DIFFER: $problem N=$n: reductions on $on_v, off $off_v")
    fi
  done
  [ -n "$best_line" ] && SUMMARY+=("$best_line")
  [ -n "$rates" ] && SUMMARY+=("$problem per-core rate, lbos off / SPIN (where SPIN takes ≥ 0.2 s):${rates%;}")
done

{
  echo
  echo "Headline (per problem, at the largest size SPIN finishes within ${TIMEOUT} s):"
  echo
  for s in "${SUMMARY[@]}"; do echo "- $s"; done
  echo
  echo "timeout = the run hit the ${TIMEOUT} s limit (≥ states reached so far);" \
       "skipped = a smaller size already timed out or failed for that tool/column."
} | tee -a "$MD"
echo >&2
echo "results: $MD, $TSV, raw logs in $OUT/logs/" >&2
