#!/bin/bash
# it_install.sh - `make install PREFIX=P DESTDIR=D` into temporary folders,
# then the installed tree as a site would use it (docs/install.md; issue 26,
# item 6; issue 27, item 4): the binary, run from another folder, finds its
# profiles and carries its own prefix; every installed example and the site
# template pass `check`, also copied to /etc-like folders; the examples write
# under ./ and configure no store they do not run; the man pages render and
# list every option of their command's --help; the bash completion sources
# and offers them; the systemd units verify (systemd-analyze) as installed,
# are sandboxed, and a broken one does not verify; uninstall removes it all.
. "$(dirname "$0")/lib.sh"
BUILD=${BUILD:-build}
D=$TMP/dest
P=/opt/pp-it-$$
S=$D$P
DATA=$S/share/powerpark
# The paths the last build compiled in ($(BUILD)/prefix: BINDIR DATADIR
# SYSCONFDIR), put back at the end so the build is left as it was found.
old_bin= old_data= old_etc=
read -r old_bin old_data old_etc < "$BUILD/prefix" 2>/dev/null || true
restore() {
	if [ -n "${old_bin:-}" ]; then
		make --no-print-directory BUILD="$BUILD" BINDIR="$old_bin" DATADIR="$old_data" \
			SYSCONFDIR="$old_etc" all > "$TMP/restore.out" 2>&1
	else
		make --no-print-directory BUILD="$BUILD" all > "$TMP/restore.out" 2>&1
	fi
}

make --no-print-directory install PREFIX="$P" DESTDIR="$D" BUILD="$BUILD" > "$TMP/install.out" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -20 "$TMP/install.out"
check "make install PREFIX=$P DESTDIR=$D succeeds" [ $rc -eq 0 ]
check "it installs the binary, the profiles, the examples and the site template" \
	[ -x "$S/bin/powerpark" -a -f "$DATA/profiles/ups-rfc1628.yaml" -a \
	  -f "$DATA/examples/small.yaml" -a -f "$DATA/examples/large.yaml" -a \
	  -f "$DATA/examples/site-template.yaml" ]
check "nothing is installed outside DESTDIR" sh -c "[ ! -e '$P' ]"
check "the binary carries its own prefix (rebuilt for PREFIX, not the last build's)" \
	grep -qa "$P/share/powerpark" "$S/bin/powerpark"
n=$(ls "$DATA"/dashboards/*.json 2>/dev/null | wc -l)
check "the Grafana dashboards are installed ($n of $(ls dashboards/*.json | wc -l))" \
	[ "$n" -eq "$(ls dashboards/*.json | wc -l)" ]
check "the dashboard provider points at the installed dashboards" \
	grep -q "path: $P/share/powerpark/dashboards$" "$DATA/dashboards/provisioning/dashboards/powerpark.yaml"
check "the data source is installed" test -f "$DATA/dashboards/provisioning/datasources/powerpark.yaml"
check "job_submit.lua is installed" cmp -s conf/slurm/job_submit.lua "$DATA/slurm/job_submit.lua"

# --- the installed binary, from another folder --------------------------
"$S/bin/powerpark" --help > "$TMP/help.out" 2>&1
check "the installed binary answers --help" sh -c "[ $? -eq 0 ] && grep -q '^commands:' $TMP/help.out"
cmds=$(awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ && $1 != "help" {print $1}' "$TMP/help.out")
bad=""
for c in $cmds; do
	(cd / && "$S/bin/powerpark" "$c" --help) > "$TMP/help-$c.out" 2>&1 || bad="$bad $c"
done
check "every command answers --help (${cmds//$'\n'/ })" [ -z "$bad" -a -n "$cmds" ]
for ex in "$DATA"/examples/*.yaml; do
	b=$(basename "$ex" .yaml)
	(cd / && "$S/bin/powerpark" check -c "$ex") > "$TMP/$b.out" 2>&1
	check "the installed $b.yaml passes check from / (profiles found beside the binary)" \
		sh -c "[ $? -eq 0 ] && ! grep -q 'not found' $TMP/$b.out"
	check "$b.yaml configures no store it does not run (outputs: files only)" \
		grep -qE '^outputs: [0-9]+ local \(file\)$' "$TMP/$b.out"
	check "$b.yaml writes under ./ (no absolute output path)" \
		sh -c "! grep -qE '^ +(path|spool_dir): */' '$ex'"
done
mkdir -p "$TMP/etc/powerpark" "$TMP/elsewhere"
cp "$DATA/examples/site-template.yaml" "$TMP/etc/powerpark/site.yaml"
(cd "$TMP/elsewhere" && "$S/bin/powerpark" check -c "$TMP/etc/powerpark/site.yaml") > "$TMP/site.out" 2>&1
check "the template copied to an etc folder passes check from a third folder" \
	sh -c "[ $? -eq 0 ] && grep -q ': ok$' $TMP/site.out"
check "the template is commented for a real site" \
	sh -c "[ \$(grep -c '#' '$DATA/examples/site-template.yaml') -ge 40 ]"
# The example's outputs land where it runs: collect once, the devices absent.
mkdir -p "$TMP/run"
(cd "$TMP/run" && "$S/bin/powerpark" collect -c "$DATA/examples/small.yaml" --once) \
	> "$TMP/collect.out" 2>&1
check "collect of the installed example writes its readings under ./ (exit 3: no devices)" \
	sh -c "[ $? -eq 3 ] && ls $TMP/run/powerpark-metrics/*.lp > /dev/null 2>&1"

# The options a --help lists: the names in its entries' left column.
options_of() {
	awk '/^  -/ {l = substr($0, 3); if (match(l, /  /)) l = substr(l, 1, RSTART - 1)
		n = split(l, w, /[ ,]+/); for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print w[i]}' "$1"
}
# optimize on the installed example, from a folder of its own: its
# decisions land in ./powerpark-metrics, and no output warns (main's example
# had a VictoriaMetrics it did not run: "tsdb: ... Couldn't connect" from the
# first flush on). Four decisions on disk take two flushes of a second each.
mkdir -p "$TMP/opt-run"
(cd "$TMP/opt-run" && exec "$S/bin/powerpark" optimize -c "$DATA/examples/small.yaml" \
	--listen 127.0.0.1:0) > "$TMP/opt-run.out" 2>&1 &
