#!/bin/bash
# it_api_contract.sh - a real `powerpark optimize` against its own OpenAPI
# document (issue 27, item 5), over HTTP:
#  - GET /v1/openapi.json is an OpenAPI 3.1 document: checked by
#    tests/openapi_check.py (the 3.1 rules it uses, with the json module),
#    and by openapi-spec-validator where a python3 has it (not a Debian 12
#    package, so not in scripts/deps.sh);
#  - every operation it lists is served (never 404 or 405), and every
#    method it does not list for a path gets 405 with Allow naming exactly
#    the methods it lists;
#  - a request body member no schema names is refused (400) with its name
#    and place, and counted in powerpark_api_rejected_total;
#  - admission: a job larger than any hall says so with the largest hall's
#    GPUs; under a grid signal, "no room now" names the grid's limit, and a
#    deferrable job gets start_after at the forecast's first hour of room.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
WT=write-token-0123456789
GT=grid-token-012345678901
PY=/usr/bin/python3

cat > "$TMP/site.yaml" <<YAML
site:
  name: t
  margin: 0.02
  grid: {import_limit_kw: 140}
power:
  limit_kw: 200
  halls:
    - name: a
      limit_kw: 150
      rows:
        - name: a1
          limit_kw: 150
          racks:
            - {name: r1, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM}
            - {name: r2, limit_kw: 30, base_kw: 3.5, gpus: 32, gpu_model: H100-SXM}
api:
  tokens:
    - {name: collectors, token: $WT, scopes: [write]}
    - {name: grid, token: $GT, scopes: [admin]}
YAML
check "optimize serves /healthz" start_optimize "$TMP/site.yaml"
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
B() { $PY -c "import json; d=json.load(open('$TMP/body')); print($1)"; }
both() { [ "$1" = "$2" ] && [ "$3" = True ]; } # both STATUS WANT PYTHON-VERDICT

# --- the document ---------------------------------------------------------------
rc=$(curl -s -o "$TMP/openapi.json" -w '%{http_code} %{content_type}' "$U/v1/openapi.json")
check "GET /v1/openapi.json: 200 application/json ($rc)" [ "$rc" = "200 application/json" ]
$PY tests/openapi_check.py "$TMP/openapi.json" > "$TMP/check.out" 2>&1
check "the document keeps the OpenAPI 3.1 rules checked ($(tail -1 "$TMP/check.out"))" \
	grep -q ' 0 problems$' "$TMP/check.out"
sed -n '1,10{/problems$/!p}' "$TMP/check.out" >&2
VAL=""
for p in python3 /usr/bin/python3; do
	command -v "$p" > /dev/null && "$p" -c 'import openapi_spec_validator' 2>/dev/null && { VAL=$p; break; }
done
if [ -n "$VAL" ]; then
	check "openapi-spec-validator: the document is valid OpenAPI 3.1 ($($VAL tests/openapi_check.py --validator "$TMP/openapi.json" 2>&1 | tail -1 | cut -c1-200))" \
		$VAL tests/openapi_check.py --validator "$TMP/openapi.json"
else
	echo "# openapi-spec-validator is not installed (not a Debian 12 package): structure checked only"
fi

# --- every operation served, every other method 405 with Allow --------------------
$PY - "$U" "$TMP/openapi.json" > "$TMP/methods.out" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
doc = json.load(open(sys.argv[2]))
ALL = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
served = bad = n405 = 0
for path, item in doc["paths"].items():
    listed = {m.upper() for m in item if m.upper() in ALL + ["TRACE"]}
    for m in ALL:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request(m, path + ("?node=r1" if path == "/v1/caps" else ""),
                  body=b"{}" if m in ("POST", "PUT", "PATCH") else None)
        r = c.getresponse()
        r.read()
        allow = {a.strip() for a in (r.getheader("Allow") or "").split(",") if a.strip()}
        if m in listed:
            served += 1
            if r.status in (404, 405):
                bad += 1
                print("not served: %s %s -> %d" % (m, path, r.status))
        else:
            n405 += 1
            if r.status != 405 or allow != listed:
                bad += 1
                print("%s %s -> %d, Allow %s (the document: %s)" % (m, path, r.status,
                      sorted(allow), sorted(listed)))
        c.close()
