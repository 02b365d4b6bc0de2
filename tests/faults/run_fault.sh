#!/usr/bin/env bash
# run_fault.sh SIM MODULE FAULT_P11 [WITH_SIM_OPTION...] -- COMMAND...
# Runs COMMAND inside scripts/with-sim with a fresh --state file and the simulator's control
# socket exported as $MYNACARD_SIM_CONTROL (plus $FAULT_MODULE, $FAULT_P11, $FAULT_DIR for the
# command). A hard `timeout` turns any hang into a failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sim="$1" module="$2" p11="$3"; shift 3
opts=()
dir="$(mktemp -d /tmp/mynacard-faults.XXXXXX)"
# --trace-in-dir = --trace $FAULT_DIR/trace.log (the directory does not exist before this script).
while [[ $# -gt 0 && "$1" != "--" ]]; do
  if [[ "$1" == --trace-in-dir ]]; then opts+=(--trace "$dir/trace.log"); else opts+=("$1"); fi
  shift
done
shift
trap 'rm -rf "$dir"' EXIT
# FAULT_STATE_INIT: a state file to start from (e.g. changed PINs, see cardsim/state_store.h).
[[ -n "${FAULT_STATE_INIT:-}" ]] && cp "$FAULT_STATE_INIT" "$dir/state.json"
export FAULT_REAL_SIM="$sim" MYNACARD_SIM="$here/sim_with_control.sh"
export MYNACARD_SIM_CONTROL="$dir/control.sock" FAULT_MODULE="$module" FAULT_P11="$p11" FAULT_DIR="$dir"
timeout -k 5 "${FAULT_TIMEOUT:-240}" "$root/scripts/with-sim" --state "$dir/state.json" "${opts[@]}" -- "$@"
