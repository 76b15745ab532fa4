#!/bin/bash
# it_install.sh - `make install PREFIX=DIR` into a temporary prefix, and the
# installed binary, run from another folder, finds the installed profiles
# (issue 26, item 6; issue 27): the installed examples pass `check`.
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
P=$TMP/prefix
make --no-print-directory install PREFIX="$P" BUILD="$BUILD" > "$TMP/install.out" 2>&1
check "make install PREFIX=$P installs the binary, the profiles and the examples" \
	[ -x "$P/bin/powerpark" -a -f "$P/share/powerpark/profiles/ups-rfc1628.yaml" -a \
	  -f "$P/share/powerpark/examples/small.yaml" ]
for ex in small large; do
	(cd / && "$P/bin/powerpark" check -c "$P/share/powerpark/examples/$ex.yaml") \
		> "$TMP/$ex.out" 2>&1
	check "the installed $ex example passes check from / (profiles found beside the binary)" \
		sh -c "[ $? -eq 0 ] && ! grep -q 'not found' $TMP/$ex.out"
done
cp "$P/share/powerpark/examples/small.yaml" "$TMP/site.yaml"
sed -i 's/profile: [a-z0-9-]*/profile: no-such-profile/' "$TMP/site.yaml"
(cd / && "$P/bin/powerpark" check -c "$TMP/site.yaml") > "$TMP/bad.out" 2>&1
check "a missing profile names each folder it looked in once" /usr/bin/python3 - "$TMP/bad.out" <<'PY'
import re, sys
m = re.search(r"looked for no-such-profile\.yaml in: ([^)]*)\)", open(sys.argv[1]).read())
dirs = m.group(1).split(", ") if m else []
print(dirs)
sys.exit(not dirs or len(dirs) != len(set(dirs)) or not any("share/powerpark/profiles" in d for d in dirs))
PY
done_tests it_install
