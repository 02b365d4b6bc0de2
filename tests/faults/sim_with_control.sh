#!/usr/bin/env bash
# The simulator with its fault-control socket: scripts/with-sim starts $MYNACARD_SIM with its own
# options; this wrapper adds --control "$MYNACARD_SIM_CONTROL" (until with-sim learns --control).
exec "$FAULT_REAL_SIM" --control "$MYNACARD_SIM_CONTROL" "$@"
