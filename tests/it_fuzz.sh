#!/bin/bash
# it_fuzz.sh - every fuzz target (tests/fuzz/, docs/fuzzing.md) for a few
# seconds on its committed corpus, so a regression of a parser on what it
# was once fuzzed with shows in `make check`: a crash, a leak, a timeout or
# an input that takes too much memory fails its target. The long runs are
# `make fuzz`.
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
cd "$(dirname "$0")/.." || exit 1
EACH=${IT_FUZZ_SECONDS:-2}
for t in lineproto config plan inst api epw state redfish snmp_ber hostlist; do
	out=$(FUZZ_SECONDS=$EACH FUZZ_WORK=$TMP/work FUZZ_ARTIFACTS=$TMP/art BUILD=$BUILD \
		tests/fuzz/run.sh "$t" 2>&1)
	rc=$?
	echo "$out" | sed -n '2,$p' >&2
	check "$(echo "$out" | head -1 | sed -e 's/^ok - //' -e 's/^not ok - //')" [ "$rc" -eq 0 ]
done
done_tests it_fuzz
