#!/usr/bin/env bash
# check_trace.sh MIN_SIGNATURES COMMAND... — runs COMMAND (inside run_fault.sh with
# --trace-in-dir), then checks the simulator's trace: at least MIN_SIGNATURES signature commands
# (80 2A), each directly after the SELECT of its key EF (00 A4 02 0C 02 00 17|1A). Anything else in
# between would be another thread's or process's command inside a signature: no transaction.
set -uo pipefail
min="$1"; shift
"$@"; rc=$?
trace="$FAULT_DIR/trace.log"
pso=$(grep -c '^> 80 2A' "$trace")
interleaved=$(awk '/^> / { if ($2" "$3 == "80 2A" && prev !~ /^> 00 A4 02 0C 02 00 (17|1A)/) n++; prev = $0 }
                   END { print n + 0 }' "$trace")
echo "trace: $pso signature commands, $interleaved not directly after their key's SELECT"
[[ $rc -eq 0 && $pso -ge $min && $interleaved -eq 0 ]]
