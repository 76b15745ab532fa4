#!/bin/bash
# it_abuse.sh - hostile clients against a real `powerpark optimize` on
# 127.0.0.1 (tests/abuse.py has them; issue 23, items 4, 5 and 7):
# - what a request says: the auth scheme without regard to case, a NUL in
#   the path or the query (escaped or raw) names nothing, HEAD answers as
#   GET without the body, a 405 says Allow, a JSON key twice is refused;
# - bodies: 32 unauthenticated 31 MiB uploads get 401 on their headers,
#   before a byte of their bodies, and resident memory grows by less than
#   64 MiB; authenticated uploads share a 128 MiB budget (503 beyond it,
#   counted in /metrics);
# - 2,000 idle connections, then 2,000 trickling ones (a header byte every
#   20 s), from 191 127.x addresses (100 of them from one): /v1/budget,
#   /v1/caps and /write from 127.0.0.1 still answer, p99 under 100 ms, and
#   a real agent keeps its lease throughout.
# The optimizer runs with 1,024 descriptors (systemd's default), so the
# flood fills what any client may take and the reserve is what serves the
# agent. Figures (p99, RSS) are printed as "# ..." lines.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
DIR=$(dirname "$0")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LT=lease-token-0123456789
WT=write-token-0123456789
cat > "$TMP/site.yaml" <<YAML
site:
  name: t
  grid: {import_limit_kw: 100}
$(one_rack_power n1 8)
api:
  tokens:
    - {name: agents, token: $LT, scopes: [lease, write]}
    - {name: collectors, token: $WT, scopes: [write]}
YAML
OP=$(free_port)
U="http://127.0.0.1:$OP"
(ulimit -n 1024 && exec $PP optimize -c "$TMP/site.yaml" --listen 127.0.0.1:$OP --lease-s 3) \
	> "$TMP/opt.out" 2> "$TMP/opt.err" &
OPT=$!
PIDS="$PIDS $OPT"
check "optimize is up" wait_for 30 http_ok "$U/healthz"

# phase NAME ARGS...: a phase of abuse.py; its "ok -" and "not ok -" lines
# count here, its other lines are shown; a phase that ends without its
# lines (a crash, the time limit) fails.
phase() {
	local n=0 line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }"; n=$((n + 1)) ;;
		"not ok - "*) not_ok "${line#not ok - }"; n=$((n + 1)) ;;
		"rc "*) [ "${line#rc }" = 0 ] || not_ok "abuse.py $1 exited ${line#rc }" ;;
		*) echo "$line" ;;
		esac
	done < <(timeout 100 /usr/bin/python3 "$DIR/abuse.py" "$@" 2>&1; echo "rc $?")
	[ "$n" -gt 0 ] || not_ok "abuse.py $1 reported nothing"
}

phase proto "$OP" "$LT"
phase upload "$OP" "$OPT" "$WT"

# A real agent (command backend: the caps it applies go to a file) leases
# before the flood and every half second during it.
$PP agent --url "$U" --node n1 --token "$LT" --safe-cap 250 --backend command \
	--arg "echo {gpu} {cap} >> $TMP/caps.log" --gpus 8 --interval-ms 500 \
	> "$TMP/agent.out" 2> "$TMP/agent.err" &
AG=$!
PIDS="$PIDS $AG"
check "the agent has its lease" wait_for 20 test -s "$TMP/caps.log"
phase flood "$OP" "$LT" idle 12
phase flood "$OP" "$LT" trickle 12
# The agent logs a failed renewal as "lease from URL: unreachable|refused".
check "the agent's every renewal succeeded under the flood ($(grep -c 'lease from [^ ]*: ' "$TMP/agent.err") failed)" \
	sh -c "! grep -q 'lease from [^ ]*: ' '$TMP/agent.err'"
check "the agent never applied its safe cap" sh -c "! grep -q 'safe cap' '$TMP/agent.err' && ! grep -q ' 250$' '$TMP/caps.log'"
kill -INT $AG 2>/dev/null
wait $AG 2>/dev/null

check "optimize answers after all of it" http_ok "$U/healthz"
kill -INT $OPT 2>/dev/null
wait $OPT
rc=$?
check "optimize stops cleanly, nothing reported by the sanitizers (exit $rc)" \
	sh -c "[ $rc = 0 ] && ! grep -q 'Sanitizer\|runtime error' '$TMP/opt.err'"
[ "$FAIL" = 0 ] || { echo "--- optimize's stderr (end):"; tail -20 "$TMP/opt.err"; }
done_tests it_abuse
