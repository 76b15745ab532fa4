#!/bin/bash
# it_slurm.sh - a real single-node Slurm (Debian's slurm-wlm: munged,
# slurmctld and slurmd on 127.0.0.1, 8 GPUs declared through gres) with
# conf/slurm/job_submit.lua, `powerpark optimize`, a node agent on the NVML
# test library and `powerpark slurm`: an urgent job starts at once and its
# cap reaches the GPUs; during a grid signal deferrable jobs wait with
# powerpark's reason in their comment and start after it ends; the GPUs go
# back to the idle cap when the jobs end; with powerpark down, held jobs
# stay held (fail-closed) or are released (fail-open); bad input is refused.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
BUILD=${BUILD:-build}
NV=$(cd "$(dirname "$BUILD/tests/libfake_nvml.so")" && pwd)/libfake_nvml.so
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
for b in munged slurmctld slurmd sbatch; do
	command -v $b > /dev/null || PATH=$PATH:/usr/sbin
	command -v $b > /dev/null || { echo "it_slurm.sh: $b is missing (scripts/deps.sh test)"; exit 1; }
done

# --- a one-node cluster in $TMP/slurm ------------------------------------
S=$TMP/slurm
mkdir -p "$S/state" "$S/spool" "$S/dev"
chmod 700 "$S"
for i in 0 1 2 3 4 5 6 7; do ln -s /dev/null "$S/dev/nvidia$i"; done
head -c 1024 /dev/urandom > "$S/munge.key"
chmod 400 "$S/munge.key"
munged -F -f -S "$S/munge.sock" --key-file="$S/munge.key" --pid-file="$S/munged.pid" \
	--log-file="$S/munged.log" --seed-file="$S/munged.seed" > "$S/munged.out" 2>&1 &
PIDS="$PIDS $!"
HOST=$(hostname -s)
cat > "$S/slurm.conf" <<EOF
ClusterName=pp
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$S/munge.sock
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool/%n
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/slurmctld.log
SlurmdLogFile=$S/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
JobSubmitPlugins=lua
GresTypes=gpu
MinJobAge=3600
NodeName=n1 NodeAddr=127.0.0.1 NodeHostname=$HOST CPUs=8 RealMemory=1000 Gres=gpu:8 State=UNKNOWN
PartitionName=gpu Nodes=n1 Default=YES MaxTime=INFINITE State=UP
EOF
echo "NodeName=n1 Name=gpu File=$S/dev/nvidia[0-7]" > "$S/gres.conf"
cp conf/slurm/job_submit.lua "$S/"
export SLURM_CONF=$S/slurm.conf
slurmctld -D -f "$SLURM_CONF" > "$S/ctld.out" 2>&1 &
PIDS="$PIDS $!"
slurmd -D -N n1 -f "$SLURM_CONF" > "$S/slurmd.out" 2>&1 &
PIDS="$PIDS $!"
node_idle() { [ "$(sinfo -h -n n1 -o %T 2>/dev/null)" = idle ]; }
check "Slurm is up: node n1 idle with 8 GPUs" wait_for 60 node_idle
if ! node_idle; then tail -5 "$S/ctld.out" "$S/slurmd.out" "$S/slurmctld.log" >&2; fi

# --- powerpark: optimize, the agent of n1, the adapter --------------------
WT=sched-token-0123456789
LT=lease-token-0123456789
GT=grid-token-0123456789
cat > "$TMP/site.yaml" <<YAML
site: {name: t, margin: 0.02, grid: {import_limit_kw: 100}}
$(one_rack_power n1 8)
api:
  tokens:
    - {name: scheduler, token: $WT, scopes: [write]}
    - {name: agents, token: $LT, scopes: [lease, write]}
    - {name: grid, token: $GT, scopes: [admin]}
YAML
OP=$(free_port)
U="http://127.0.0.1:$OP"
start_opt() {
	$PP optimize -c "$TMP/site.yaml" --listen 127.0.0.1:$OP >> "$TMP/opt.out" 2>> "$TMP/opt.err" &
	OPT=$!
	PIDS="$PIDS $OPT"
}
start_opt
check "optimize is up" wait_for 30 http_ok "$U/healthz"
FAKE_NVML_GPUS=8 FAKE_NVML_DRAW=100 FAKE_NVML_LOG="$TMP/nv.log" $PP agent --url "$U" --node n1 --token $LT \
	--safe-cap 300 --backend nvml --arg "$NV" --interval-ms 200 2> "$TMP/agent.err" &
PIDS="$PIDS $!"
start_adapter() { # log, options...
	log=$1; shift
	$PP slurm --url "$U" --token $WT --interval-ms 300 --dwell-s 2 "$@" 2> "$log" &
	AD=$!
	PIDS="$PIDS $AD"
}
start_adapter "$TMP/ad1.err" --fail closed --fail-after-s 2

