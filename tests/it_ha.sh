#!/bin/bash
# it_ha.sh - two replicas of `powerpark optimize` electing a leader on a real
# three-member etcd cluster on 127.0.0.1 (docs/ha.md), with a node agent
# that knows both: one leader; a follower's 307 to it; kill -9 of the
# leader while the agent leases and a grid signal is in force (a follower
# issues leases within 3 s, the agent never falls to its safe cap, its
# leases carry the new epoch; the signal, the caps, the running and held
# jobs with their waiting times are what they were under the old one); a
# leader stopped (SIGSTOP, 10 s: IT_HA_STOP_S) issues nothing when it wakes
# and follows; one etcd member lost changes nothing, two stop the leader
# within its lease, and a leader is back when the quorum returns (the
# times are printed; bench/bench_ha.sh measures them against the goals);
# an agent refuses a lease of an older epoch (fencing, against a stand-in
# optimizer that hands one out).
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LT=lease-token-0123456789
py=/usr/bin/python3

# --- etcd: three members ------------------------------------------------
etcd_cluster
check "a three-member etcd cluster is up" wait_for 60 etcd_healthy e1
wait_for 30 etcd_healthy e2
wait_for 30 etcd_healthy e3

# --- two replicas --------------------------------------------------------
ha_pair 2 $LT
ha_replica a
ha_replica b
ha() { curl -s --max-time 2 "http://127.0.0.1:${PORT[$1]}/v1/ha"; }
field() { $py -c "import json,sys; print(json.load(sys.stdin).get('$1'))" 2>/dev/null; }
role() { ha_role "$1"; }
epoch() { ha "$1" | field epoch; }
one_leader() { [ "$(role a)-$(role b)" = leader-follower ] || [ "$(role a)-$(role b)" = follower-leader ]; }
check "one replica leads, the other follows" wait_for 30 one_leader
if [ "$(role a)" = leader ]; then L=a; F=b; else L=b; F=a; fi
E1=$(epoch $L)
check "both name the same leader and epoch ($L, $E1)" \
	[ "$(ha $F | field leader)-$(epoch $F)" = "$L-$E1" ]
code=$(curl -s -o "$TMP/redir.json" -w '%{http_code} %{redirect_url}' -H "Authorization: Bearer $LT" \
	"http://127.0.0.1:${PORT[$F]}/v1/caps?node=n1")
check "the follower answers a lease with 307 to the leader ($code)" \
	[ "$code" = "307 http://127.0.0.1:${PORT[$L]}/v1/caps?node=n1" ]
check "the follower serves read-only endpoints itself" http_ok "http://127.0.0.1:${PORT[$F]}/v1/budget"
lease_epoch() { curl -s -H "Authorization: Bearer $LT" "http://127.0.0.1:${PORT[$1]}/v1/caps?node=n1" | field epoch; }
check "the leader's lease carries its epoch" [ "$(lease_epoch $L)" = "$E1" ]
curl -s "http://127.0.0.1:${PORT[$L]}/metrics" > "$TMP/metrics"
check "/metrics carries the role and epoch" grep -q "^powerpark_ha_epoch $E1$" "$TMP/metrics"

# --- an agent that knows both; kill -9 of the leader -----------------------
$PP agent --url "http://127.0.0.1:${PORT[a]},http://127.0.0.1:${PORT[b]}" --node n1 --token $LT \
	--safe-cap 333 --site t --backend command --arg "echo {gpu} {cap} >> $TMP/caps.log" --gpus 2 \
	--interval-ms 300 > "$TMP/agent.out" 2> "$TMP/agent.err" &
AG=$!
PIDS="$PIDS $AG"
leased() { grep -q ' 700$' "$TMP/caps.log" 2>/dev/null; }
check "the agent holds the leader's cap" wait_for 20 leased
# State the next leader must have: a grid signal in force, a running job
# with its class and weight, a job held back (and since when).
LU="http://127.0.0.1:${PORT[$L]}"
post() { curl -s -o "$TMP/post.out" -w '%{http_code}' -H "Authorization: Bearer $LT" \
	-H 'Content-Type: application/json' --data-binary "$2" "$LU$1"; }
code=$(post /v1/grid/event '{"id": "dr-ha", "limit_kw": 1.2, "end": 4102444800}')
check "a grid signal to the leader ($code)" [ "$code" = 200 ]
code=$(post /v1/scheduler/sync '{"racks": ["n1"], "running": [{"id": "chat", "class": "inference", "weight": 3, "placement": [{"rack": "n1", "gpus": 2}]}], "pending": [{"id": "4711", "gpus": 100000}]}')
check "the scheduler's view to the leader ($code)" [ "$code" = 200 ]
capw() { curl -s -H "Authorization: Bearer $LT" "$1/v1/caps?node=n1" | field caps | \
	$py -c 'import ast,sys; print(ast.literal_eval(sys.stdin.read())[0]["cap_w"])' 2>/dev/null; }
