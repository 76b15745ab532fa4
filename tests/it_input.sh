#!/bin/bash
# it_input.sh - input that crashed or hung powerpark (issue 23, items 8-11),
# through the commands an operator runs: `check` on a hall or chiller
# without a name that a scenario names, on a scenario job name of 8 MiB with
# `count`, on YAML that is not UTF-8 (libfyaml 0.7.12 loops forever on
# `%\xff`); `weather` on an EPW row whose date or minute is 1e20. Each must
# end promptly with a clear FILE:LINE[:COL] message, never a signal.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
TINY=$HERE/data/scenario_tiny.yaml
CHI=$HERE/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw
DEADLINE=60 # seconds before a run counts as hung (each takes well under 1 s)

# run_pp OUT ERR ARGS...: $PP under the deadline; RC its exit status.
run_pp() {
	out=$1 err=$2; shift 2
	timeout -s KILL "$DEADLINE" "$PP" "$@" > "$out" 2> "$err"
	RC=$?
}
ended() { [ "$RC" -eq "$1" ]; } # not killed, not a signal: the status given

# Item 8: a hall, then a chiller, without a name; a scenario job names the
# hall, a fault the chiller.
sed 's/^    - name: c$/    -/' "$TINY" > "$TMP/hall.yaml"
run_pp "$TMP/o" "$TMP/hall.err" check -c "$TMP/hall.yaml"
check "a hall without a name named by a job: exit 1, not a crash (exit $RC)" ended 1
check "... and the problems are named" grep -q "hall.yaml:39:7: hall: missing required key 'name'" "$TMP/hall.err"
check "... the job's hall too" grep -q "job pretrain: no hall named 'c'" "$TMP/hall.err"
sed -e 's/{name: ch2, model/{model/' -e 's/{chiller: ch2,/{chiller: ch9,/' "$TINY" > "$TMP/chiller.yaml"
run_pp "$TMP/o" "$TMP/chiller.err" check -c "$TMP/chiller.yaml"
check "a chiller without a name, a fault naming another: exit 1, not a crash (exit $RC)" ended 1
check "... and the problems are named" grep -q "fault: no chiller named 'ch9' in any plant" "$TMP/chiller.err"

# Item 9: a job name of 8 MiB with count 2 (NAME-1, NAME-2).
/usr/bin/python3 - "$TINY" "$TMP/long.yaml" <<'PY'
import sys
t = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(t.replace("{name: eval,", "{name: " + "e" * (8 << 20) + ","))
PY
run_pp "$TMP/long.out" "$TMP/long.err" check -c "$TMP/long.yaml"
check "a scenario job name of 8 MiB with count: checks clean (exit $RC)" ended 0
check "... and the summary is printed" grep -q "^power: .* 16 racks" "$TMP/long.out"

# Item 10: YAML that is not UTF-8, on a directive line, through check and plan.
printf '%%\377' > "$TMP/ff.yaml"
printf '%%o \303' > "$TMP/c3.yaml"
printf 'site:\n  name: caf\303\251\377\n' > "$TMP/late.yaml"
for f in ff c3 late; do
	t0=$(date +%s.%N)
	run_pp "$TMP/o" "$TMP/$f.err" check -c "$TMP/$f.yaml"
	ms=$(echo "($(date +%s.%N) - $t0) * 1000 / 1" | bc)
	check "check on $f.yaml (not UTF-8) ends in ${ms} ms, exit 1 (exit $RC)" ended 1
done
check "... '%\\xff': its line and column" grep -q "ff.yaml:1:2: not valid UTF-8 (byte 0xff); a YAML file must be UTF-8" "$TMP/ff.err"
check "... '%o \\xc3': its line and column" grep -q "c3.yaml:1:4: not valid UTF-8 (byte 0xc3)" "$TMP/c3.err"
check "... a later line: the column in characters" grep -q "late.yaml:2:13: not valid UTF-8 (byte 0xff)" "$TMP/late.err"
run_pp "$TMP/o" "$TMP/plan.err" plan "$TMP/ff.yaml" --out "$TMP/plan-out"
check "plan on '%\\xff' ends with an error (exit $RC)" ended 1
check "... naming the file, line and column" grep -q "ff.yaml:1:2: not valid UTF-8" "$TMP/plan.err"

# Item 11: EPW dates and minutes of 1e20.
epw() { # NAME ROW FIELD VALUE: the Chicago year with one field changed
	awk -F, -v r="$2" -v k="$3" -v v="$4" 'BEGIN{OFS=","} NR==r{$k=v}1' "$CHI" > "$TMP/$1.epw"
}
epw month 9 2 1e20
epw minute 20 5 1e20
epw hour 9 4 -1e20
run_pp "$TMP/o" "$TMP/month.err" weather "$TMP/month.epw"
check "weather: a month of 1e20 is refused (exit $RC)" ended 1
check "... as the text it is, not -2147483648" grep -q "month.epw:9: field 2 (month): expected a whole number from 1 to 12, got '1e20'" "$TMP/month.err"
run_pp "$TMP/o" "$TMP/minute.err" weather "$TMP/minute.epw"
check "weather: a minute of 1e20 is refused (exit $RC)" ended 1
check "... at its line" grep -q "minute.epw:20: field 5 (minute): expected a whole number from 0 to 60" "$TMP/minute.err"
run_pp "$TMP/o" "$TMP/hour.err" weather "$TMP/hour.epw"
check "weather: an hour of -1e20 is refused (exit $RC)" ended 1
check "... as written" grep -q "got '-1e20'" "$TMP/hour.err"

done_tests it_input
