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
# A collector's config: devices and outputs, no power tree (issue 26, 6).
cat > "$TMP/edge.yaml" <<YAML
site: {name: edge}
devices:
  - {name: m1, protocol: modbus-tcp, address: '127.0.0.1:1', unit_id: 1, profile: meter-3ph, timeout_ms: 200, retries: 0}
outputs:
  - {name: local, type: file, path: $TMP/edge-out}
YAML
(cd / && "$P/bin/powerpark" check -c "$TMP/edge.yaml") > "$TMP/edge.out" 2>&1
check "a collector's config (no power tree) passes check and says what it is" \
	sh -c "[ $? -eq 0 ] && grep -q \"a collector's config\" $TMP/edge.out"
(cd / && "$P/bin/powerpark" collect -c "$TMP/edge.yaml" --once --stdout) > "$TMP/edge.lp" 2>&1
check "collect runs it (the one device is absent: exit 3, its health sample written)" \
	sh -c "[ $? -eq 3 ] && grep -q '^device,site=edge,device=m1' $TMP/edge.lp"
(cd / && "$P/bin/powerpark" optimize -c "$TMP/edge.yaml") > "$TMP/edge-opt.out" 2>&1
check "optimize refuses it with the reason" \
	sh -c "[ $? -ne 0 ] && grep -q 'has no power tree' $TMP/edge-opt.out"
done_tests it_install
