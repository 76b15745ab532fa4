#!/bin/bash
# bench_api.sh - the control plane at 102,400 GPUs (1,600 racks):
# /write ingest (lines/s, 5,000-line batches, wrk), next to victoria-metrics'
# /write on the same batches in the same run; /v1/budget (hall level and
# full), /v1/admit requests/s with wrk; leases of random compute nodes
# (12,800) per second with wrk, and the control loop's period meanwhile;
# breach-to-cap latency p50/p99.
# Writes table rows to $1.
set -eu
BUILD=${BUILD:-build}
. "$(dirname "$0")/../tests/lib.sh"
PP=$BUILD/powerpark
ROWS=$1
TOK=bench-token-0123456789
HERE=$(cd "$(dirname "$0")" && pwd)
/usr/bin/python3 "$HERE/bench_api.py" park "$TMP/park.yaml" $TOK
/usr/bin/python3 "$HERE/bench_api.py" lines "$TMP/batch.lp" 5000
OP=$(free_port)
$PP optimize -c "$TMP/park.yaml" --listen 127.0.0.1:$OP > "$TMP/opt.out" 2> "$TMP/opt.err" &
PIDS="$PIDS $!"
wait_for 60 http_ok "http://127.0.0.1:$OP/healthz"
U=http://127.0.0.1:$OP
VP=$(free_port)
victoria-metrics -storageDataPath="$TMP/vm" -httpListenAddr="127.0.0.1:$VP" -loggerLevel=ERROR \
	> "$TMP/vm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 60 http_ok "http://127.0.0.1:$VP/health"

cat > "$TMP/post.lua" <<LUA
local f = io.open("$TMP/batch.lp", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Authorization"] = "Bearer $TOK"
LUA
cat > "$TMP/admit.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"gpus": 64, "class": "training", "deferrable": true}'
wrk.headers["Authorization"] = "Bearer $TOK"
LUA
rps() { sed -nE 's/^Requests\/sec:\s+([0-9.]+)/\1/p'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { # runs N wrk-args... : median requests/s of N runs
	n=$1; shift
	for i in $(seq "$n"); do wrk "$@" | rps; done | median
}
ing=$(runs 3 -t2 -c4 -d4s -s "$TMP/post.lua" "$U/write")
vm=$(runs 3 -t2 -c4 -d4s -s "$TMP/post.lua" "http://127.0.0.1:$VP/write")
bh=$(runs 3 -t2 -c16 -d4s "$U/v1/budget?level=hall")
bf=$(runs 3 -t2 -c16 -d4s "$U/v1/budget")
full_kb=$(curl -s "$U/v1/budget" | wc -c)
ad=$(runs 3 -t2 -c16 -d4s -s "$TMP/admit.lua" "$U/v1/admit")
/usr/bin/python3 "$HERE/bench_api.py" nodes "$TMP/nodes.txt"
nnodes=$(wc -l < "$TMP/nodes.txt")
cat > "$TMP/lease.lua" <<LUA
local names = {}
for l in io.lines("$TMP/nodes.txt") do names[#names + 1] = l end
local hdr = {["Authorization"] = "Bearer $TOK"}
request = function()
	return wrk.format("GET", "/v1/caps?node=" .. names[math.random(#names)], hdr)
end
LUA
cycles() { curl -s "$U/metrics" | awk '/^powerpark_cycles_total/{print $2}'; }
c0=$(cycles); t0=$(date +%s.%N)
le=$(runs 3 -t2 -c16 -d4s -s "$TMP/lease.lua" "$U/")
c1=$(cycles); t1=$(date +%s.%N)
period=$(echo "($t1 - $t0) / ($c1 - $c0)" | bc -l)
lat=$(/usr/bin/python3 "$HERE/bench_api.py" latency "$U" $TOK 100)
solve_us=$(curl -s "$U/metrics" | awk '/^powerpark_solve_seconds/{printf "%.1f", $2 * 1000}')
echo "ingest $(echo "$ing * 5000" | bc) lines/s (vm $(echo "$vm * 5000" | bc)); budget hall $bh/s full $bf/s ($full_kb bytes); admit $ad/s; leases $le/s of $nnodes nodes, a cycle every $period s; $lat; solve $solve_us ms"
p50=$(echo "$lat" | awk '{print $3}')
p99=$(echo "$lat" | awk '{print $5}')
{
	printf '| optimize /write ingest, 102,400-GPU park, 5,000-line batches, wrk -t2 -c4 (median of 3) | %.2f M lines/s | victoria-metrics /write, same batches: %.2f M lines/s | %.0f %% | >= 1 M lines/s |\n' \
		"$(echo "$ing * 5000 / 1000000" | bc -l)" "$(echo "$vm * 5000 / 1000000" | bc -l)" "$(echo "$ing / $vm * 100" | bc -l)"
	printf '| optimize GET /v1/budget?level=hall, wrk -t2 -c16 (median of 3) | %.0f requests/s | - | - | >= 20,000 requests/s |\n' "$bh"
	printf '| optimize GET /v1/budget (all 1,600 racks, %d kB), wrk -t2 -c16 (median of 3) | %.0f requests/s | - | - | - |\n' "$((full_kb / 1024))" "$bf"
	printf '| optimize POST /v1/admit, wrk -t2 -c16 (median of 3) | %.0f requests/s | - | - | - |\n' "$ad"
	printf '| optimize GET /v1/caps?node=NODE, %d compute nodes at random, wrk -t2 -c16 (median of 3) | %.0f leases/s; the loop meanwhile one cycle every %.2f s | - | - | every node each second (>= %d/s), the 1 s period kept |\n' "$nnodes" "$le" "$period" "$nnodes"
	printf '| breach to new cap at /v1/caps, 102,400 GPUs, 100 breaches (solve %s ms) | p50 %.1f ms, p99 %.1f ms | - | - | p99 < 200 ms |\n' "$solve_us" "$p50" "$p99"
} > "$ROWS"