print("%d operations served, %d answers of 405 with Allow, %d wrong" % (served, n405, bad))
PY
check "every operation of the document served, every other method 405 with its Allow ($(tail -1 "$TMP/methods.out"))" \
	grep -q ' 0 wrong$' "$TMP/methods.out"
sed -n '1,10{/wrong$/!p}' "$TMP/methods.out" >&2

# --- unknown members refused, named, counted -------------------------------------------
rejected() { curl -s "$U/metrics" | awk '$1 == "powerpark_api_rejected_total" {print $2}'; }
r0=$(rejected)
P() { code -XPOST -H "Authorization: Bearer $2" --data-binary "$3" "$U$1"; }
rc=$(P /v1/admit $WT '{"gpus": 8, "gpuz": 16}')
check "/v1/admit with \"gpuz\": 400 naming it ($rc: $(B 'd["error"]'))" \
	both "$rc" 400 "$(B '"\"gpuz\": unknown field" in d["error"]')"
rc=$(P /v1/scheduler/sync $WT '{"pending": [{"id": "a", "gpus": 1}, {"id": "b", "gpus": 1}, {"id": "c", "gpus": 1, "gpuz": 2}]}')
check "a sync with pending[2].gpuz: 400 naming its place ($rc: $(B 'd["error"]'))" \
	both "$rc" 400 "$(B '"pending[2].gpuz: unknown field" in d["error"]')"
rc=$(P /v1/grid/event $GT '{"id": "x", "limit_kw": 5, "end": 4102444800, "limit_mw": 1}')
check "a grid event with limit_mw: 400 naming it, nothing taken ($rc: $(B 'd["error"]'))" \
	both "$rc" 400 "$(B '"\"limit_mw\": unknown field" in d["error"]')"
r1=$(rejected)
check "the three counted in powerpark_api_rejected_total ($r0 -> $r1)" [ "$((r1 - r0))" = 3 ]

# --- admission -------------------------------------------------------------------------
W() { printf 'pdu,site=t,rack=r1 power_w=%s\npdu,site=t,rack=r2 power_w=%s\n' "$1" "$1" |
	curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WT" --data-binary @- "$U/write"; }
check "readings taken (204)" [ "$(W 8000)" = 204 ]
A() { P /v1/admit $WT "$1" > /dev/null; B "$2"; }
check "400 GPUs: rejected as larger than any hall, max 64 GPUs ($(A '{"gpus": 400, "deferrable": true}' 'd["reason"]'))" \
	[ "$(A '{"gpus": 400, "deferrable": true}' 'd["decision"] == "reject" and "larger than any hall (max 64 GPUs)" in d["reason"]')" = True ]
NOW=$(date +%s)
END=$((NOW + 5400))
rc=$(P /v1/grid/event $GT "{\"id\": \"cut\", \"limit_kw\": 10, \"end\": $END}")
check "a grid signal of 10 kW for 90 min taken ($rc)" [ "$rc" = 200 ]
limit_is() { [ "$(curl -s "$U/v1/budget?level=hall" | $PY -c 'import json,sys; print(json.load(sys.stdin)["grid"]["limit_kw"])')" = "$1" ]; }
check "the budget plans under it" wait_for 20 limit_is 10.0
W 8000 > /dev/null
check "8 GPUs now: no room, the grid's 10 kW binds ($(A '{"gpus": 8}' 'd["decision"] + ": " + d["reason"]'))" \
	[ "$(A '{"gpus": 8}' 'd["decision"] == "reject" and "no room now" in d["reason"] and "binding: grid limit 10.0 kW" in d["reason"] and "none" not in d["reason"]')" = True ]
WANT=$(( (END + 3599) / 3600 * 3600 ))
check "8 deferrable GPUs: start_after $WANT, the first hour without the signal ($(A '{"gpus": 8, "deferrable": true}' 'd'))" \
	[ "$(A '{"gpus": 8, "deferrable": true}' 'd["decision"] == "start_after" and d["start_after"] == '$WANT)" = True ]
P /v1/grid/event $GT "{\"id\": \"cut\", \"limit_kw\": 10, \"end\": $((NOW + 200 * 3600))}" > /dev/null
check "the signal for 200 h: the forecast shows no room within 168 h ($(A '{"gpus": 8, "deferrable": true}' 'd["reason"]'))" \
	[ "$(A '{"gpus": 8, "deferrable": true}' 'd["decision"] == "reject" and "no room within its 168 hours" in d["reason"]')" = True ]

done_tests it_api_contract
