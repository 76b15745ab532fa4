#!/bin/bash
# it_layout.sh - the structure docs/architecture.md promises, checked on the
# sources and on this build's objects by scripts/layout_check.py: layers
# that point down only, no dependency cycle between files, JSON (jansson)
# only at the edges, files under 800 lines and functions under 120, public
# functions named pp_<header>_<verb>. Also that the checker itself finds a
# planted cycle and an upward call, so a silent checker cannot pass.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-build}
cd "$ROOT" || exit 1

python3 scripts/layout_check.py --build "$BUILD" > "$TMP/out.txt" 2>&1
tail -1 "$TMP/out.txt"
none() { # KIND REGEX: no problem line of that kind
	if grep -E "$2" "$TMP/out.txt" > "$TMP/hits.txt"; then
		sed 's/^/    /' "$TMP/hits.txt" >&2
		return 1
	fi
}
check "the checker read the sources and the objects" \
	grep -qE '^layout: [0-9]{3,} files, [0-9]{3,} edges' "$TMP/out.txt"
check "no upward dependency" none up 'upward (include|call)'
check "no dependency cycle between files" none cycle '^dependency cycle'
check "jansson only at the JSON edge" none json 'JSON edge'
check "no file over 800 lines" none size 'lines \(at most 800\)'
check "no function over 120 lines" none func '\(\) is [0-9]+ lines'
check "public functions named pp_<header>_<verb>, every header in a room" \
	none names 'not named|without a room'

# The checker on planted faults: a cycle of three files, and a models file
# that calls into the optimizer.
python3 - <<'PY' > "$TMP/self.txt"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lc", "scripts/layout_check.py")
lc = importlib.util.module_from_spec(spec); spec.loader.exec_module(lc)
g = {"a.c": {"b.c"}, "b.c": {"c.c"}, "c.c": {"a.c"}, "d.c": {"a.c"}}
print("cycles", lc.sccs(g, sorted(g)))
p = []
lc.check_graph({"models/x.c": {"optimizer/solver/y.c"}, "cmd/z.c": {"core/w.c"}}, {}, p)
print("problems", p)
PY
check "the checker finds a planted cycle" grep -q "cycles \[\['a.c', 'b.c', 'c.c'\]\]" "$TMP/self.txt"
check "the checker finds a planted upward call, and only that" \
	grep -q "problems \['models/x.c: upward call: models -> optimizer/solver/y.c (optimizer/solver)'\]" "$TMP/self.txt"
done_tests it_layout