OPTR=$!
PIDS="$PIDS $OPTR"
decisions() { [ "$(cat "$TMP"/opt-run/powerpark-metrics/*.lp 2>/dev/null | grep -c '^decision,')" -ge 4 ]; }
wait_for 60 decisions
check "optimize of the installed example writes its decisions under ./ (two flushes)" decisions
kill -TERM "$OPTR" 2>/dev/null; wait "$OPTR" 2>/dev/null
grep 'output' "$TMP/opt-run.out" | head -3 | sed 's/^/# /'
check "and no output warned meanwhile (no store configured that is not there)" \
	sh -c "! grep -q 'warn  output' $TMP/opt-run.out"

# --- man pages ---------------------------------------------------------
M=$S/share/man/man1
miss=""
for c in $cmds; do [ -f "$M/powerpark-$c.1" ] || miss="$miss $c"; done
check "powerpark(1) and one page per command are installed" [ -f "$M/powerpark.1" -a -z "$miss" ]
# Every option of a command's --help has its entry in the page's OPTIONS
# (`.B "\-\-once"`), so the pages cannot drift from the commands.
drift=""
for c in $cmds; do
	for o in $(options_of "$TMP/help-$c.out"); do
		grep '^\.B "' "$M/powerpark-$c.1" | grep -qF -- "$(echo "$o" | sed 's/-/\\-/g')" ||
			drift="$drift $c:$o"
	done
