#!/bin/bash
# it_redfish.sh - the `redfish` device kind and agent backend against
# tests/redfish_server.py (no Redfish server is packaged in Debian; its
# resources follow DMTF's public-rackmount1 and public-rackpdu mockups),
# over TLS with a self-signed certificate made here by openssl:
# every served reading written as served, TLS refused without the CA,
# sessions re-established after the service drops them and deleted at
# exit, basic auth, bad credentials, a slow or dead BMC that costs a Modbus
# neighbour (pymodbus) no poll, 500s and malformed JSON, and the agent's
# PATCH of the power limit read back (Controls, and the older Power).
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PP=${PP:-build/san/powerpark}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LPG="/usr/bin/python3 $HERE/lp_get.py"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
check "a self-signed certificate for 127.0.0.1" [ -s "$TMP/cert.pem" ]

# start_rf NAME ARGS...: a test server; its port in $RFPORT
start_rf() {
	n=$1; shift
	RFPORT=$(free_port)
	/usr/bin/python3 "$HERE/redfish_server.py" $RFPORT --cert "$TMP/cert.pem" --key "$TMP/key.pem" \
		"$@" > "$TMP/$n.out" 2> "$TMP/$n.err" &
	PIDS="$PIDS $!"
	wait_for 30 grep -q ready "$TMP/$n.out"
}
rf() { curl -s --cacert "$TMP/cert.pem" "https://127.0.0.1:$1$2"; }
stat_of() { rf "$1" /_test/stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$2)"; }

start_rf bmc
P1=$RFPORT
start_rf dead
P2=$RFPORT
start_rf old --no-controls --no-pdu
P3=$RFPORT
check "three Redfish test servers up" [ -n "$(rf $P1 /_test/stats)" -a -n "$(rf $P2 /_test/stats)" -a -n "$(rf $P3 /_test/stats)" ]

dev() { # name port redfish-keys [more device keys]
	echo "  - {name: $1, protocol: redfish, address: '127.0.0.1:$2', interval_ms: ${5:-1000}, timeout_ms: ${6:-900}, retries: 0, redfish: {$3}${4:-}}"
}
CRED="user: admin, password: secret-pw"