jq_() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }
job_state() { scontrol -o show job "$1" | sed -n 's/.*JobState=\([A-Z]*\) .*/\1/p'; }
comment() { scontrol -o show job "$1" | sed -n 's/.* Comment=\(.*\) StdErr=.*/\1/p'; }
is_state() { [ "$(job_state "$1")" = "$2" ]; }
ran() { s=$(job_state "$1"); [ "$s" = RUNNING ] || [ "$s" = COMPLETED ]; }
comment_has() { comment "$1" | grep -q -- "$2"; }
nv_last8() { tail -8 "$TMP/nv.log" | awk '{print $3}' | sort -u; }
nv_all_at() { [ "$(wc -l < "$TMP/nv.log")" -ge 8 ] && [ "$(nv_last8)" = "$1" ]; }

check "an idle node's GPUs sit at the idle cap (the floor, 200 W)" wait_for 20 nv_all_at 200000

# --- an urgent job starts at once, with its cap ---------------------------
J1=$(sbatch --parsable --output "$S/slurm-%j.out" --gres=gpu:4 --comment "pp:class=inference pp:weight=3" --wrap "sleep 600")
check "an urgent job is not held: it runs" wait_for 20 is_state "$J1" RUNNING
jobs_show() { curl -s "$U/v1/jobs"; }
on_rack() { jobs_show | jq_ "r=[j for j in d['running'] if j['job']=='$J1']; sys.exit(0 if r and r[0]['rack']=='n1' and r[0]['class']=='inference' and r[0]['weight']==3 else 1)"; }
check "powerpark learns its node, GPUs, class and weight from Slurm" wait_for 20 on_rack
cap_of_job() { jobs_show | jq_ "print(int(round([j for j in d['running'] if j['job']=='$J1'][0]['cap_w'])))"; }
cap_up() { [ "$(cap_of_job)" -ge 600 ]; }
check "the running job's cap rises above the idle floor" wait_for 30 cap_up
C1=$(cap_of_job)
cap_on_gpus() { nv_all_at "$(cap_of_job)000"; }
check "the agent applies the job's cap ($C1 W) to the node's GPUs" wait_for 20 cap_on_gpus

J5=$(sbatch --parsable --output "$S/slurm-%j.out" --gres=gpu:1 --comment "pp:class=gaming" --wrap "sleep 3")
warned() { grep -q "job $J5: 'pp:class=gaming' is not understood" "$TMP/ad1.err"; }
check "a declaration it does not understand is logged" wait_for 20 warned
done5() { is_state "$J5" COMPLETED; }
wait_for 20 done5
check "... once per job" [ "$(grep -c "job $J5: " "$TMP/ad1.err")" = 1 ]

# --- a grid signal, and deferrable jobs that wait for its end -------------
NOW=$(($(date +%s) - 60)) # the signal began a minute ago: ending it "now" comes after its start
post_ev() { curl -s -o "$TMP/ev.json" -w '%{http_code}' -H "Authorization: Bearer $1" -d "$2" "$U/v1/grid/event"; }
check "a grid signal without the admin scope is refused (403)" [ "$(post_ev $WT '{"id":"dr","limit_kw":4,"end":'$((NOW + 3600))'}')" = 403 ]
check "a grid signal without an end is refused with the reason" sh -c "[ \"\$(curl -s -o $TMP/bad.json -w '%{http_code}' -H 'Authorization: Bearer $GT' -d '{\"id\":\"dr\",\"limit_kw\":4}' $U/v1/grid/event)\" = 400 ] && grep -q 'end' $TMP/bad.json"
check "a grid signal (4 kW from now) is taken" [ "$(post_ev $GT '{"id":"dr","limit_kw":4,"start":'$NOW',"end":'$((NOW + 3600))'}')" = 200 ]
check "... and is in force" jq_ "sys.exit(0 if d['in_force'] and d['limit_in_force_kw']==4 else 1)" < "$TMP/ev.json"
cap_down() { [ "$(cap_of_job)" -le 270 ]; }
check "the job's cap falls under the signalled limit" wait_for 20 cap_down
J2=$(sbatch --parsable --output "$S/slurm-%j.out" --gres=gpu:2 --comment "pp:defer pp:class=batch" --wrap "sleep 1")
J3=$(sbatch --parsable --output "$S/slurm-%j.out" --gres=gpu:2 --comment "pp:defer" --wrap "sleep 1")
check "a deferrable job is held at submission by job_submit.lua" is_state "$J2" PENDING
why_held() { comment_has "$J2" "powerpark holds it: the grid limit 4.0 kW binds" && comment_has "$J3" "powerpark holds it"; }
check "squeue shows why: powerpark and the limit that binds" wait_for 20 why_held
echo "# squeue: $(squeue -h -j "$J2" -o '%i %T %r %k')"
check "the comment keeps the job's declaration" comment_has "$J2" "^pp:defer pp:class=batch | "
held_listed() { jobs_show | jq_ "h={j['job'] for j in d['held']}; sys.exit(0 if {'$J2','$J3'} <= h else 1)"; }
check "powerpark lists both held jobs with their reason" wait_for 10 held_listed
check "held jobs are still pending while the signal lasts" sh -c "[ \"\$(squeue -h -j $J2,$J3 -o %T | sort -u)\" = PENDING ]"

