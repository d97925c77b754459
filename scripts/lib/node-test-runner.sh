# Sourced by scripts/interop.sh and scripts/integration.sh: runs Node's built-in test runner in its own
# process group with a time limit, prints its output, and ends with "<label>N passed, M failed".
# Usage: run_node_tests LABEL TIME_LIMIT_SECONDS COMMAND... (COMMAND is the full node --test invocation,
# optionally prefixed with env assignments via `env`). Returns non-zero on any failure.
run_node_tests() {
  local label=$1 time_limit=$2
  shift 2
  _lh_log=$(mktemp)
  _lh_runner_pid=""
  # The runner leads its own process group: end it and every server it may have left behind.
  _lh_cleanup() {
    if [ -n "$_lh_runner_pid" ]; then
      kill -TERM -- "-$_lh_runner_pid" 2>/dev/null && sleep 1
      kill -KILL -- "-$_lh_runner_pid" 2>/dev/null
    fi
    rm -f "$_lh_log"
  }
  trap _lh_cleanup EXIT
  trap 'exit 130' INT TERM

  setsid "$@" >"$_lh_log" 2>&1 &
  _lh_runner_pid=$!
  local waited timed_out=0 status
  for ((waited = 0; waited < time_limit; waited++)); do
    kill -0 "$_lh_runner_pid" 2>/dev/null || break
    sleep 1
  done
  if kill -0 "$_lh_runner_pid" 2>/dev/null; then
    timed_out=1
    kill -TERM -- "-$_lh_runner_pid" 2>/dev/null
    sleep 5
    kill -KILL -- "-$_lh_runner_pid" 2>/dev/null
  fi
  wait "$_lh_runner_pid"
  status=$?
  cat "$_lh_log"
  [ "$timed_out" = 1 ] && echo "${label}the tests did not finish within ${time_limit}s" >&2

  _lh_count() { grep -E "^ℹ $1 [0-9]+$" "$_lh_log" | tail -n 1 | awk '{print $3}'; }
  local passed failed cancelled
  passed=$(_lh_count pass)
  failed=$(_lh_count fail)
  cancelled=$(_lh_count cancelled)
  [ -n "$passed" ] || { passed=0; failed=1; }
  failed=$(( ${failed:-0} + ${cancelled:-0} ))
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  echo "${label}$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
