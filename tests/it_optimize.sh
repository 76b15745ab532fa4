#!/bin/bash
# it_optimize.sh - the control plane with real processes on 127.0.0.1:
# powerpark sim (the park), collect (PDUs over SNMP, the site meter over
# Modbus, into optimize's /write), optimize (control loop + API) and one
# agent per rack on the sim backend. A scheduled grid event cuts the limit
# by 20 %; the metered site power must get under it and stay there, and
# caps must rise again after it. Then: a rack whose PDU never answers is
# stale and planned at its worst case; the optimizer killed sends agents to
# their safe cap when leases end, and they recover when it returns. Every
# endpoint gets good and bad requests.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
has_line() { grep -q "$2" "$1" 2>/dev/null; }
UP=$(free_port)
GP=$(free_port)
NOW=$(date +%s)
EV0=$((NOW + 25))
EV1=$((NOW + 45))
WT=write-token-0123456789
LT=lease-token-0123456789
RT=read-token-01234567890
GT=grid-token-012345678901
cat > "$TMP/site.yaml" <<YAML
site:
  name: t
  margin: 0.02
  other_kw: 10
  weather: '$(cd "$(dirname "$0")" && pwd)/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw'
  grid:
    import_limit_kw: 140
    events:
      - {name: dr, start: '$(date -u -d @$EV0 +%Y-%m-%dT%H:%M:%SZ)', end: '$(date -u -d @$EV1 +%Y-%m-%dT%H:%M:%SZ)', limit_kw: 112}
power:
  limit_kw: 200
  halls:
    - name: a
      limit_kw: 150
      base_kw: 5
      rows:
        - name: a1
          limit_kw: 80
          racks:
            - {name: r1, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM, device: pdu1}
            - {name: r2, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM, device: pdu2}
        - name: a2
          limit_kw: 80
          racks:
            - {name: r3, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM, device: pdu3}
            - {name: r4, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM, device: pdu4}
cooling:
  plants:
    - name: p1
      serves: [a]
      reserve: 0
      chw_supply_c: 18
      chillers:
        - {name: ch1, model: doe2-centrifugal, capacity_kw: 150}
devices:
  - {name: pdu1, protocol: snmp, address: '127.0.7.1:$UP', profile: pdu-apc-rpdu2, interval_ms: 500, timeout_ms: 200, retries: 0}
  - {name: pdu2, protocol: snmp, address: '127.0.7.2:$UP', profile: pdu-apc-rpdu2, interval_ms: 500, timeout_ms: 200, retries: 0}
  - {name: pdu3, protocol: snmp, address: '127.0.7.3:$UP', profile: pdu-apc-rpdu2, interval_ms: 500, timeout_ms: 200, retries: 0}
  - {name: pdu4, protocol: snmp, address: '127.0.7.4:$UP', profile: pdu-apc-rpdu2, interval_ms: 500, timeout_ms: 200, retries: 0}
  - {name: meter, protocol: modbus-tcp, address: '127.0.8.1:$GP', unit_id: 1, profile: meter-3ph, interval_ms: 500, timeout_ms: 200}
outputs:
  - {name: files, type: file, path: '$TMP/lp'}
  - {name: opt, type: influxdb, url: 'http://127.0.0.1:OPTPORT/write', token: $WT, flush_ms: 200, gzip: true}
api:
  listen: 127.0.0.1:0
  tokens:
    - {name: collectors, token: $WT, scopes: [write]}
    - {name: agents, token: $LT, scopes: [lease, write]}
    - {name: reader, token: $RT, scopes: [read]}
    - {name: grid, token: $GT, scopes: [admin]}
YAML