fell() { c=$(capw "$LU"); [ -n "$c" ] && $py -c "import sys; sys.exit(0 if $c < 700 else 1)"; }
check "the signal holds the cap down on the leader" wait_for 20 fell
published() { curl -s "$LU/metrics" | grep -Eq '^powerpark_ha_states_published_total [1-9]'; }
check "the leader publishes its state to etcd" wait_for 10 published
# Two cycles more, so the state published has the falls and the hold.
n0=$(curl -s "$LU/metrics" | sed -nE 's/^powerpark_ha_states_published_total ([0-9]+)/\1/p')
more() { n=$(curl -s "$LU/metrics" | sed -nE 's/^powerpark_ha_states_published_total ([0-9]+)/\1/p'); [ "${n:-0}" -ge $((n0 + 2)) ]; }
wait_for 10 more
CAP_OLD=$(capw "$LU")
curl -s "$LU/v1/jobs" > "$TMP/jobs_old.json"
# A signal acknowledged just before the crash: written to etcd before its 200.
code=$(post /v1/grid/event '{"id": "dr-late", "limit_kw": 1.1, "start": 4102400000, "end": 4102444800}')
t0=$(date +%s%N)
kill -9 "${RPID[$L]}"
leads() { [ "$(role $1)" = leader ]; }
wait_for 20 leads $F
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
# The goal (3 s) is measured over 20 kills by bench/bench_ha.sh; here the
# bound that matters to the park: well inside the agents' 10 s lease.
echo "# takeover after kill -9: $ms ms"
check "a follower leads well inside the agents' lease after kill -9 ($ms ms)" [ "$ms" -lt 8000 ]
E2=$(epoch $F)
check "under a new, higher epoch ($E1 -> $E2)" [ "$E2" -gt "$E1" ]
new_epoch() { grep -q "leader of epoch $E2" "$TMP/agent.err"; }
check "the agent leases from the new leader" wait_for 10 new_epoch
check "the agent never fell to its safe cap" bash -c "! grep -q ' 333$' '$TMP/caps.log' && ! grep -q 'safe cap' '$TMP/agent.err'"
FU="http://127.0.0.1:${PORT[$F]}"
CAP_NEW=$(capw "$FU")
same_cap() { $py -c "import sys; o, n = $CAP_OLD, $CAP_NEW; sys.exit(0 if n <= o and o - n <= 0.1 else 1)"; }
check "the new leader's cap is the old one's ($CAP_OLD W -> $CAP_NEW W): the signal is in force there" \
	same_cap
curl -s "$FU/v1/jobs" > "$TMP/jobs_new.json"
$py - "$TMP/jobs_old.json" "$TMP/jobs_new.json" > "$TMP/jobs_cmp" 2>&1 <<'PY'
import json, sys
old, new = (json.load(open(f)) for f in sys.argv[1:3])
ho = {h["job"]: h for h in old["held"]}
hn = {h["job"]: h for h in new["held"]}
assert set(ho) == set(hn) == {"4711"}, (ho, hn)
# The wait runs on from when the first leader held it: at least as long now.
assert hn["4711"]["waiting_s"] >= ho["4711"]["waiting_s"], (ho, hn)
ro = {(r["job"], r["rack"], r["class"], r["weight"]) for r in old["running"]}
rn = {(r["job"], r["rack"], r["class"], r["weight"]) for r in new["running"]}
assert ro == rn and ro, (ro, rn)
print("held", hn["4711"]["waiting_s"], "s; running", sorted(rn))
PY
check "held jobs, their waiting times and the running jobs are what they were ($(cat "$TMP/jobs_cmp" | tail -1))" \
	grep -q '^held' "$TMP/jobs_cmp"
check "the new leader says it took over the state" grep -q "took over the last leader's state" "$TMP/$F.err"
curl -s "$FU/metrics" > "$TMP/metrics_new"
check "both signals the old leader acknowledged are known to the new one (the last posted just before kill -9)" \
	bash -c "grep -q 'powerpark_grid_signal_limit_kw{event=\"dr-ha\"' '$TMP/metrics_new' && grep -q 'powerpark_grid_signal_limit_kw{event=\"dr-late\"' '$TMP/metrics_new'"

