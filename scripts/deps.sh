#!/bin/sh
# deps.sh - make sure every Debian package powerpark needs is installed.
# As root it installs the missing ones with apt-get; otherwise it prints the
# one exact command to run and fails. Used by `make deps` (and so by run/check).
set -eu

# Build: compiler, pkg-config and the libraries' -dev packages.
BUILD="build-essential pkg-config libmodbus-dev libsnmp-dev libgsl-dev
libcurl4-openssl-dev libfyaml-dev libmicrohttpd-dev libjansson-dev zlib1g-dev libslurm-dev"
# Tests and benchmarks: the real servers and third-party peers they start,
# the headless browser that opens the built-in dashboard, clang with
# libFuzzer and its sanitizer runtimes for the fuzz targets (tests/fuzz/),
# and etcd (a three-member cluster on 127.0.0.1 for the HA test); openssl makes
# the Redfish test server's certificate (tests/it_redfish.sh); systemd
# (systemd-analyze verify, systemd-sysusers; installing it starts nothing
# where it is not PID 1) and man-db check the installed units and man pages
# (tests/it_install.sh).
TEST="influxdb victoria-metrics snmpd snmp snmpsim mbpoll collectd-core libglpk-dev
python3 python3-pymodbus python3-yaml python3-serial python3-serial-asyncio curl procps bc util-linux socat
openssl systemd man-db
wrk gzip chromium slurmctld slurmd slurm-client munge python3-scipy
clang libclang-rt-14-dev etcd-server etcd-client"

want="$BUILD"
case "${1:-all}" in
build) ;;
all|test) want="$BUILD $TEST" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# influxdb, snmpd and etcd start services on install; we never want that here.
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
	fi
	apt-get update -q || true
	apt-get install -y -q --no-install-recommends $missing
	[ "$made_policy" = 1 ] && rm -f "$policy"
	exit 0
fi

echo "deps: missing Debian packages:$missing" >&2
echo "deps: install them with:" >&2
echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
exit 1