# --- 1. every reading, as served, into a file output ----------------------
cat > "$TMP/a.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc1 $P1 "$CRED, ca_file: $TMP/cert.pem")
outputs: [{name: f, type: file, path: $TMP/outa}]
YAML
$PP collect -c "$TMP/a.yaml" --once 2> "$TMP/a.err"
check "collect --once through a Redfish session: exit 0 ($(tail -1 $TMP/a.err))" [ $? -eq 0 ]
cat "$TMP"/outa/*.lp > "$TMP/a.lp"
rf $P1 /_test/tree > "$TMP/tree.json"
check "every served reading written as served ($(/usr/bin/python3 $HERE/redfish_check.py $TMP/a.lp $TMP/tree.json bmc1 | tail -1))" \
	/usr/bin/python3 "$HERE/redfish_check.py" "$TMP/a.lp" "$TMP/tree.json" bmc1
check "tagged by site, device, chassis and sensor" \
	[ -n "$(grep '^redfish_temp,site=lab,device=bmc1,chassis=1U,sensor=CPU1\\ Temp temp_c=61.5 ' $TMP/a.lp)" ]
check "the device's health sample: up, no failed parts" \
	[ "$($LPG $TMP/a.lp device device=bmc1 proto=redfish up)/$($LPG $TMP/a.lp device device=bmc1 failed_blocks)" = 1/0 ]
check "one login, its session deleted at exit" [ "$(stat_of $P1 "['logins']")/$(stat_of $P1 "['deletes']")/$(stat_of $P1 "['live']")" = 1/1/0 ]

# --- 2. TLS ----------------------------------------------------------------
cat > "$TMP/b.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc1 $P1 "$CRED")
YAML
$PP collect -c "$TMP/b.yaml" --once --stdout > "$TMP/b.lp" 2> "$TMP/b.err"
check "without its CA the self-signed certificate is refused (exit 3)" [ $? -eq 3 ]
check "... and the error says why ($(grep -o 'certificate[^]]*' $TMP/b.err | head -1))" grep -qi 'certificate' "$TMP/b.err"
check "... nothing but the health sample written, up=0" \
	[ "$(grep -c '^redfish' $TMP/b.lp)/$($LPG $TMP/b.lp device device=bmc1 up)" = 0/0 ]
sed -i 's/password: secret-pw/password: secret-pw, verify: false/' "$TMP/b.yaml"
$PP collect -c "$TMP/b.yaml" --once --stdout > "$TMP/c.lp" 2> "$TMP/c.err"
check "verify: false reads it (exit $?), logged as a warning" \
	sh -c "[ \$($LPG $TMP/c.lp device device=bmc1 up) = 1 ] && grep -q 'NOT verified' $TMP/c.err"
cat > "$TMP/bad.yaml" <<YAML
site: {name: lab}
devices:
  - {name: x, protocol: redfish, address: '127.0.0.1:1', profile: pdu-apc-rpdu2, redfish: {user: a}}
  - {name: y, protocol: redfish, address: '127.0.0.1:1', unit_id: 3}
YAML
$PP check -c "$TMP/bad.yaml" > "$TMP/bad.out" 2>&1
check "config: a profile, a missing password, a Modbus key, missing credentials: each at file:line:col" \
	sh -c "grep -q \"bad.yaml:3:[0-9]*: .*'profile' is not used by Redfish\" $TMP/bad.out &&
	       grep -q \"bad.yaml:3:[0-9]*: .*missing required key 'password'\" $TMP/bad.out &&
	       grep -q \"bad.yaml:4:[0-9]*: 'unit_id' is for Modbus devices\" $TMP/bad.out &&
	       grep -q \"bad.yaml:4:[0-9]*: .*needs 'redfish'\" $TMP/bad.out"

# --- 3. auth ---------------------------------------------------------------
l0=$(stat_of $P1 "['logins']"); b0=$(stat_of $P1 "['basic']")
sed -e 's/password: secret-pw/password: secret-pw, auth: basic/' "$TMP/a.yaml" | sed '/^outputs/d' > "$TMP/basic.yaml"
$PP collect -c "$TMP/basic.yaml" --once --stdout > "$TMP/basic.lp" 2>/dev/null
check "basic auth: read (up=1), no session made, every request authenticated" \
	[ "$($LPG $TMP/basic.lp device device=bmc1 up)/$(stat_of $P1 "['logins']")/$(( $(stat_of $P1 "['basic']") > b0 + 20 ))" = "1/$l0/1" ]
for auth in session basic; do
	sed -e "s/password: secret-pw/password: wrong-pw, auth: $auth/" "$TMP/a.yaml" | sed '/^outputs/d' > "$TMP/wrong.yaml"
	$PP collect -c "$TMP/wrong.yaml" --once --stdout > "$TMP/wrong.lp" 2> "$TMP/wrong.err"
	check "$auth with a wrong password: 401, up=0, counted as an auth error" \
		[ "$($LPG $TMP/wrong.lp device device=bmc1 up)/$($LPG $TMP/wrong.lp device device=bmc1 auth_errors)" = 0/1 ]
done

# --- 4. a session the service dropped is made again --------------------------
cat > "$TMP/s.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc1 $P1 "$CRED, ca_file: $TMP/cert.pem" "" 300 250)
outputs: [{name: f, type: file, path: $TMP/outs, flush_ms: 100}]
YAML
l0=$(stat_of $P1 "['logins']"); d0=$(stat_of $P1 "['deletes']")
$PP collect -c "$TMP/s.yaml" 2> "$TMP/s.err" &
CP=$!
PIDS="$PIDS $CP"
polls() { cat "$TMP"/outs/*.lp 2>/dev/null | grep -c '^device,.*up=1i'; }
ge() { [ "$($1)" -ge "$2" ]; }
wait_for 20 ge polls 3
rf $P1 /_test/drop_sessions > /dev/null
n0=$(polls)
wait_for 20 ge polls $((n0 + 3))
kill -TERM $CP; wait $CP
check "after the service dropped the session: logged in again (logins $l0 -> $(stat_of $P1 "['logins']"))" \
	[ "$(stat_of $P1 "['logins']")" -eq $((l0 + 2)) ]
check "... no poll, and no resource of one, failed over it ($(cat $TMP/outs/*.lp | grep -c '^device,.*up=0i') down, $(cat $TMP/outs/*.lp | grep -c '^device,.*failed_blocks=[1-9]') partial)" \
	[ "$(cat $TMP/outs/*.lp | grep -c '^device,.*up=0i')/$(cat $TMP/outs/*.lp | grep -c '^device,.*failed_blocks=[1-9]')" = 0/0 -a "$(polls)" -ge $((n0 + 3)) ]
check "... and the session deleted on SIGTERM" [ "$(stat_of $P1 "['deletes']")/$(stat_of $P1 "['live']")" = "$((d0 + 1))/0" ]

# --- 5. a slow or dead BMC costs its Modbus neighbour nothing ----------------
MP=$(free_port)
/usr/bin/python3 "$HERE/pymodbus_server.py" $MP > "$TMP/pymodbus.json" 2> "$TMP/pymodbus.err" &
PIDS="$PIDS $!"
tcp_up() { /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $MP), 1)"; }
check "pymodbus is serving" wait_for 30 tcp_up
for mode in hang slow; do
	rf $P2 "/_test/fault?mode=$mode&delay=3" > /dev/null
	rm -rf "$TMP/outn"
	cat > "$TMP/n.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc9 $P2 "$CRED, ca_file: $TMP/cert.pem" "" 1000 800)
  - {name: meter1, protocol: modbus-tcp, address: '127.0.0.1:$MP', unit_id: 1, profile: meter-3ph, interval_ms: 200, timeout_ms: 150, retries: 0}
outputs: [{name: f, type: file, path: $TMP/outn, flush_ms: 100}]
YAML
	$PP collect -c "$TMP/n.yaml" 2> "$TMP/n.err" &
	CP=$!
	PIDS="$PIDS $CP"
	mpolls() { cat "$TMP"/outn/*.lp 2>/dev/null | grep -c '^device,.*device=meter1,'; }
	bpolls() { cat "$TMP"/outn/*.lp 2>/dev/null | grep -c '^device,.*device=bmc9,.*up=0i'; }
	wait_for 40 ge bpolls 3
	wait_for 20 ge mpolls 40
	kill -TERM $CP; wait $CP
	cat "$TMP"/outn/*.lp > "$TMP/n.lp"
	check "$mode BMC: it is down with timeouts ($($LPG $TMP/n.lp device device=bmc9 timeouts) of $($LPG $TMP/n.lp device device=bmc9 polls))" \
		[ "$($LPG $TMP/n.lp device device=bmc9 up)" = 0 -a "$($LPG $TMP/n.lp device device=bmc9 timeouts)" -ge 2 ]
	check "$mode BMC: the Modbus neighbour kept its schedule: every poll up, none late, no gap over 1.5 intervals" \
		/usr/bin/python3 - "$TMP/n.lp" <<'PY'
import sys
sys.path.insert(0, "tests")
from lp_get import parse
ts, bad = [], 0
for line in open(sys.argv[1]):
    m, tags, f = parse(line)
    if m == "device" and tags.get("device") == "meter1":
        ts.append(int(line.rsplit(" ", 1)[1]))
        bad += f["up"] != "1i" or f["late"] != "0u"
gaps = [(b - a) / 1e6 for a, b in zip(ts, ts[1:])]
print("meter1: %d polls, late/down %d, longest gap %.0f ms" % (len(ts), bad, max(gaps)))
sys.exit(0 if len(ts) >= 40 and not bad and max(gaps) < 300 else 1)
PY
done
rf $P2 "/_test/fault?mode=none" > /dev/null

# --- 6. 500s and malformed JSON ---------------------------------------------
cat > "$TMP/f.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc9 $P2 "$CRED, ca_file: $TMP/cert.pem")
YAML
rf $P2 "/_test/fault?mode=error" > /dev/null
$PP collect -c "$TMP/f.yaml" --once --stdout > "$TMP/f1.lp" 2> "$TMP/f1.err"
check "HTTP 500s: down, said so, not counted as timeouts" \
	sh -c "[ \$($LPG $TMP/f1.lp device device=bmc9 up)/\$($LPG $TMP/f1.lp device device=bmc9 timeouts) = 0/0 ] && grep -q 'HTTP 500' $TMP/f1.err"
rf $P2 "/_test/fault?mode=malformed" > /dev/null
$PP collect -c "$TMP/f.yaml" --once --stdout > "$TMP/f2.lp" 2> "$TMP/f2.err"
check "malformed JSON: down, said so ($(grep -o 'not JSON[^]]*' $TMP/f2.err | head -1))" \
	sh -c "[ \$($LPG $TMP/f2.lp device device=bmc9 up) = 0 ] && grep -q 'not JSON' $TMP/f2.err"
rf $P2 "/_test/fault?mode=error&path=/Bay2" > /dev/null
$PP collect -c "$TMP/f.yaml" --once --stdout > "$TMP/f4.lp" 2> "$TMP/f4.err"
check "one PSU answering 500: the device is up, 1 failed part, the rest written ($($LPG $TMP/f4.lp redfish_psu device=bmc9 psu=Bay1 input_power_w) W on Bay1, $($LPG $TMP/f4.lp redfish_outlet device=bmc9 '#count') outlets)" \
	[ "$($LPG $TMP/f4.lp device device=bmc9 up)/$($LPG $TMP/f4.lp device device=bmc9 failed_blocks)/$($LPG $TMP/f4.lp redfish_psu device=bmc9 psu=Bay2 '#count')/$($LPG $TMP/f4.lp redfish_outlet device=bmc9 '#count')" = 1/1/0/3 ]
# ... and while it keeps failing, the tree is not walked again on every poll
# (each walk is a GET of every resource): the polls between walks double.
cat > "$TMP/fw.yaml" <<YAML
site: {name: lab}
devices:
$(dev bmc9 $P2 "$CRED, ca_file: $TMP/cert.pem" "" 100 90)
YAML
r0=$(stat_of $P2 '["root_gets"]')
$PP collect -c "$TMP/fw.yaml" --stdout > "$TMP/fw.lp" 2> "$TMP/fw.err" &
FW=$!
PIDS="$PIDS $FW"
thirty() { [ "$(grep -c '^device,site=lab,device=bmc9' "$TMP/fw.lp")" -ge 30 ]; }
wait_for 60 thirty
kill -TERM $FW; wait $FW 2>/dev/null
walks=$(( $(stat_of $P2 '["root_gets"]') - r0 ))
npolls=$(grep -c '^device,site=lab,device=bmc9' "$TMP/fw.lp")
check "one PSU failing on every poll: $walks walks of the tree in $npolls polls (doubling gaps), each poll up with 1 failed part" \
	sh -c "[ $walks -ge 2 ] && [ $walks -le 8 ] && ! grep '^device,site=lab,device=bmc9' $TMP/fw.lp | grep -v 'up=1i' | grep -q . && ! grep '^device,site=lab,device=bmc9' $TMP/fw.lp | grep -v 'failed_blocks=1u' | grep -q ."
rf $P2 "/_test/fault?mode=none" > /dev/null
$PP collect -c "$TMP/f.yaml" --once --stdout > "$TMP/f3.lp" 2>/dev/null
check "the fault gone, read again" [ "$($LPG $TMP/f3.lp device device=bmc9 up)" = 1 ]

# --- 7. the agent's redfish backend ------------------------------------------
LT=lease-token-0123456789
cat > "$TMP/site.yaml" <<YAML
site:
  name: t
  grid: {import_limit_kw: 100}
$(one_rack_power n1 2)
api:
  tokens:
    - {name: agents, token: $LT, scopes: [lease, write]}
YAML
check "optimize is up" start_optimize "$TMP/site.yaml"
printf 'secret-pw\n' > "$TMP/pw"
for p in $P1 $P3; do
	$PP agent --url "$U" --node n1 --token $LT --safe-cap 300 --gpus 2 --backend redfish --once \
		--arg "url=https://127.0.0.1:$p,user=admin,password_file=$TMP/pw,ca_file=$TMP/cert.pem,base_w=400" 2> "$TMP/ag$p.err"
	cap=$(curl -s -H "Authorization: Bearer $LT" "$U/v1/caps?node=n1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["caps"][0]["cap_w"])')
	want=$(/usr/bin/python3 -c "print(round($cap * 2 + 400))")
	res=Controls/PowerLimit; [ $p = $P3 ] && res=Power
	last=$(rf $p /_test/stats | /usr/bin/python3 -c 'import json,sys; p=json.load(sys.stdin)["patches"]; print("%s %s" % (p[-1]["path"].split("1U/")[1], p[-1]["watts"]) if p else "none")')
	check "agent (BMC $res): PATCHed the node limit = lease cap $cap W x 2 GPUs + 400 W ($last)" [ "$last" = "$res $want" ]
	held=$(rf $p /_test/tree | /usr/bin/python3 -c "import json,sys; t=json.load(sys.stdin); c='/redfish/v1/Chassis/1U'; print(t[c+'/Controls/PowerLimit']['SetPoint'] if c+'/Controls/PowerLimit' in t else t[c+'/Power']['PowerControl'][0]['PowerLimit']['LimitInWatts'])")
	check "... the BMC holds it (read back: $held W), the session deleted" [ "$held" = "$want" -a "$(stat_of $p "['live']")" = 0 ]
done
$PP agent --url "$U" --node n1 --token $LT --safe-cap 300 --gpus 2 --backend redfish --once \
	--arg "url=https://127.0.0.1:$P1,user=admin,password_file=$TMP/pw,base_w=400" 2> "$TMP/agv.err"
check "agent: the BMC's certificate verified too (refused without its CA)" \
	sh -c "[ $? -ne 0 ] && grep -qi certificate $TMP/agv.err"
$PP agent --url "$U" --node n1 --token $LT --safe-cap 300 --gpus 2 --backend redfish --once \
	--arg "url=https://127.0.0.1:$P1,user=admin,password_file=$TMP/pw,ca_file=$TMP/cert.pem,base_w=5000" 2> "$TMP/agr.err"
want=$(/usr/bin/python3 -c "print(min(round($cap * 2 + 5000), 6400))")
check "agent: the node limit stays within the BMC's AllowableMax 6400 W (base_w 5000: $(stat_of $P1 "['patches'][-1]['watts']") W)" \
	[ "$(stat_of $P1 "['patches'][-1]['watts']")" = "$want" ]

# An orderly stop gives the node back the limit the BMC held at start.
before=$(stat_of $P3 "['patches'][-1]['watts']")
n0=$(stat_of $P3 "['patches']" | /usr/bin/python3 -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))')
$PP agent --url "$U" --node n1 --token $LT --safe-cap 300 --gpus 2 --backend redfish --interval-ms 200 \
	--arg "url=https://127.0.0.1:$P3,user=admin,password_file=$TMP/pw,ca_file=$TMP/cert.pem,auth=basic" 2> "$TMP/agt.err" &
AG=$!
PIDS="$PIDS $AG"
npatch() { stat_of $P3 "['patches']" | /usr/bin/python3 -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))'; }
wait_for 20 ge npatch $((n0 + 1))
kill -TERM $AG; wait $AG
check "agent (basic auth) on SIGTERM: the node's limit back to the $before W it had ($(stat_of $P3 "['patches']" | tail -c 120))" \
	[ "$(stat_of $P3 "['patches'][-2]['watts']")/$(stat_of $P3 "['patches'][-1]['watts']")" = "$(/usr/bin/python3 -c "print(round($cap * 2))")/$before" ]

echo "it_redfish: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
