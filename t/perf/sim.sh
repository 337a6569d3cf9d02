# SPDX-License-Identifier: ISC
# t/perf/sim.sh: the simulator (t/sim.sh) for a benchmark, outside the
# test harness.  Source it with $top (the source tree) and $out (a fresh
# work directory under build/perf) set: it makes and enters $out, builds
# glow if need be, puts build/bin first on PATH, and stops the simulator
# at exit.
rm -rf "$out"
mkdir -p "$out"
cd "$out" || exit 2
[ -x "$top/build/bin/glow-provision" ] || make -s -C "$top" all >/dev/null
PATH=$top/build/bin:$PATH
TRASH=$out
T_DIR=$top/t
cleanup=
test_at_exit() { cleanup="$1; $cleanup"; trap "$cleanup" EXIT; }
. "$top/t/sim.sh"