J6=$(sbatch --parsable --output "$S/slurm-%j.out" --comment "pp:defer" --wrap "sleep 1")
cpu_only() { ran "$J6" && comment_has "$J6" "it asks for no GPUs"; }
check "a deferrable job without GPUs is let go at once, even during a signal" wait_for 30 cpu_only

END=$(date +%s)
deferred() { curl -s "$U/metrics" | awk '$1 ~ /^powerpark_grid_signal_deferred_gpu_seconds\{event="dr"\}/ {print $2}'; }
some_deferred() { /usr/bin/python3 -c "import sys; sys.exit(0 if float('$(deferred)') > 0 else 1)"; }
check "the held GPUs are counted as work deferred by the signal" wait_for 10 some_deferred
check "the signal is ended by posting its end" [ "$(post_ev $GT '{"id":"dr","limit_kw":4,"start":'$NOW',"end":'$END'}')" = 200 ]
both_ran() { ran "$J2" && ran "$J3"; }
check "deferrable jobs start once the signal has ended" wait_for 60 both_ran
start_of() { date -d "$(scontrol -o show job "$1" | sed -n 's/.*StartTime=\([^ ]*\).*/\1/p')" +%s; }
check "... not before its end ($(start_of "$J2") >= $END)" [ "$(start_of "$J2")" -ge "$END" ]
check "... after the dwell, which their comment records" comment_has "$J2" "powerpark: started, it fits under every limit (checked for [2-9]"
check "the adapter logged the releases" grep -q "job $J2 released" "$TMP/ad1.err"

# --- caps on end ------------------------------------------------------------
scancel "$J1"
gone() { jobs_show | jq_ "sys.exit(0 if not d['running'] else 1)"; }
check "when the job ends powerpark runs nothing on n1" wait_for 20 gone
check "... and the node's GPUs return to the idle cap (200 W)" wait_for 20 nv_all_at 200000

# --- powerpark down: fail-closed, then fail-open ---------------------------
kill -9 $OPT
wait $OPT 2>/dev/null
J4=$(sbatch --parsable --output "$S/slurm-%j.out" --gres=gpu:2 --comment "pp:defer" --wrap "sleep 1")
closed() { comment_has "$J4" "powerpark unreachable since .*: held (fail-closed)"; }
check "powerpark down, fail-closed: the held job says so and stays held" wait_for 20 closed
check "... still pending" is_state "$J4" PENDING
kill -TERM $AD
wait $AD
check "the adapter stops cleanly on SIGTERM" [ $? -eq 0 ]
start_adapter "$TMP/ad2.err" --fail open --fail-after-s 1
opened() { ran "$J4" && comment_has "$J4" "released (fail-open)"; }
check "fail-open: the held job is released and runs" wait_for 30 opened
for j in $J1 $J2 $J3 $J4 $J5 $J6; do
	s=$(job_state "$j")
	case "$s" in COMPLETED|RUNNING|CANCELLED) ;; *) lost="$lost $j:$s" ;; esac
done
check "nothing is lost: every job ran, runs or was cancelled by us (${lost:-none})" [ -z "${lost:-}" ]
start_opt
check "optimize is back" wait_for 30 http_ok "$U/healthz"
back() { grep -q "powerpark answers again" "$TMP/ad2.err"; }
check "the adapter notices powerpark is back" wait_for 20 back

# --- bad input ---------------------------------------------------------------
printf 'n1 a01-r01\ngpu[001 oops extra\n' > "$TMP/bad.map"
$PP slurm --url "$U" --token $WT --map "$TMP/bad.map" --once 2> "$TMP/e1"
check "a bad node map is refused with file:line:column ($(head -c 120 "$TMP/e1"))" grep -q "bad.map:2:1: expected" "$TMP/e1"
$PP slurm --url "$U" --token $WT --interval-ms abc 2> "$TMP/e2"
check "a bad number is refused by name" grep -q -- "--interval-ms: expected a whole number" "$TMP/e2"
SLURM_CONF=/nonexistent.conf $PP slurm --url "$U" --token $WT --once 2> "$TMP/e3"
check "no slurm.conf: said at once, by name" grep -q "/nonexistent.conf: No such file" "$TMP/e3"
check "a malformed sync is refused (400) with the element named" sh -c "[ \"\$(curl -s -o $TMP/s.json -w '%{http_code}' -H 'Authorization: Bearer $WT' -d '{\"running\":[{\"id\":\"7\",\"placement\":[{\"rack\":\"n1\"}]}]}' $U/v1/scheduler/sync)\" = 400 ] && grep -q 'running\[0\].placement\[0\]' $TMP/s.json"
check "an unknown rack in a sync is reported, not fatal" sh -c "[ \"\$(curl -s -o $TMP/s.json -w '%{http_code}' -H 'Authorization: Bearer $WT' -d '{\"racks\":[\"zz9\"]}' $U/v1/scheduler/sync)\" = 200 ] && grep -q '\"ignored_racks\":\[\"zz9\"\]' $TMP/s.json"
done_tests it_slurm