# --- the old leader back as a follower; SIGSTOP of the leader past its lease
ha_replica $L
follows() { [ "$(role $1)" = follower ]; }
check "the restarted replica follows" wait_for 30 follows $L
STOP_S=${IT_HA_STOP_S:-10} # the issue's case is 30 s; past the lease, the same
kill -STOP "${RPID[$F]}"
until_ns=$(( $(date +%s%N) + STOP_S * 1000000000 ))
wait_for 20 leads $L
E3=$(epoch $L)
check "while the leader is stopped, the other takes over (epoch $E3)" [ "${E3:-0}" -gt "$E2" ]
stopped_long() { [ "$(date +%s%N)" -ge "$until_ns" ]; }
wait_for $((STOP_S + 5)) stopped_long # the stop lasts STOP_S s: a scenario's length, not a wait on anything
kill -CONT "${RPID[$F]}"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Authorization: Bearer $LT" \
	"http://127.0.0.1:${PORT[$F]}/v1/caps?node=n1")
check "the woken leader issues nothing under its old epoch (HTTP $code)" [ "$code" != 200 ]
check "and follows the new leader" wait_for 10 follows $F
check "it said it stopped issuing" grep -q "stops issuing caps" "$TMP/$F.err"
check "the agent accepted no lease of an older epoch" bash -c "! grep -q 'refused: epoch' '$TMP/agent.err'"

# --- etcd members lost ----------------------------------------------------
kill -9 "${ETCD_PID[e1]}"
still() { [ "$(role $L)" = leader ] && [ "$(epoch $L)" = "$E3" ]; }
check "one etcd member lost: the same leader, the same epoch" still
# Three lease periods with a member gone: the leader stays, at its epoch.
stayed=1
end=$(($(date +%s) + 6))
while [ "$(date +%s)" -lt "$end" ]; do still || stayed=0; done
check "... for 6 s" [ "$stayed" = 1 ]
t0=$(date +%s%N)
kill -9 "${ETCD_PID[e2]}"
stopped() { [ "$(role $L)" != leader ]; }
wait_for 20 stopped
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# leader stopped issuing $ms ms after the quorum was lost"
# etcd's leader renews leases until it sees the quorum gone (its election
# timeout), so the bound is the lease from then: 2 s, and 0.5 s of that.
check "two members lost: the leader stops issuing within its etcd lease ($ms ms)" \
	[ "$ms" -lt 4000 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LT" \
	"http://127.0.0.1:${PORT[$L]}/v1/caps?node=n1")
check "it answers leases with 503 then ($code)" [ "$code" = 503 ]
etcd_member e1
etcd_member e2
wait_for 60 etcd_healthy e1
t0=$(date +%s%N)
any_leader() { leads a || leads b; }
wait_for 30 any_leader
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# a leader again $ms ms after the quorum returned"
check "the quorum back: a leader again ($ms ms)" [ "$ms" -lt 10000 ]

# --- fencing against a stand-in optimizer ------------------------------------
FP=$(free_port)
$py - "$FP" > "$TMP/fake.log" 2>&1 <<'PY' &
import http.server, json, sys
n = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not self.path.startswith("/v1/caps"):
            self.send_response(404)
            self.end_headers()
            return
        n[0] += 1
        epoch, cap = (7, 650.0) if n[0] == 1 else (3, 260.0)
        body = json.dumps({"node": "n1", "epoch": epoch, "ttl_s": 10, "cap_min_w": 200,
                           "cap_max_w": 700, "caps": [{"job": "n1", "gpus": 2, "cap_w": cap}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())
    def do_POST(self):
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PIDS="$PIDS $!"
wait_for 10 bash -c "curl -s http://127.0.0.1:$FP/ > /dev/null"
$PP agent --url "http://127.0.0.1:$FP" --node n1 --token $LT --safe-cap 250 --site t \
	--backend command --arg "echo {gpu} {cap} >> $TMP/fence.log" --gpus 2 --interval-ms 100 \
	> /dev/null 2> "$TMP/fence.err" &
FA=$!
PIDS="$PIDS $FA"
refused() { grep -q 'lease of epoch 3 .* refused: epoch 7 seen' "$TMP/fence.err"; }
check "an agent refuses a lease of an older epoch than it holds" wait_for 20 refused
kill "$FA" 2>/dev/null
wait "$FA" 2>/dev/null
check "and applies nothing of it (the epoch-7 cap only: $(sort -u "$TMP/fence.log" | tr '\n' ' '))" \
	bash -c "grep -q ' 650$' '$TMP/fence.log' && ! grep -q ' 260$' '$TMP/fence.log'"

kill "$AG" 2>/dev/null
wait "$AG" 2>/dev/null
for r in a b; do kill "${RPID[$r]}" 2>/dev/null; done
for r in a b; do wait "${RPID[$r]}" 2>/dev/null; done
echo "it_ha: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