# --- the park and the optimizer -------------------------------------------
$PP sim -c "$TMP/site.yaml" > "$TMP/sim.json" 2> "$TMP/sim.err" &
PIDS="$PIDS $!"
check "sim is up" wait_for 30 has_line "$TMP/sim.json" '"control"'
CTL=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['control'])" "$TMP/sim.json")
OP=$(free_port)
start_opt() {
	$PP optimize -c "$TMP/site.yaml" --listen 127.0.0.1:$OP --lease-s 3 > "$TMP/opt.out" 2>> "$TMP/opt.err" &
	OPT=$!
	PIDS="$PIDS $OPT"
	wait_for 30 http_ok "http://127.0.0.1:$OP/healthz"
}
check "optimize serves /healthz" start_opt
U="http://127.0.0.1:$OP"
sed "s/OPTPORT/$OP/" "$TMP/site.yaml" > "$TMP/collect.yaml"
$PP collect -c "$TMP/collect.yaml" > "$TMP/collect.out" 2> "$TMP/collect.err" &
PIDS="$PIDS $!"
for r in r1 r2 r3 r4; do
	$PP agent --url "$U" --node $r --token $LT --backend sim --arg "$CTL" --gpus 32 \
		--safe-cap 250 --interval-ms 300 --site t > /dev/null 2>> "$TMP/agent-$r.err" &
	PIDS="$PIDS $!"
done
J() { curl -s "$U/v1/budget" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
fresh() { [ "$(J 'd["stale_racks"]')" = 0 ] && [ "$(J 'd["grid"]["measured_kw"] is not None')" = True ]; }
check "every rack and the site meter are read through collect -> /write" wait_for 30 fresh
simcap() { simctl get "$1" | sed 's/.*cap_w=\([^ ]*\).*/\1/'; }
leased() { [ "$(simcap r1)" = "$(J '"%.1f" % [r for r in d["racks"] if r["name"]=="r1"][0]["cap_w"]')" ]; }
check "agents apply the leased caps to the sim" wait_for 20 leased
over_ev() { /usr/bin/python3 -c "import sys; sys.exit(0 if $(J 'd["grid"]["measured_kw"]') > 112 else 1)"; }
check "before the event, with caps risen, the site draws more than the event allows" wait_for 20 over_ev

# --- the grid event ------------------------------------------------------------
# Counted in the optimizer's own control periods (cycles it ran on its
# period, not those a breach started), so a loaded machine does not fail it.
periods() { curl -s "$U/metrics" | awk '/^powerpark_cycles_total/{c=$2} /^powerpark_breach_cycles_total/{b=$2} END{print c-b}'; }
until [ "$(date +%s)" -ge $EV0 ]; do sleep 0.1; done
p0=$(periods)
# The meter's latest reading (/metrics; the budget is as of the last cycle).
meter() { curl -s "$U/metrics" | awk '/^powerpark_grid_measured_kw/{print $2}'; }
under() { /usr/bin/python3 -c "import sys; sys.exit(0 if $(meter) <= 112 else 1)"; }
wait_for 15 under
p1=$(periods)
check "the metered site power is under the new limit within 3 control periods ($((p1 - p0)))" \
	[ $((p1 - p0)) -le 3 ]
# The highest meter reading, sampled every 0.25 s until Unix time $1.
highest_until() {
	w=0
	while [ "$(date +%s)" -lt "$1" ]; do
		w=$(/usr/bin/python3 -c "print(max($w, $(meter)))")
		sleep 0.25
	done
	echo "$w"
}
worst=$(highest_until $((EV1 - 1)))
check "it stayed under for the rest of the event (highest reading $worst kW)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if $worst <= 112 else 1)"
evcap=$(simcap r1)
risen() { /usr/bin/python3 -c "import sys; sys.exit(0 if $(simcap r1) > $evcap + 20 else 1)"; }
check "after the event the caps rise again (r1 from $evcap W)" wait_for 20 risen

# --- a grid signal posted at run time ---------------------------------------------
check "before the signal the site again draws more than it will allow" wait_for 30 over_ev
S0=$(date +%s)
p0=$(periods)
check "a grid signal (112 kW for 12 s) is taken" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $GT" -d '{"id":"sig-1","limit_kw":112,"start":'$S0',"end":'$((S0 + 12))'}' "$U/v1/grid/event")" = 200 ]
wait_for 30 under
p1=$(periods)
check "the metered site power is under the signalled limit within 3 control periods ($((p1 - p0)))" \
	[ $((p1 - p0)) -le 3 ]