done
[ -z "$drift" ] || echo "# missing:$drift"
check "each page lists every option of its command's --help" [ -z "$drift" ]
if command -v man > /dev/null; then
	warn=""
	for f in "$M"/*.1; do
		MANWIDTH=80 man -l "$f" > "$TMP/man.txt" 2> "$TMP/man.err" || warn="$warn $(basename $f)"
		[ -s "$TMP/man.err" ] && warn="$warn $(basename $f)"
		grep -q '^SYNOPSIS' "$TMP/man.txt" || warn="$warn $(basename $f)"
	done
	[ -z "$warn" ] || echo "# failed:$warn"
	check "every page renders with man -l, without a warning" [ -z "$warn" ]
	if command -v groff > /dev/null; then
		groff -man -ww -z "$M"/*.1 > "$TMP/groff.err" 2>&1
		head -5 "$TMP/groff.err"
		check "groff -ww finds nothing to warn about in the pages" [ ! -s "$TMP/groff.err" ]
	fi
	MANWIDTH=80 man -l "$M/powerpark-agent.1" > "$TMP/agent.man" 2>/dev/null
	check "powerpark-agent(1) has the options' help (--safe-cap's line)" \
		grep -q 'the cap held when the lease runs out' "$TMP/agent.man"
else
	ok "man is not installed here: pages not rendered (their text was checked above)"
fi

# --- bash completion ---------------------------------------------------
BC=$S/share/bash-completion/completions/powerpark
cat > "$TMP/comp.sh" <<'SH'
. "$1" || exit 1
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _powerpark; echo "${COMPREPLY[*]}"; }
SH
bash -c ". $TMP/comp.sh $BC" > "$TMP/comp.out" 2>&1
check "the completion file sources in bash" sh -c "[ $? -eq 0 ] && [ ! -s $TMP/comp.out ]"
got=$(bash -c ". $TMP/comp.sh $BC; comp powerpark op; comp powerpark agent --back; \
	comp powerpark agent --backend ''; comp powerpark slurm --fail ''" 2>&1 | tr '\n' '/')
check "it completes commands, options and an option's choices ($got)" \
	[ "$got" = "optimize/--backend/nvml command sim redfish/open closed/" ]
drift=""
for c in $cmds; do
	opts=$(bash -c ". $TMP/comp.sh $BC; comp powerpark $c -" 2>&1)
	for o in $(options_of "$TMP/help-$c.out"); do
		case " $opts " in *" $o "*) ;; *) drift="$drift $c:$o" ;; esac
	done
done
[ -z "$drift" ] || echo "# missing:$drift"
check "it offers every option of every command's --help" [ -z "$drift" ]

# --- systemd units -----------------------------------------------------
U=$DATA/systemd
units="powerpark-optimize powerpark-collect powerpark-agent powerpark-slurm"
miss=""
for u in $units; do [ -f "$U/$u.service" ] || miss="$miss $u"; done
check "the four units, the sysusers file and the env templates are installed" \
	[ -z "$miss" -a -f "$U/powerpark.conf" -a -f "$U/agent.env" -a -f "$U/slurm.env" ]
check "the units run the installed binary and no @VARIABLE@ is left" \
	sh -c "grep -q '^ExecStart=$P/bin/powerpark optimize -c /etc/powerpark/site.yaml$' \
		$U/powerpark-optimize.service && ! grep -q '@[A-Z]*@' $U/*.service $U/powerpark.conf"
hard=""
for u in $units; do
	for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes; do
		grep -qx "$k" "$U/$u.service" || hard="$hard $u:$k"
	done
done
for u in powerpark-optimize powerpark-collect; do
	for k in DynamicUser=yes "StateDirectory=powerpark/${u#powerpark-}"; do
		grep -qx "$k" "$U/$u.service" || hard="$hard $u:$k"
	done
done
[ -z "$hard" ] || echo "# missing:$hard"
check "every unit has no new privileges, a read-only system, no home, a private /tmp; \
optimize and collect a dynamic user and a state folder" [ -z "$hard" ]
check "the agent may open the NVIDIA devices (and only devices)" \
	sh -c "grep -qx 'DevicePolicy=closed' $U/powerpark-agent.service && \
		grep -qx 'DeviceAllow=char-nvidia\* rw' $U/powerpark-agent.service"

# As installed for real (no DESTDIR), so ExecStart= names a file that exists.
R=$TMP/root
make --no-print-directory install PREFIX="$R" BUILD="$BUILD" > "$TMP/install2.out" 2>&1
check "make install PREFIX=$R (no DESTDIR) succeeds" sh -c "[ $? -eq 0 ]"
RU=$R/share/powerpark/systemd
# (PP_NO_SYSTEMD_ANALYZE=1 takes the path of a machine without it.)
if [ -z "${PP_NO_SYSTEMD_ANALYZE:-}" ] && command -v systemd-analyze > /dev/null; then
	for u in $units; do
		(cd / && MANPATH=$R/share/man systemd-analyze verify "$RU/$u.service") \
			> "$TMP/verify-$u.out" 2>&1
		rc=$?
		sed 's/^/# /' "$TMP/verify-$u.out"
		check "systemd-analyze verify $u.service: no error, no warning (its man pages found too)" \
			[ $rc -eq 0 -a ! -s "$TMP/verify-$u.out" ]
	done
	sed 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$RU/powerpark-optimize.service" \
		> "$TMP/powerpark-broken.service"
	(cd / && MANPATH=$R/share/man systemd-analyze verify "$TMP/powerpark-broken.service") \
		> "$TMP/verify-broken.out" 2>&1
	check "a misspelled directive does not pass the same check" \
		grep -q "Unknown key 'NoNewPrivilege'" "$TMP/verify-broken.out"
	for u in powerpark-optimize powerpark-collect powerpark-slurm; do
		(cd / && MANPATH=$R/share/man systemd-analyze security --offline=yes --threshold=20 \
			"$RU/$u.service") > "$TMP/sec-$u.out" 2>&1
		rc=$?
		level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p' "$TMP/sec-$u.out")
		check "systemd-analyze security: $u exposure at most 2.0 (${level:-none})" \
			[ $rc -eq 0 -a -f "$RU/$u.service" -a -n "$level" ]
	done
else
	echo "# systemd-analyze is not installed: the units' syntax is checked instead"
	check "every unit line is a section, a comment or Key=value, in [Unit] [Service] [Install]" \
		awk '{cont = prev ~ /\\$/; prev = $0} cont || /^#|^$/ {next}
		     /^\[(Unit|Service|Install)\]$/ || /^[A-Z][A-Za-z]*=/ {next}
		     {bad = 1; print FILENAME ": " $0} END {exit bad}' "$RU"/*.service
	exe=$(sed -n 's/^ExecStart\(Pre\)\{0,1\}=\([^ ]*\).*/\2/p' "$RU"/*.service | sort -u)
	check "every ExecStart= names an installed executable ($exe)" \
		sh -c "[ -n '$exe' ] && for e in $(echo $exe); do [ -x \$e ] || exit 1; done"
