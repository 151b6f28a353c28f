#!/usr/bin/env bash
# Mutation testing of the modules that compute numbers (mutmut 3; not part of CI: too slow).
#
# Usage (from anywhere; the data mirror as for the tests, default ../shared/data):
#   bash scripts/mutation.sh                       # every module below
#   bash scripts/mutation.sh metrics distance      # some of them (names from the table below)
#
# Environment (all optional):
#   MAX_CHILDREN=1        parallel mutant workers (default 2)
#   TIMEBOX=30            stop the run after 30 minutes; what was checked is kept and reported, the rest
#                         is "not checked" (a later RESUME=1 run continues from there)
#   RESUME=1              keep build/mutation/<name>/ and its verdicts: refresh the copy of the project
#                         (new tests, changed sources) and check only the mutants without a verdict;
#                         mutmut itself re-checks the mutants of functions whose source changed. The
#                         test selection must be the same as in the run resumed (a change resets all).
#   ONLY="*x__od__* *x_summarise__mutmut_4?"
#                         check only the mutants matching these globs (re-checked even if they have a
#                         verdict); with RESUME=1 the others keep theirs
#   RECHECK=survivors     with RESUME=1: re-check every mutant whose verdict is not "killed" (after new
#                         tests were added), plus those without a verdict
#   RECHECK=survived      the same, but only the mutants that survived (not the unchecked ones)
#   RESTATS=1             with RESUME=1: map tests to functions again (mutmut maps a test to the code
#                         it runs; only new test names are mapped on a resume)
#   SAMPLE=200            check a uniform random sample of 200 of the module's mutants (SEED=0 by
#                         default; the names go to build/mutation/results/<name>.sample): the score is
#                         then an estimate, reported with its 95 % Wilson interval. With RESUME=1 the
#                         same seed draws the same sample, so RECHECK and a larger SAMPLE build on it.
#
# mutmut maps each test to the functions it *runs*: a module- or session-scoped fixture is built
# once and credited to the first test that uses it, so tests that only read it are never run
# against the mutants of what it computed. The fixtures of the tests listed below are
# function-scoped where cheap (tests/test_coverage.py, test_national.py, ...).
#
# For each module, mutmut copies the project into a scratch directory (build/mutation/<name>/,
# whose mutants/ holds the mutated copy), runs the module's fast tests against every mutant and
# records the result. The score (killed / total) and the surviving mutants of every module run
# are written to docs/testing.md between the "mutation:begin/end" markers, one section per module
# (a module not run keeps its previous section). Needs: pip install "mutmut>=3.8,<4".
# Run it before resolving an issue that touches these modules; judge every survivor (kill it with
# a test, or list it in docs/testing.md as equivalent with one line on why).
set -euo pipefail
# one compound command, parsed whole before it runs: editing this file during a run is then safe
{
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
MUTMUT="${MUTMUT:-$(dirname "$PY")/mutmut}"
export NARVARO_DATA_MIRROR="${NARVARO_DATA_MIRROR:-$(cd "$ROOT/.." && pwd)/shared/data}"
MAX_CHILDREN="${MAX_CHILDREN:-2}"
[ -d "$NARVARO_DATA_MIRROR" ] || { echo "no data mirror at $NARVARO_DATA_MIRROR: set NARVARO_DATA_MIRROR" >&2; exit 2; }

# name | module | tests that exercise it (fast ones; mutmut runs, per mutant, those that reach it)
declare -A MODULE TESTS
MODULE[metrics]=src/narvaro/analysis/metrics.py
TESTS[metrics]="tests/test_metrics.py tests/test_coverage.py tests/test_national.py"
MODULE[distance]=src/narvaro/network/distance.py
TESTS[distance]="tests/test_distance.py tests/test_distance_edges.py tests/test_distance_estimate.py tests/test_od_present.py tests/test_road_mode.py tests/test_contract.py tests/test_metrics.py tests/test_constrained.py"
MODULE[status]=src/narvaro/offices/status.py
TESTS[status]="tests/test_golden.py tests/test_status_rules.py tests/test_offices.py tests/test_status_details.py"
MODULE[coverage]=src/narvaro/analysis/coverage.py
TESTS[coverage]="tests/test_coverage.py tests/test_bounds.py tests/test_national.py tests/test_metrics.py tests/test_intervals.py tests/test_constrained.py tests/test_coverage_parts.py"
MODULE[bounds]=src/narvaro/analysis/bounds.py
TESTS[bounds]="tests/test_bounds.py tests/test_national.py tests/test_constrained.py tests/test_bounds_parts.py"
MODULE[constrained]=src/narvaro/analysis/constrained.py
TESTS[constrained]="tests/test_constrained.py tests/test_bounds.py"
MODULE[intervals]=src/narvaro/analysis/intervals.py
TESTS[intervals]="tests/test_intervals.py"
MODULE[draws]=src/narvaro/offices/draws.py
TESTS[draws]="tests/test_draws.py tests/test_draws_parts.py tests/test_bayes.py"
MODULE[plan]=src/narvaro/analysis/plan.py
TESTS[plan]="tests/test_plan.py tests/test_plan_parts.py"
MODULE[model]=src/narvaro/offices/model.py
TESTS[model]="tests/test_model.py tests/test_bayes.py"
MODULE[bayes]=src/narvaro/offices/bayes.py
TESTS[bayes]="tests/test_bayes.py tests/test_draws.py tests/test_draws_parts.py"
MODULE[budget]=src/narvaro/analysis/budget.py
TESTS[budget]="tests/test_bayes.py"
ALL=(metrics distance status coverage bounds constrained intervals draws plan model bayes budget)

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
RESULTS="$ROOT/build/mutation/results"
mkdir -p "$RESULTS"

for name in "${names[@]}"; do
  module="${MODULE[$name]:?unknown module name $name (one of ${ALL[*]})}"
  work="$ROOT/build/mutation/$name"
  echo "== $name: $module (tests: ${TESTS[$name]})"
  if [ "${RESUME:-0}" != 1 ] || [ ! -d "$work/mutants" ]; then
    rm -rf "$work"
  fi
  mkdir -p "$work"
  # the project, without caches and earlier mutants (on RESUME: over the previous copy; mutants/ stays)
  (cd "$ROOT" && tar --exclude=./build --exclude=./mutants --exclude=./.venv --exclude=./output \
      --exclude='*/__pycache__' --exclude=./.git -cf - .) | tar -xf - -C "$work"
  # narrow [tool.mutmut] to this module and its tests
  "$PY" - "$work/pyproject.toml" "$module" ${TESTS[$name]} <<'EOF'
import re, sys
path, module, tests = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(path, encoding="utf-8").read()
text = re.sub(r"(?m)^only_mutate = .*$", f"only_mutate = [{module!r}]".replace("'", '"'), text)
text = re.sub(r"(?m)^pytest_add_cli_args_test_selection = .*$",
              "pytest_add_cli_args_test_selection = [" + ", ".join(f'"{t}"' for t in tests) + "]", text)
open(path, "w", encoding="utf-8").write(text)
EOF
  # which mutants: all without a verdict (default), some by glob (ONLY), or the survivors again (RECHECK)
  select=()
  if [ -n "${ONLY:-}" ]; then
    read -r -a select <<< "$ONLY"
  elif [ -n "${SAMPLE:-}" ] && [ -z "${RECHECK:-}" ]; then
    # generate the mutants and map the tests to them: mutmut does both, then stops on a name that
    # matches no mutant ("nothing matches"), which is the expected end here; then draw
    (cd "$work" && env -u PYTHONPATH -u NARVARO_CACHE_DIR "$MUTMUT" run --max-children "$MAX_CHILDREN" \
      "no-such-mutant") > "$RESULTS/$name.log" 2>&1 \
      || grep -q "nothing matches" "$RESULTS/$name.log" \
      || { echo "mutmut failed for $name"; tail -20 "$RESULTS/$name.log"; exit 1; }
    (cd "$work" && "$MUTMUT" results --all true 2>/dev/null) | "$PY" -c '
import random, re, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
names = sorted({m.group(1) for line in sys.stdin if (m := re.match(r"^\s*(\S+__mutmut_\d+):", line))})
random.Random(seed).shuffle(names)  # a prefix of one shuffle: a larger SAMPLE extends a smaller one
print("\n".join(sorted(names[:n])))
' "$SAMPLE" "${SEED:-0}" > "$RESULTS/$name.sample"
    mapfile -t select < "$RESULTS/$name.sample"
    if [ "${RESUME:-0}" = 1 ]; then  # the sample's mutants that already have a verdict keep it
      mapfile -t select < <((cd "$work" && "$MUTMUT" results --all true 2>/dev/null) | grep -E ": not checked" \
        | sed 's/^ *//; s/:.*//' | grep -Fxf "$RESULTS/$name.sample" || true)
    fi
    echo "   sample of ${#select[@]} mutants (seed ${SEED:-0}): $RESULTS/$name.sample"
  elif [ -n "${RECHECK:-}" ] && [ -f "$work/mutants/mutmut-stats.json" ]; then
    pattern=": (survived|no tests|timeout|suspicious|not checked)"
    [ "$RECHECK" = survivors ] || pattern=": (survived|no tests|suspicious)"
    mapfile -t select < <(cd "$work" && "$MUTMUT" results --all true 2>/dev/null \
      | grep -E "$pattern" | sed 's/^ *//; s/:.*//')
    [ ${#select[@]} -gt 0 ] || { echo "nothing to re-check for $name"; }
  fi
  # RESTATS=1: collect mutmut's test -> function map again (after a fixture changed scope, say);
  # the verdicts are kept
  [ "${RESTATS:-0}" != 1 ] || rm -f "$work/mutants/mutmut-stats.json"
  timebox=()
  [ -z "${TIMEBOX:-}" ] || timebox=(timeout --signal=INT --kill-after=120 "${TIMEBOX}m")
  start=$(date +%s)
    # the work copy's ../shared does not exist: the mirror comes from NARVARO_DATA_MIRROR
  rc=0
  if { [ -n "${RECHECK:-}" ] || [ -n "${SAMPLE:-}" ]; } && [ -z "${ONLY:-}" ] && [ ${#select[@]} -eq 0 ]; then
    :
  else
    # mutmut stops cleanly on SIGINT (KeyboardInterrupt), which a background job (nohup ... &)
    # inherits as ignored: restore Python's handler before running it
    # no NARVARO_CACHE_DIR: tests/conftest.py then gives every pytest session (one per mutant) its
    # own cache, so a mutant's wrong solver optimum cached on disk cannot answer for later mutants
    (cd "$work" && env -u PYTHONPATH -u NARVARO_CACHE_DIR "${timebox[@]}" "$PY" -c \
      'import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' \
      "$MUTMUT" run --max-children "$MAX_CHILDREN" "${select[@]}") > "$RESULTS/$name.log" 2>&1 || rc=$?
  fi
  # 124: stopped by TIMEBOX (the verdicts so far are kept)
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
    echo "mutmut failed for $name, see $RESULTS/$name.log"; tail -20 "$RESULTS/$name.log"; exit 1
  fi
  (cd "$work" && "$MUTMUT" results --all true) > "$RESULTS/$name.results" 2>&1 || true
  secs=$(( $(date +%s) - start ))
  # surviving mutants as diffs
  : > "$RESULTS/$name.survivors"
  # grep finds nothing when every mutant was killed: that is not a failure (set -o pipefail)
  { grep -E ": (survived|no tests|timeout|suspicious)" "$RESULTS/$name.results" || true; } | sed 's/^ *//; s/:.*//' | while read -r m; do
    echo "### $m" >> "$RESULTS/$name.survivors"
    (cd "$work" && "$MUTMUT" show "$m") >> "$RESULTS/$name.survivors" 2>&1 || true
  done
  "$PY" "$ROOT/scripts/mutation_report.py" "$name" "$module" "$RESULTS/$name.results" "$RESULTS/$name.survivors" \
    "$secs" "${TESTS[$name]}" "$ROOT/docs/testing.md" ${SAMPLE:+"$RESULTS/$name.sample"} ${SAMPLE:+"${SEED:-0}"}
done
echo "docs/testing.md updated"
exit
}