sigm() { curl -s "$U/metrics" | awk -v m="$1" '$1 ~ "^"m"{event=\"sig-1\"}" {print $2}'; }
resp=$(sigm powerpark_grid_signal_response_seconds)
check "its response is recorded as a metric, within the 30 s asked ($resp s)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if 0 <= float('$resp') <= 30 else 1)"
worst=$(highest_until $((S0 + 11)))
check "it stayed under to the signal's end (highest reading $worst kW)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if $worst <= 112 else 1)"
held=$(sigm powerpark_grid_signal_held_max_kw)
check "the level held is recorded ($held kW, at most the limit)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if float('$held') <= 112 else 1)"
check "the work deferred is recorded: none here, no scheduler holds jobs ($(sigm powerpark_grid_signal_deferred_gpu_seconds) GPU-s)" \
	[ "$(sigm powerpark_grid_signal_deferred_gpu_seconds)" = 0.000 ]
evcap=$(simcap r1)
check "after the signal the caps rise again (r1 from $evcap W)" wait_for 20 risen

# --- what the decisions look like -----------------------------------------------
check "/metrics counts cycles" wait_for 5 sh -c "curl -s $U/metrics | grep -q '^powerpark_cycles_total [1-9]'"
check "the budget names a status" [ "$(J 'd["status"]')" = ok ]

# --- the API, good and bad ----------------------------------------------------------
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
errmsg() { /usr/bin/python3 -c "import json; print(json.load(open('$TMP/body'))['error'])" 2>/dev/null; }
check "/write without a token: 401" [ "$(code -XPOST --data-binary 'x v=1' "$U/write")" = 401 ]
check "/write with a wrong token: 401" [ "$(code -XPOST -H 'Authorization: Bearer nope-nope-nope-nope' --data-binary 'x v=1' "$U/write")" = 401 ]
check "/write with a read-only token: 403" [ "$(code -XPOST -H "Authorization: Bearer $RT" --data-binary 'x v=1' "$U/write")" = 403 ]
printf 'x v=1\ny\n' > "$TMP/bad.lp"
check "/write with a bad line: 400" [ "$(code -XPOST -H "Authorization: Bearer $WT" --data-binary @"$TMP/bad.lp" "$U/write")" = 400 ]
check "... naming the line and why ($(errmsg))" grep -q 'line 2' "$TMP/body"
check "... and counted in /metrics" sh -c "curl -s $U/metrics | grep -q '^powerpark_write_bad_lines_total [1-9]'"
check "rejected requests are counted in /metrics" sh -c "curl -s $U/metrics | grep -q '^powerpark_api_rejected_total [1-9]'"
before=$(curl -s "$U/metrics" | awk '/^powerpark_ingested_total/{print $2}')
check "/write of a good line: 204" [ "$(code -XPOST -H "Token $WT" -H "Authorization: Token $WT" --data-binary 'weather,site=t drybulb_c=31.5,wetbulb_c=24' "$U/write")" = 204 ]
after=$(curl -s "$U/metrics" | awk '/^powerpark_ingested_total/{print $2}')
check "... and it was taken ($before -> $after)" [ "$after" -gt "$before" ]
printf 'weather,site=t drybulb_c=30,wetbulb_c=23\n' | gzip > "$TMP/w.gz"
check "/write gzip: 204" [ "$(code -XPOST -H "Authorization: Bearer $WT" -H 'Content-Encoding: gzip' --data-binary @"$TMP/w.gz" "$U/write")" = 204 ]
check "/write with a broken gzip body: 400" [ "$(code -XPOST -H "Authorization: Bearer $WT" -H 'Content-Encoding: gzip' --data-binary 'not gzip' "$U/write")" = 400 ]
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' 'a' > "$TMP/big"
check "/write of 33 MiB: 413" [ "$(code -XPOST -H "Authorization: Bearer $WT" --data-binary @"$TMP/big" "$U/write")" = 413 ]
check "/v1/caps without a token: 401" [ "$(code "$U/v1/caps?node=r1")" = 401 ]
check "/v1/caps with a write-only token: 403" [ "$(code -H "Authorization: Bearer $WT" "$U/v1/caps?node=r1")" = 403 ]
check "/v1/caps of an unknown node: 404" [ "$(code -H "Authorization: Bearer $LT" "$U/v1/caps?node=zz")" = 404 ]
check "/v1/caps without a node: 400" [ "$(code -H "Authorization: Bearer $LT" "$U/v1/caps")" = 400 ]
check "/v1/caps of r2: 200 with a cap in range" sh -c "[ \"\$(curl -s -o $TMP/body -w '%{http_code}' -H 'Authorization: Bearer $LT' '$U/v1/caps?node=r2')\" = 200 ] && /usr/bin/python3 -c \"import json; d=json.load(open('$TMP/body')); c=d['caps'][0]['cap_w']; exit(0 if 200 <= c <= 700 and d['ttl_s']==3 else 1)\""
A() { code -XPOST -H "Authorization: Bearer $WT" --data-binary "$1" "$U/v1/admit"; }
check "/v1/admit with malformed JSON: 400" [ "$(A '{"gpus": ')" = 400 ]
check "/v1/admit with gpus of the wrong type: 400 ($(A '{"gpus":"8"}' >/dev/null; errmsg))" [ "$(A '{"gpus":"8"}')" = 400 ]
check "/v1/admit for an unknown hall: 400" [ "$(A '{"gpus":8,"hall":"zz"}')" = 400 ]
check "/v1/admit of 8 GPUs: 200 with a decision" sh -c "[ \"\$(curl -s -o $TMP/body -w '%{http_code}' -XPOST -H 'Authorization: Bearer $WT' --data-binary '{\"gpus\":8,\"class\":\"batch\",\"deferrable\":true}' $U/v1/admit)\" = 200 ] && grep -q '\"decision\"' $TMP/body"
check "/v1/admit of 100000 GPUs: rejected with a reason" sh -c "curl -s -XPOST -H 'Authorization: Bearer $WT' --data-binary '{\"gpus\":100000}' $U/v1/admit | grep -q '\"reject\"'"
check "/v1/budget/forecast?hours=0: 400" [ "$(code "$U/v1/budget/forecast?hours=0")" = 400 ]
check "/v1/budget/forecast?hours=24: 24 hourly buckets" sh -c "curl -s '$U/v1/budget/forecast?hours=24' | /usr/bin/python3 -c 'import json,sys; exit(0 if len(json.load(sys.stdin)[\"buckets\"])==24 else 1)'"
F() { curl -s "$U/v1/budget/forecast?hours=24" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); b=d['buckets']; print($1)"; }
check "the forecast takes the weather from the site's EPW year" [ "$(F "d['weather']")" = epw ]
check "... which changes over a day (dry bulb $(F "'%.1f..%.1f C' % (min(x['drybulb_c'] for x in b), max(x['drybulb_c'] for x in b))"))" \
	[ "$(F "int(max(x['drybulb_c'] for x in b) - min(x['drybulb_c'] for x in b) > 1)")" = 1 ]
