#!/bin/sh
# gen_man.sh BINARY OUTDIR - writes powerpark(1) and one page a command
# (powerpark-CMD.1) into OUTDIR from the binary's own --help, so the pages
# say what the built commands accept (`make man`, `make install`). The
# commands are the ones `powerpark --help` lists; scripts/help2man.awk turns
# each help into roff. The date is SOURCE_DATE_EPOCH's when set (builds
# that must be reproducible), else the last commit's, else today.
set -eu
bin=$1 out=$2
here=$(dirname "$0")
mkdir -p "$out"
version=$("$bin" --version | sed 's/^powerpark //')
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
else
	date=$(git -C "$here/.." log -1 --format=%cs 2>/dev/null || true)
	[ -n "$date" ] || date=$(date -u +%Y-%m-%d)
fi
# "  NAME  summary" lines of the commands block, "help" left out.
cmds=$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}' |
	grep -vx help)
pages=powerpark
for c in $cmds; do pages="$pages powerpark-$c"; done
"$bin" --help | awk -v cmd= -v summary="keep an AI data-center park inside its grid, electrical and cooling limits" \
	-v version="$version" -v date="$date" -v others="$pages" -f "$here/help2man.awk" > "$out/powerpark.1.tmp"
mv "$out/powerpark.1.tmp" "$out/powerpark.1"
for c in $cmds; do
	summary=$("$bin" --help | awk -v c="$c" '/^commands:/ {on = 1; next}
		on && $1 == c {sub(/^ +[^ ]+ +/, ""); print; exit}')
	"$bin" "$c" --help | awk -v cmd="$c" -v summary="$summary" -v version="$version" \
		-v date="$date" -v others="$pages" -f "$here/help2man.awk" > "$out/powerpark-$c.1.tmp"
	mv "$out/powerpark-$c.1.tmp" "$out/powerpark-$c.1"
done
