# Sourced by bench/run.sh and bench/guard.sh: the one place where the two lbos columns are defined.
# "reductions on" is what lbos does by default (symmetry, partial-order reduction, a search
# thread per core); "reductions off" switches every reduction off and searches on one core, so
# its states per second are per core. When both lists are equal, run.sh runs lbos once and
# reports that run in both columns (and says so).
# shellcheck disable=SC2034
LBOS_ON_FLAGS=()
LBOS_OFF_FLAGS=(--no-symmetry --no-por --jobs 1)

# lbos thread arguments for problem $1 at size $2 (shared by run.sh and guard.sh)
lbos_threads() {
  case "$1" in
    philosophers) echo "--threads philosopher=$2" ;;
    barrier) echo "--threads $2" ;;
    readers-writers) echo "--threads writer=$2 --threads reader=$2" ;;
    barbershop) echo "--threads customer=$2" ;;
    h2o) echo "--threads oxygen=1 --threads hydrogen=$2" ;;
  esac
}
