# lib.sh - helpers for integration tests: free ports, waiting on a condition
# (polling with a deadline, never a bare sleep), real servers on 127.0.0.1
# that are always stopped on exit, and pass/fail counting.
set -u
PASS=0
FAIL=0
PIDS=""
TMP=$(mktemp -d /tmp/pp-it-XXXXXX)

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
[ -n "${KEEP_TMP:-}" ] && trap "for p in \$PIDS; do kill -9 \$p 2>/dev/null; done" EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*" >&2; }
check() { # check "description" command...
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS command...: polls the command until it succeeds.
wait_for() {
	t=$1; shift
	end=$(($(date +%s) + t))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

http_ok() { curl -sf -o /dev/null "$1"; }

# start_optimize CONFIG [ARGS...]: `$PP optimize` on 127.0.0.1:$OP (a free
# port unless OP is set), its output appended to $TMP/opt.out and opt.err;
# sets U (its base URL) and OPT (its pid); succeeds when /healthz answers.
start_optimize() {
	c=$1; shift
	OP=${OP:-$(free_port)}
	U="http://127.0.0.1:$OP"
	$PP optimize -c "$c" --listen 127.0.0.1:$OP "$@" >> "$TMP/opt.out" 2>> "$TMP/opt.err" &
	OPT=$!
	PIDS="$PIDS $OPT"
	wait_for 30 http_ok "$U/healthz"
}

# A real influxd (1.x) on 127.0.0.1:PORT with its files in DIR; SPID its pid.
start_influx() { # dir port
	mkdir -p "$1"
	cat > "$1/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$(free_port)"
[meta]
  dir = "$1/meta"
[data]
  dir = "$1/data"
  wal-dir = "$1/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$2"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
CONF
	influxd -config "$1/influxdb.conf" > "$1/log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_for 60 http_ok "http://127.0.0.1:$2/ping"
}

# The power tree of a one-rack site (rack $1 with $2 H100 GPUs, 100 kW),
# for a config's heredoc: $(one_rack_power n1 8).
one_rack_power() {
	cat <<YAML
power:
  limit_kw: 100
  halls:
    - name: a
      limit_kw: 90
      rows:
        - name: a1
          limit_kw: 90
          racks:
            - {name: $1, limit_kw: 10, base_kw: 0.5, gpus: $2, gpu_model: H100-SXM}
YAML
}

# One command to `powerpark sim`'s control socket ($CTL, HOST:PORT), its
# answer line on stdout.
simctl() { /usr/bin/python3 - "$CTL" "$*" <<'PY'
import socket, sys
h, p = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((h, int(p)), timeout=5)
s.sendall((sys.argv[2] + "\n").encode())
print(s.makefile().readline().strip())
PY
}

# start_park DIR [park_gen.py options]: a generated park served by
# `$PP sim --frozen` (pid in SIM, its JSON in DIR/sim.json). Its gateways
# take the ports after a random base below the ephemeral range (32768-60999),
# where no outgoing connection holds one; a base whose range is taken after
# all is tried again with another (three times).
start_park() {
	d=$1; shift
	for attempt in 1 2 3; do
		port=$((20000 + RANDOM % 10000))
		/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/park_gen.py" --out "$d" --port "$port" "$@" || return 1
		$PP sim -c "$d/park.yaml" --frozen > "$d/sim.json" 2> "$d/sim.err" &
		SIM=$!
		PIDS="$PIDS $SIM"
		settled() { grep -q '"control"' "$d/sim.json" || ! kill -0 $SIM 2>/dev/null; }
		wait_for 60 settled || true
		grep -q '"control"' "$d/sim.json" && return 0
		echo "the simulated park did not start (attempt $attempt, ports from $port):" >&2
		cat "$d/sim.err" >&2
		kill $SIM 2>/dev/null || true
		wait $SIM 2>/dev/null || true
	done
	return 1
}

done_tests() {
	echo "$1: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# A three-member etcd cluster on 127.0.0.1 (etcd_cluster): members e1, e2,
# e3 with their files in $TMP/e*, ETCD_PID[NAME] their pids, ETCD_URLS the
# client URLs as a YAML list's items. Quick elections (50 ms heartbeats,
# 500 ms timeout), as on one machine. etcd_member NAME starts one again
# (same files: it rejoins); etcd_healthy NAME polls it.
declare -gA ETCD_CP ETCD_PEER ETCD_PID
etcd_member() { # name
	etcd --name "$1" --data-dir "$TMP/$1" --listen-client-urls "http://127.0.0.1:${ETCD_CP[$1]}" \
		--advertise-client-urls "http://127.0.0.1:${ETCD_CP[$1]}" \
		--listen-peer-urls "http://127.0.0.1:${ETCD_PEER[$1]}" \
		--initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER[$1]}" \
		--initial-cluster "$ETCD_CLUSTER" --initial-cluster-token pp-etcd \
		--initial-cluster-state new --heartbeat-interval 50 --election-timeout 500 \
		--log-level error >> "$TMP/$1.log" 2>&1 &
	ETCD_PID[$1]=$!
	PIDS="$PIDS $!"
}
etcd_cluster() {
	for m in e1 e2 e3; do ETCD_CP[$m]=$(free_port); ETCD_PEER[$m]=$(free_port); done
	ETCD_CLUSTER="e1=http://127.0.0.1:${ETCD_PEER[e1]},e2=http://127.0.0.1:${ETCD_PEER[e2]},e3=http://127.0.0.1:${ETCD_PEER[e3]}"
	ETCD_URLS="http://127.0.0.1:${ETCD_CP[e1]}, http://127.0.0.1:${ETCD_CP[e2]}, http://127.0.0.1:${ETCD_CP[e3]}"
	for m in e1 e2 e3; do etcd_member $m; done
}
etcd_healthy() { curl -sf "http://127.0.0.1:${ETCD_CP[$1]}/health" | grep -q '"health":"true"'; }

# Two `optimize` replicas of one group (docs/ha.md) on the etcd cluster:
# ha_pair GPUS TOKEN writes $TMP/site.yaml (one rack n1 of GPUS GPUs, the
# token with every scope, ha on $ETCD_URLS, lease 2 s), and picks PORT[a]
# and PORT[b]; ha_replica NAME starts one ($PP, its output in $TMP/NAME.*),
# RPID[NAME] its pid; ha_role NAME is its /v1/ha role.
declare -gA PORT RPID
ha_pair() { # gpus token
	cat > "$TMP/site.yaml" <<YAML
site: {name: t, margin: 0.02, grid: {import_limit_kw: 100}}
$(one_rack_power n1 "$1")
api:
  tokens:
    - {name: agents, token: $2, scopes: [lease, write, read, admin]}
ha:
  etcd: [$ETCD_URLS]
  name: a
  lease_s: 2
YAML
	PORT[a]=$(free_port)
	PORT[b]=$(free_port)
}
ha_replica() { # name
	$PP optimize -c "$TMP/site.yaml" --listen "127.0.0.1:${PORT[$1]}" --ha-name "$1" \
		>> "$TMP/$1.out" 2>> "$TMP/$1.err" &
	RPID[$1]=$!
	PIDS="$PIDS $!"
}
ha_role() { curl -s --max-time 2 "http://127.0.0.1:${PORT[$1]}/v1/ha" | \
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("role"))' 2>/dev/null; }