check "... and so does the cooling per kW, higher when hotter" [ "$(F "int(sorted(b, key=lambda x: x['drybulb_c'])[-1]['cooling_kw_per_kw'] >= sorted(b, key=lambda x: x['drybulb_c'])[0]['cooling_kw_per_kw'])")" = 1 ]
sed "s|weather: .*|weather: nowhere.epw|" "$TMP/site.yaml" > "$TMP/badw.yaml"
$PP optimize -c "$TMP/badw.yaml" --listen 127.0.0.1:0 > /dev/null 2> "$TMP/badw.err"
check "a missing EPW file stops optimize with file:line:col ($(head -1 "$TMP/badw.err"))" grep -q "badw.yaml:[0-9]*:[0-9]*: site.weather" "$TMP/badw.err"
$PP optimize -c "$TMP/site.yaml" --period-ms abc > /dev/null 2> "$TMP/badp.err"
check "a bad --period-ms is refused by name ($(head -1 "$TMP/badp.err"))" grep -q -- "--period-ms: expected a whole number" "$TMP/badp.err"
check "an unknown endpoint: 404" [ "$(code "$U/nope")" = 404 ]
check "GET /write: 405" [ "$(code "$U/write")" = 405 ]

/usr/bin/python3 "$(dirname "$0")/apidoc.py" docs/api.md "$U" $WT $LT $RT > "$TMP/apidoc.out"
rc=$?
check "every example of docs/api.md answers as documented ($(grep -c '^ok' "$TMP/apidoc.out") examples)" [ $rc -eq 0 ]
grep '^not ok' "$TMP/apidoc.out" >&2

