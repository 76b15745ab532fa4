#!/bin/bash
# it_weather.sh - `powerpark weather` on real EPW files against an
# independent psychrometric calculation (tests/psychro_ref.py): wet-bulb hour
# counts within a few hours, the 0.4 % wet-bulb, dry-bulb extremes; its JSON
# and its errors. The Chicago TMY3 file is in the repository; the Korean
# TMYx files are read from ../shared/data/weather when it is there.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
SHARED=${PP_SHARED_WEATHER:-$HERE/../../shared/data/weather}

compare() { # FILE: powerpark's JSON against the reference
	$PP weather --json "$1" > "$TMP/pp.json" 2> "$TMP/pp.err" || return 1
	/usr/bin/python3 "$HERE/psychro_ref.py" "$1" > "$TMP/ref.json" || return 1
	/usr/bin/python3 - "$TMP/pp.json" "$TMP/ref.json" <<'PY'
import json, sys
pp, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
for k in ("10", "15", "20"):
    d = abs(pp["hours_wet_bulb_le"][k] - ref["wb_le"][k])
    if d > 3:
        bad.append(f"wet-bulb <= {k}: {pp['hours_wet_bulb_le'][k]} vs {ref['wb_le'][int(k)]}")
if abs(pp["wet_bulb_c"]["p0_4"] - ref["wb_04"]) > 0.1:
    bad.append(f"0.4 % wet-bulb {pp['wet_bulb_c']['p0_4']} vs {ref['wb_04']:.2f}")
for k in ("min", "max", "mean"):
    if abs(pp["dry_bulb_c"][k] - ref["db_" + k]) > 0.01:
        bad.append(f"dry-bulb {k}")
fc = pp["free_cooling"]
if not (0 <= fc["full_h"] and 0 <= fc["partial_h"] and fc["full_h"] + fc["partial_h"] <= 8760):
    bad.append("free-cooling hours")
print("; ".join(bad) or "agree", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

CHI=$HERE/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw
check "Chicago TMY3 (LF, minute 0): agrees with the independent calculation" compare "$CHI"
check "Chicago: location read from the header" grep -q '"city":"Chicago Ohare Intl Ap".*"wmo":"725300"' "$TMP/pp.json"
n=0
for f in "$SHARED"/KOR_*.epw; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	check "$(basename "$f") (TMYx: CRLF, minute 30): agrees with the independent calculation" compare "$f"
done
[ "$n" -eq 0 ] && echo "SKIP: the Korean TMYx files are not in $SHARED (not redistributable, not copied here)"

# Warmer chilled water means more free-cooling hours.
fc() { $PP weather --json --chw-supply "$1" "$CHI" | /usr/bin/python3 -c "import json,sys; f=json.load(sys.stdin)['free_cooling']; print(f['full_h'])"; }
check "free-cooling hours rise with the chilled-water supply ($(fc 12) h at 12 C, $(fc 18) h at 18 C)" [ "$(fc 12)" -lt "$(fc 18)" ]
$PP weather "$CHI" > "$TMP/text.out"
check "the text summary names the 0.4 % wet-bulb and free cooling" grep -q "0.4 %.*25.4" "$TMP/text.out"

# A damaged file: the error names the file and line.
head -20 "$CHI" > "$TMP/bad.epw"
sed -n 21p "$CHI" | sed 's/,-[0-9.]*,-/,hot,-/' >> "$TMP/bad.epw"
$PP weather "$TMP/bad.epw" > /dev/null 2> "$TMP/bad.err"
check "a bad field is reported with file:line and the field" grep -q "bad.epw:21: field 7 (dry-bulb)" "$TMP/bad.err"
head -100 "$CHI" > "$TMP/short.epw"
$PP weather "$TMP/short.epw" > /dev/null 2> "$TMP/short.err"
check "a short file says how many rows it has" grep -q "92 hourly rows; an EPW year has 8760" "$TMP/short.err"
$PP weather --chw-supply warm "$CHI" > /dev/null 2> "$TMP/arg.err"
check "a bad option value is refused with a reason" grep -q "expected a number" "$TMP/arg.err"

done_tests it_weather
