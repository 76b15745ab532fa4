#!/bin/bash
# seed.sh - writes the seed corpora of the fuzz targets (tests/fuzz/corpus/
# NAME/) from the repository's own files: conf/ and tests/data/, and the
# examples of docs/api.md. Run from the repository's root; the output is
# committed, so run it again only when the sources change (docs/fuzzing.md).
set -eu
C=tests/fuzz/corpus
rm -rf "$C"
mkdir -p "$C"/{lineproto,config,plan,inst,api,epw,state,snmp_ber}

# config: every site file, with the profiles it names carried after "#@ NAME"
# lines (so the profiles are fuzzed too), the scenarios, and each profile on
# a one-device site.
with_profiles() { # FILE: the file, then each profile it names
	cat "$1"
	for p in $(grep -o 'profile: [a-z0-9-]*' "$1" | sort -u | cut -d' ' -f2); do
		[ -f "conf/profiles/$p.yaml" ] || continue
		printf '#@ %s\n' "$p"
		cat "conf/profiles/$p.yaml"
	done
}
with_profiles conf/examples/small.yaml > "$C/config/small.yaml"
cp tests/data/scenario_tiny.yaml tests/data/scenario_ramp.yaml conf/scenarios/gwangju.yaml "$C/config/"
# grid signals and service floors (issue 24), and a collector's config: no
# power tree, a UPS placed by hall, an RTU line's framing (issue 26)
{ sed 's/^  other_kw: 600$/  other_kw: 600\n  keep: {inference: 0.99}/' conf/scenarios/dr-30-now.yaml; } > "$C/config/dr-30-now.yaml"
cat > "$C/config/collector-only.yaml" <<'YAML'
site: {name: edge}
devices:
  - {name: u1, protocol: snmp, address: '127.0.0.1:161', profile: ups-rfc1628, hall: a, snmp: {version: 1, community: public}}
  - {name: m1, protocol: modbus-rtu, address: /dev/ttyUSB0, baud: 9600, parity: even, data_bits: 8, stop_bits: 2, unit_id: 0x11, profile: meter-3ph}
outputs: [{name: local, type: file, path: /tmp/x}]
YAML
# ... and a collector's Redfish devices (a BMC over a session, a PDU over
# basic auth without TLS verification)
cat > "$C/config/collector-redfish.yaml" <<'YAML'
site: {name: edge}
devices:
  - {name: bmc1, protocol: redfish, address: '10.0.0.17:443', interval_ms: 10000, timeout_ms: 3000, retries: 0, redfish: {user: telemetry, password: pw, ca_file: ca.pem}}
  - {name: pdu1, protocol: redfish, address: '10.0.0.18:8443', hall: a, redfish: {scheme: https, auth: basic, user: u, password: p, verify: false}}