# --- a reading that breaks a rack limit lowers that rack's caps ----------------------
R2() { J "[r for r in d['racks'] if r['name']=='r2'][0]['$1']"; }
cap2=$(R2 cap_w)
check "a breaching reading is taken" [ "$(code -XPOST -H "Authorization: Bearer $WT" --data-binary 'pdu,site=t,rack=r2 power_w=40000' "$U/write")" = 204 ]
lower2() { /usr/bin/python3 -c "import sys; sys.exit(0 if $(R2 cap_w) < $cap2 and $(R2 unexplained_kw) > 0 else 1)"; }
check "... r2's cap falls below $cap2 W and its unexplained power shows" wait_for 10 lower2
check "... counted as a breach" sh -c "curl -s $U/metrics | grep -q '^powerpark_breaches_total [1-9]'"

# --- decisions go to the outputs -------------------------------------------------------
decided() { cat "$TMP"/lp/*.lp 2>/dev/null | grep -q '^decision,site=t .*binding="'; }
check "every cycle's decision reaches the file output" wait_for 10 decided
check "... with caps per rack" sh -c "cat $TMP/lp/*.lp | grep -q '^cap,site=t,rack=r1 cap_w='"

# --- a PDU stops answering: its rack is planned at its worst case ---------------------
R4() { J "[r for r in d['racks'] if r['name']=='r4'][0]['$1']"; }
check "the sim silences pdu4" [ "$(simctl 'fault pdu4 silent' | cut -c1-2)" = ok ]
stale4() { [ "$(R4 stale)" = True ]; }
check "r4 turns stale after three missed polls" wait_for 15 stale4
worst4() { [ "$(R4 demand_w)" = 700.0 ] && [ "$(J 'd["stale_racks"]')" = 1 ]; }
check "r4 is planned at full demand (700 W a GPU) while stale" wait_for 5 worst4
check "pdu4 answers again" [ "$(simctl 'fault pdu4 none' | cut -c1-2)" = ok ]
fresh4() { [ "$(R4 stale)" = False ]; }
check "r4 is fresh again" wait_for 15 fresh4

# --- the optimizer dies: safe caps; it returns: leases again ------------------------
kill -9 $OPT
wait $OPT 2>/dev/null
safe() { [ "$(simcap r1)" = "250.0" ]; }
check "with the optimizer gone, agents apply the safe cap when the lease ends" wait_for 15 safe
check "optimize starts again on the same port" start_opt
back() { [ "$(simcap r1)" != "250.0" ]; }
check "agents lease again from the new optimizer" wait_for 20 back

# --- TLS ---------------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 > /dev/null 2>&1
TP=$(free_port)
sed "s|listen: 127.0.0.1:0|listen: 127.0.0.1:$TP\n  tls_cert: $TMP/cert.pem\n  tls_key: $TMP/key.pem|" "$TMP/site.yaml" > "$TMP/tls.yaml"
$PP optimize -c "$TMP/tls.yaml" > "$TMP/tls.out" 2> "$TMP/tls.err" &
PIDS="$PIDS $!"
tls_ok() { curl -sf --cacert "$TMP/cert.pem" -o /dev/null "https://127.0.0.1:$TP/healthz"; }
check "with tls_cert and tls_key it serves HTTPS (verified against the cert)" wait_for 30 tls_ok
check "... and not plain HTTP" sh -c "! curl -sf -o /dev/null --max-time 3 http://127.0.0.1:$TP/healthz"
sed "s|  tls_key: .*||" "$TMP/tls.yaml" > "$TMP/tls-bad.yaml"
$PP check -c "$TMP/tls-bad.yaml" > /dev/null 2> "$TMP/tlsbad.err"
check "tls_cert without tls_key is a config error ($(head -1 $TMP/tlsbad.err))" grep -q "go together" "$TMP/tlsbad.err"

done_tests it_optimize
