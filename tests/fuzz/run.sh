#!/bin/bash
# run.sh - runs the fuzz targets of $BUILD/fuzz (make fuzzers), one after
# the other, each for FUZZ_SECONDS (default 60) on a working copy of its
# corpus: tests/fuzz/corpus/NAME seeds $BUILD/fuzz/corpus/NAME, where what
# libFuzzer finds new is kept between runs. A crash, leak, timeout or
# running out of memory leaves its input in $BUILD/fuzz/artifacts/ and
# fails the target. One line per target: its runs and coverage (cov, ft).
#   tests/fuzz/run.sh [TARGET...]     e.g. tests/fuzz/run.sh config epw
# FUZZ_WORK=DIR puts the working corpora elsewhere (it_fuzz.sh: a temporary
# folder); FUZZ_NICE (default 10) is the niceness.
set -u
BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-60}
WORK=${FUZZ_WORK:-$BUILD/fuzz/corpus}
ART=${FUZZ_ARTIFACTS:-$BUILD/fuzz/artifacts}
HERE=tests/fuzz

# NAME: the dictionary, the longest input (bytes), the timeout of one input (s).
opts() {
	case $1 in
	lineproto) echo "lineproto 4096 5" ;;
	config)    echo "yaml 65536 10" ;;
	plan)      echo "yaml 8192 10" ;;
	inst)      echo "json 8192 10" ;;
	api)       echo "json 4096 10" ;;
	epw)       echo "- 16384 10" ;;
	state)     echo "- 16384 10" ;;
	redfish)   echo "redfish 16384 10" ;;
	snmp_ber)  echo "- 8192 10" ;;
	hostlist)  echo "- 1024 10" ;;
	*) return 1 ;;
	esac
}

targets=${*:-lineproto config plan inst api epw state redfish snmp_ber hostlist}
mkdir -p "$ART"
fail=0
for t in $targets; do
	o=$(opts "$t") || { echo "not ok - fuzz_$t: no such target" >&2; fail=1; continue; }
	set -- $o
	bin=$BUILD/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "not ok - fuzz_$t: $bin is not built (make fuzzers)" >&2; fail=1; continue; }
	mkdir -p "$WORK/$t"
	dict=""
	[ "$1" != - ] && dict="-dict=$HERE/dict/$1.dict"
	log=$ART/fuzz_$t.log
	# -rss_limit_mb: an input that takes 2 GiB is a finding, not a stall.
	nice -n "${FUZZ_NICE:-10}" "$bin" $dict -max_len="$2" -timeout="$3" -rss_limit_mb=2048 \
		-max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$ART/fuzz_$t-" "$WORK/$t" "$HERE/corpus/$t" > "$log" 2>&1
	rc=$?
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | grep -o 'cov: [0-9]*' | cut -d' ' -f2)
	ft=$(echo "$last" | grep -o 'ft: [0-9]*' | cut -d' ' -f2)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz_$t: ${runs} runs in ${SECONDS_EACH} s, cov ${cov:-?} ft ${ft:-?}"
	else
		echo "not ok - fuzz_$t (exit $rc): see $log" >&2
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -5 | sed 's/^/    /' >&2
		fail=1
	fi
done
exit $fail