fi
if command -v systemd-sysusers > /dev/null; then
	mkdir -p "$TMP/sysroot/etc"
	systemd-sysusers --root="$TMP/sysroot" "$RU/powerpark.conf" > "$TMP/sysusers.out" 2>&1
	check "systemd-sysusers makes the static user powerpark from the installed file" \
		grep -q '^powerpark:x:[0-9]*:[0-9]*:' "$TMP/sysroot/etc/passwd"
fi
# PREFIX=/usr: systemd's own folders, as a package installs them.
make --no-print-directory install PREFIX=/usr DESTDIR="$TMP/usr" BUILD="$BUILD" > "$TMP/install3.out" 2>&1
check "PREFIX=/usr puts the units in /usr/lib/systemd/system and the user in /usr/lib/sysusers.d" \
	sh -c "[ $? -eq 0 ] && [ -f $TMP/usr/usr/lib/systemd/system/powerpark-optimize.service ] && \
		[ -f $TMP/usr/usr/lib/sysusers.d/powerpark.conf ] && \
		grep -q '^ExecStart=/usr/bin/powerpark optimize' $TMP/usr/usr/lib/systemd/system/powerpark-optimize.service"
make --no-print-directory uninstall PREFIX=/usr DESTDIR="$TMP/usr" BUILD="$BUILD" > /dev/null 2>&1
make --no-print-directory uninstall PREFIX="$R" BUILD="$BUILD" > /dev/null 2>&1
make --no-print-directory uninstall PREFIX="$P" DESTDIR="$D" BUILD="$BUILD" > "$TMP/un.out" 2>&1
left=$(find "$D" "$R" "$TMP/usr" -type f 2>/dev/null | head -5)
[ -z "$left" ] || echo "# left: $left"
check "make uninstall removes every installed file" [ -z "$left" ]

# --- a collector's config and a missing profile (issue 26, item 6) -------
make --no-print-directory install PREFIX="$P" DESTDIR="$D" BUILD="$BUILD" > /dev/null 2>&1
cp "$DATA/examples/small.yaml" "$TMP/site.yaml"
sed -i 's/profile: [a-z0-9-]*/profile: no-such-profile/' "$TMP/site.yaml"
(cd / && "$S/bin/powerpark" check -c "$TMP/site.yaml") > "$TMP/bad.out" 2>&1
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
(cd / && "$S/bin/powerpark" check -c "$TMP/edge.yaml") > "$TMP/edge.out" 2>&1
check "a collector's config (no power tree) passes check and says what it is" \
	sh -c "[ $? -eq 0 ] && grep -q \"a collector's config\" $TMP/edge.out"
(cd / && "$S/bin/powerpark" collect -c "$TMP/edge.yaml" --once --stdout) > "$TMP/edge.lp" 2>&1
check "collect runs it (the one device is absent: exit 3, its health sample written)" \
	sh -c "[ $? -eq 3 ] && grep -q '^device,site=edge,device=m1' $TMP/edge.lp"
(cd / && "$S/bin/powerpark" optimize -c "$TMP/edge.yaml") > "$TMP/edge-opt.out" 2>&1
check "optimize refuses it with the reason" \
	sh -c "[ $? -ne 0 ] && grep -q 'has no power tree' $TMP/edge-opt.out"
restore
check "the build is left with the paths it had ($(cat "$BUILD/prefix" 2>/dev/null))" \
	sh -c "[ -z '${old_bin:-}' ] || [ \"\$(cat $BUILD/prefix)\" = '$old_bin $old_data $old_etc' ]"
done_tests it_install