outputs: [{name: local, type: file, path: /tmp/x}]
YAML
for f in conf/profiles/*.yaml; do
	p=$(basename "$f" .yaml)
	proto=modbus-tcp; grep -q '^protocol: snmp' "$f" && proto=snmp
	{
		printf 'site: {name: s, grid: {import_limit_kw: 100}}\n'
		printf 'power:\n  limit_kw: 100\n  halls:\n    - name: a\n      limit_kw: 90\n'
		printf '      rows:\n        - name: a1\n          limit_kw: 90\n          racks:\n'
		printf '            - {name: r1, limit_kw: 40, gpus: 8, gpu_model: H100-SXM, device: d1}\n'
		printf 'devices:\n  - {name: d1, protocol: %s, address: "127.0.0.1:1502", profile: %s}\n' "$proto" "$p"
		printf '#@ %s\n' "$p"
		cat "$f"
	} > "$C/config/profile-$p.yaml"
done

# plan: the shipped plans and the test's (its placeholders as values).
cp conf/plans/*.yaml "$C/plan/"
sed -e 's/OVERSIZE/1.1/' -e 's/DEFERRABLE/true/' tests/data/plan_test.yaml > "$C/plan/plan_test.yaml"
# ... and one with money (costs, a tariff with a period, CAPEX per design).
sed -e 's/OVERSIZE/1.1/' -e 's/DEFERRABLE/0.8/' -e 's/oversize: 1.1/&\n    capex_per_mw: 9000000/' \
	-e 's#    grid:#    tariff:\n      price_kwh: 0.08\n      demand_kw_month: 15\n      periods:\n        - {months: [7], days: weekdays, from: "14:00", to: "18:00", price_kwh: 0.2}\n&#' \
	tests/data/plan_test.yaml > "$C/plan/plan_money.yaml"
printf 'costs: {currency: USD, capex_years: 10, water_per_m3: 2.5}\n' >> "$C/plan/plan_money.yaml"

# inst: the example instance and a two-job variant with a plant and no grid.
cp tests/data/solve/example.json "$C/inst/"
cat > "$C/inst/two-jobs.json" <<'JSON'
{"margin": 0, "nodes": [{"id": "s", "parent": null, "limit_kw": 20, "base_kw": 1},
 {"id": "r1", "parent": "s", "limit_kw": 12, "base_kw": 0.5},
 {"id": "r2", "parent": "s", "limit_kw": 12, "base_kw": 0.5}],
 "plants": [{"id": "p", "nodes": ["s"], "capacity_kw": 30}],
 "jobs": [{"id": "a", "weight": 1, "p_min_w": 100, "p_max_w": 700, "demand_w": 700,
   "placement": [{"node": "r1", "gpus": 8}, {"node": "r2", "gpus": 4}],
   "curve": [[100, 0.3], [700, 1]], "flexible": true},
  {"id": "b", "weight": 5, "p_min_w": 200, "p_max_w": 1000, "demand_w": 500,
   "placement": [{"node": "r2", "gpus": 8}], "curve": [[200, 0.5], [1000, 1]]}]}
JSON

# api: one byte for the endpoint (0 admit, 1 sync, 2 grid event), then the
# body: the requests of docs/api.md and a few on the fuzz park's names.
api() { printf "\\$(printf '%03o' "$1")" > "$C/api/$2"; printf '%s' "$3" >> "$C/api/$2"; }
api 0 admit-doc '{"gpus": 8, "class": "inference", "deferrable": false}'
api 0 admit-hall '{"gpus": 72, "hall": "a", "class": "training", "deferrable": true}'
api 0 admit-min '{"gpus": 8}'
api 1 sync-doc '{"racks": [], "running": [], "pending": [{"id": "4711", "gpus": 8}]}'
api 1 sync-full '{"racks": ["r1", "r2", "r3", "zz"], "running": [{"id": "7", "class": "training", "weight": 3, "placement": [{"rack": "r1", "gpus": 8}, {"rack": "r3", "gpus": 72}]}], "pending": [{"id": "8", "gpus": 16}, {"id": "9", "gpus": 8}]}'
api 2 event-doc '{"id": "dr-2026-07-30", "limit_kw": 32000, "end": 1785420000}'
api 2 event-now '{"id": "dr-1", "limit_kw": 120, "start": 1795000000, "end": 1795003600}'
# members no request has (refused, naming them and their place: issue 27)
api 0 admit-unknown '{"gpus": 8, "gpuz": 16, "Deferrable": true}'
api 1 sync-unknown '{"racks": ["r1"], "jobs": [], "pending": [{"id": "a", "gpus": 1}, {"id": "c", "gpuz": 1, "gpus": 1}], "running": [{"id": "7", "wieght": 2, "placement": [{"rack": "r1", "gpus": 8, "gpu": 1}]}]}'
api 2 event-unknown '{"id": "dr-2", "limit_kw": 5, "limit_mw": 1, "end": 1795003600}'

# lineproto: one byte for the precision (0 ns, 1 us, 2 ms, 3 s), then lines.
lp() { printf "\\$(printf '%03o' "$1")" > "$C/lineproto/$2"; printf '%b' "$3" >> "$C/lineproto/$2"; }
lp 0 types 'pdu,site=t,rack=a01-r01 power_w=5120.5,outlets=24i,count=7u,ok=true,fw="v1.2" 1785337200000000000\n'
lp 0 escapes 'my\\ meas,tag\\,k=v\\=1,t2=a\\ b f\\=x="q\\"uote\\\\",g=1e-3\n# a comment\n\nm f=-0.0 -5\n'
lp 1 noTs 'meter,hall=a power_kw=348.2,voltage_ll_v=415\nmeter,hall=b power_kw=12\n'
lp 3 seconds 'gpu,node=n1,gpu=0 power_w=650,temp_c=71i,smooth=F 1785337200\nbad line\ngpu f=1 x\n'
lp 2 bools 'b a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE 1785337200000\n'

# epw: the Chicago file's header and its first two days (the target repeats
# the rows to a year), and the same as TMYx writes it (CRLF, minute 30).
E=tests/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw
head -56 "$E" > "$C/epw/chicago-2d.epw"
head -56 "$E" | awk -F, 'BEGIN{OFS=","} NR>8{$5=30} {printf "%s\r\n", $0}' > "$C/epw/tmyx-2d.epw"
head -8 "$E" > "$C/epw/header.epw"
sed -n 9,10p "$E" | sed 's/,-12.2,-16.1,73,99500,/,99.9,99.9,73,999999,/' >> "$C/epw/header.epw"

# Dictionaries (libFuzzer's format: "text" with \\, \" and \xNN escapes):
# the keys and words of the files (from the key reference of `powerpark
# check --keys`, which every loader's table writes), and the members of the
# JSON the solver and the API read.
PP=${PP:-build/powerpark}
D=tests/fuzz/dict
mkdir -p "$D"
{
	echo '# YAML: every key and word of the key reference (seed.sh), then syntax'
	"$PP" check --keys | grep -o '`[A-Za-z0-9_.-]*`' | tr -d '`' | sort -u |
		while read -r w; do printf '"%s"\n"%s: "\n' "$w" "$w"; done
	for s in '- ' '{' '}' '[' ']' ': ' '\x0a  ' '"' "'" '&a ' '*a' '<<: ' '!!str ' '---\x0a' '...\x0a' \
		 '#@ ' 'true' 'null' '~' '1e308' '-1' '0x10' '.inf' '.nan' '%YAML 1.2\x0a' '|\x0a' '>-\x0a'; do
		printf '"%s"\n' "$s"
	done
} > "$D/yaml.dict"
{
	echo '# JSON: the members the solver (inst_json.c) and the API (codec.c, reqjson.c) read (seed.sh)'
	cat optimizer/solver/inst_json.c optimizer/api/codec.c optimizer/api/reqjson.c | grep -o '"[a-z_]*"' | sort -u |
		while read -r w; do printf '"\\%s\\""\n' "${w%\"}" | sed 's/\\""$/\\""/'; done
	for s in '{' '}' '[' ']' ':' ',' 'null' 'true' 'false' '1e308' '-1' '0.5' '\\u0000' '\\ud800'; do
		printf '"%s"\n' "$s"
	done
} > "$D/json.dict"
{
	echo '# line protocol: what the parser treats apart (seed.sh)'
	for s in ',' '=' ' ' '\\ ' '\\,' '\\=' '\\\\' '\\"' '"' 'i' 'u' 't' 'T' 'true' 'FALSE' '\x0a' '#' \
		 '9223372036854775807i' '-9223372036854775808i' '18446744073709551615u' '1e308' 'NaN' 'inf'; do
		printf '"%s"\n' "$s"
	done
} > "$D/lineproto.dict"

# state: what a leader publishes for the next (docs/ha.md), on the fuzz
# park's racks: caps, a held job, a signalled grid event, an escape.
S="$C/state"
mkdir -p "$S"
printf 'powerpark-state 1\nrack\tr1\t500000\t1795000000000000000\t700000\t1795000010000000000\t0\tchat\t1\t3\t0\n' > "$S/rack"
printf 'powerpark-state 1\nheld\t4711\t8\t1794999000000000000\tpowerpark holds it: the grid binds\nevent\tdr-1\t1795000000\t1795003600\t120\t1794999990000000000\n' > "$S/held-event"
printf 'powerpark-state 1\nrack\tr3\t1200000\t1\t1\t0\t-5500\t%%2D\t2\t1\t1\nheld\ta%%09b\t1\t0\t-\n' > "$S/escapes"

# redfish: every resource the Redfish test server serves (shaped like DMTF's
# public-rackmount1 and public-rackpdu mockups), and its dictionary: the
# properties the reader looks for (redfish_json.c) and JSON's syntax.
mkdir -p "$C/redfish"
/usr/bin/python3 tests/redfish_server.py --dump "$C/redfish"
{
	echo '# Redfish: the properties redfish_json.c reads (seed.sh), then JSON syntax'
	grep -o '"[A-Za-z@.0-9]*"' collector/drivers/redfish_json.c | sort -u |
		while read -r w; do printf '"\\%s\\""\n' "${w%\"}" | sed 's/\\""$/\\""/'; done
	for s in '{' '}' '[' ']' ':' ',' 'null' 'true' 'false' '1e308' '-1' '0.5' '/redfish/v1/'; do
		printf '"%s"\n' "$s"
	done
} > "$D/redfish.dict"

# snmp_ber: answers as agents send them, written by pysnmp's encoder (not
# ours, not net-snmp's): every value type, v1 and v2c, a GETBULK's rows, an
# error status, the exceptions and an empty list.
/usr/bin/python3 - "$C/snmp_ber" <<'PY'
import sys
from pyasn1.codec.ber import encoder
from pysnmp.proto import api, rfc1902, rfc1905
out = sys.argv[1]
def msg(ver, binds, err=0, idx=0, reqid=4711):
    p = api.protoModules[ver]
    pdu = p.GetResponsePDU()
    p.apiPDU.setDefaults(pdu)
    p.apiPDU.setRequestID(pdu, reqid)
    p.apiPDU.setErrorStatus(pdu, err)
    p.apiPDU.setErrorIndex(pdu, idx)
    p.apiPDU.setVarBinds(pdu, binds)
    m = p.Message()
    p.apiMessage.setDefaults(m)
    p.apiMessage.setCommunity(m, 'public')
    p.apiMessage.setPDU(m, pdu)
    return encoder.encode(m)
v1, v2 = api.protoVersion1, api.protoVersion2c
up = ('1.3.6.1.2.1.1.3.0', rfc1902.TimeTicks(123456))
seeds = {
    'v2c-types': msg(v2, [up, ('1.3.6.1.4.1.318.1.1.12.1.16.0', rfc1902.Integer(-5)),
        ('1.3.6.1.2.1.1.5.0', rfc1902.OctetString('pdu-a17')),
        ('1.3.6.1.2.1.2.2.1.10.1', rfc1902.Counter32(4294967295)),
        ('1.3.6.1.2.1.33.1.2.3.0', rfc1902.Gauge32(42)),
        ('1.3.6.1.2.1.31.1.1.1.6.1', rfc1902.Counter64(2**64 - 1)),
        ('1.3.6.1.2.1.4.20.1.1.10.0.0.1', rfc1902.IpAddress('10.0.0.1')),
        ('1.3.6.1.2.1.1.2.0', rfc1902.ObjectIdentifier('1.3.6.1.4.1.318')),
        ('1.3.6.1.4.1.2021.10.1.6.1', rfc1902.Opaque(bytes([0x9f, 0x78, 4, 0x3f, 0xa0, 0, 0])))]),
    'v2c-exceptions': msg(v2, [('1.3.6.1.2.1.1.9.0', rfc1905.noSuchObject),
        ('1.3.6.1.2.1.1.9.1', rfc1905.noSuchInstance), ('1.3.6.1.9', rfc1905.endOfMibView)]),
    'v2c-bulk-rows': msg(v2, [up] + [('1.3.6.1.4.1.318.1.1.26.9.4.3.1.%d.%d' % (c, r),
        rfc1902.Integer(r * 10 + c)) for r in range(1, 17) for c in (6, 7, 8)]),
    'v1-types': msg(v1, [up, ('1.3.6.1.2.1.33.1.4.4.1.2.1', rfc1902.Integer(2301)),
        ('1.3.6.1.2.1.33.1.1.1.0', rfc1902.OctetString('APC'))]),
    'v1-nosuchname': msg(v1, [up], err=2, idx=1),
    'v2c-toobig': msg(v2, [], err=1),
    'v2c-big-arcs': msg(v2, [('2.999.4294967295.0', rfc1902.Integer(2**31 - 1))], reqid=2**31 - 1),
}
for name, b in seeds.items():
    open('%s/%s' % (out, name), 'wb').write(b)
PY
