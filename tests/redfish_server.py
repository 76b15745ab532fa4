#!/usr/bin/python3
"""redfish_server.py - a small Redfish service for the tests (no Redfish
server is packaged in Debian). Its resources are shaped like DMTF's
published mockups (Redfish-Publications mockups/): public-rackmount1 for a
server's chassis "1U" (Chassis/1U with Power, Thermal, PowerSubsystem with
PowerSupplies/Bay1..2 and their Metrics, EnvironmentMetrics, Controls/
PowerLimit) and public-rackpdu for a rack PDU (PowerEquipment/RackPDUs/1
with Metrics, Mains, Branches and Outlets), with values of its own.

It speaks sessions (POST /redfish/v1/SessionService/Sessions, X-Auth-Token,
DELETE), basic auth, 401 for bad or missing credentials, PATCH of the power
limit (Controls/PowerLimit SetPoint, Power PowerControl[0].PowerLimit), and
takes faults from its test endpoints (never authenticated):
  GET /_test/fault?mode=none|slow|error|malformed|hang[&delay=S][&path=TEXT]
                              (path: only for paths that contain TEXT)
  GET /_test/drop_sessions    forget every session (the next request: 401)
  GET /_test/stats            logins, deletes, live sessions, patches, GETs of
                              the service root (each walk of the tree starts there)
  GET /_test/tree             every resource as served now

usage: redfish_server.py PORT [--cert PEM --key PEM] [--user U --password P]
                             [--no-controls] [--no-pdu]
       redfish_server.py --dump DIR     (writes the resources as JSON files)
Prints "ready PORT" on stdout once it listens."""
import argparse
import base64
import copy
import json
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

R = "/redfish/v1"


def link(p):
    return {"@odata.id": p}


def coll(p, members, name):
    return {"@odata.id": p, "Name": name, "Members@odata.count": len(members),
            "Members": [link(m) for m in members]}


def excerpt(v, src):
    return {"Reading": v, "DataSourceUri": src}


def chassis_tree(t, controls):
    c = R + "/Chassis/1U"
    t[R + "/Chassis"] = coll(R + "/Chassis", [c], "Chassis Collection")
    t[c] = {"@odata.id": c, "@odata.type": "#Chassis.v1_26_0.Chassis", "Id": "1U",
            "Name": "Computer System Chassis", "ChassisType": "RackMount",
            "Power": link(c + "/Power"), "Thermal": link(c + "/Thermal"),
            "PowerSubsystem": link(c + "/PowerSubsystem"),
            "EnvironmentMetrics": link(c + "/EnvironmentMetrics"),
            "Status": {"State": "Enabled", "Health": "OK"}}
    if controls:
        t[c]["Controls"] = link(c + "/Controls")
        t[c + "/Controls"] = coll(c + "/Controls", [c + "/Controls/CPU1Freq",
                                                    c + "/Controls/PowerLimit"], "Controls")
        t[c + "/Controls/CPU1Freq"] = {
            "@odata.id": c + "/Controls/CPU1Freq", "Id": "CPU1Freq", "Name": "CPU1 Frequency",
            "ControlType": "FrequencyMHz", "SetPoint": 2800, "AllowableMin": 1200,
            "AllowableMax": 3600}
        t[c + "/Controls/PowerLimit"] = {
            "@odata.id": c + "/Controls/PowerLimit", "@odata.type": "#Control.v1_6_0.Control",
            "Id": "PowerLimit", "Name": "System Power Limit", "PhysicalContext": "Chassis",
            "ControlType": "Power", "ControlMode": "Automatic", "SetPoint": 2400,
            "SetPointUnits": "W", "AllowableMin": 800, "AllowableMax": 6400,
            "Sensor": excerpt(3512.5, c + "/Sensors/TotalPower")}
    t[c + "/EnvironmentMetrics"] = {
        "@odata.id": c + "/EnvironmentMetrics", "Id": "EnvironmentMetrics",
        "Name": "Chassis Environment Metrics",
        "TemperatureCelsius": excerpt(31.5, c + "/Sensors/IntakeTemp"),
        "PowerWatts": excerpt(3512.5, c + "/Sensors/TotalPower"),
        "EnergykWh": excerpt(81234.25, c + "/Sensors/TotalEnergy"),
        "PowerLimitWatts": {"SetPoint": 2400, "AllowableMin": 800, "AllowableMax": 6400}}
    ps = c + "/PowerSubsystem"
    t[ps] = {"@odata.id": ps, "Id": "PowerSubsystem", "Name": "Power Subsystem",
             "CapacityWatts": 6400, "Allocation": {"AllocatedWatts": 5200, "RequestedWatts": 5600},
             "PowerSupplies": link(ps + "/PowerSupplies")}
    bays = [ps + "/PowerSupplies/Bay1", ps + "/PowerSupplies/Bay2"]
    t[ps + "/PowerSupplies"] = coll(ps + "/PowerSupplies", bays, "Power Supplies")
    for i, b in enumerate(bays):
        n = i + 1
        t[b] = {"@odata.id": b, "Id": "Bay%d" % n, "Name": "Power Supply Bay %d" % n,
                "PowerCapacityWatts": 3200, "Metrics": link(b + "/Metrics"),
                "Status": {"State": "Enabled", "Health": "OK"}}
        t[b + "/Metrics"] = {
            "@odata.id": b + "/Metrics", "Id": "Metrics", "Name": "Metrics for PSU %d" % n,
            "InputVoltage": excerpt(230.25 + i, c + "/Sensors/PS%dInputVoltage" % n),
            "InputCurrentAmps": excerpt(7.75 + i, c + "/Sensors/PS%dInputCurrent" % n),
            "InputPowerWatts": excerpt(1789.5 + 10 * i, c + "/Sensors/PS%dInputPower" % n),
            "OutputPowerWatts": excerpt(1701.25 + 10 * i, c + "/Sensors/PS%dOutputPower" % n),
            "EnergykWh": excerpt(40617.5 + i, c + "/Sensors/PS%dEnergy" % n),
            "FrequencyHz": excerpt(50, c + "/Sensors/PS%dFrequency" % n),
            "TemperatureCelsius": excerpt(41.5 + i, c + "/Sensors/PS%dTemp" % n)}
    t[c + "/Power"] = {
        "@odata.id": c + "/Power", "@odata.type": "#Power.v1_7_3.Power", "Id": "Power",
        "Name": "Power",
        "PowerControl": [{
            "@odata.id": c + "/Power#/PowerControl/0", "MemberId": "0",
            "Name": "System Input Power", "PowerConsumedWatts": 3498, "PowerCapacityWatts": 6400,
            "PowerMetrics": {"IntervalInMin": 30, "MinConsumedWatts": 2710,
                             "MaxConsumedWatts": 4890, "AverageConsumedWatts": 3190},
            "PowerLimit": {"LimitInWatts": 2400, "LimitException": "LogEventOnly",
                           "CorrectionInMs": 50}}],
        "Voltages": [
            {"MemberId": "0", "Name": "VRM1 Voltage", "ReadingVolts": 12.06},
            {"MemberId": "1", "Name": "VRM2 Voltage", "ReadingVolts": 5.03},
            {"MemberId": "2", "Name": "VRM3 Voltage", "ReadingVolts": None}],
        "PowerSupplies": [
            {"MemberId": "0", "Name": "Power Supply Bay", "PowerInputWatts": 1790,
             "LastPowerOutputWatts": 1702, "LineInputVoltage": 230, "PowerCapacityWatts": 3200}]}
    t[c + "/Thermal"] = {
        "@odata.id": c + "/Thermal", "@odata.type": "#Thermal.v1_7_1.Thermal", "Id": "Thermal",
        "Name": "Thermal",
        "Temperatures": [
            {"MemberId": "0", "Name": "CPU1 Temp", "ReadingCelsius": 61.5},
            {"MemberId": "1", "Name": "Intake Temp", "ReadingCelsius": 31.5},
            {"MemberId": "2", "Name": "GPU0 Temp", "ReadingCelsius": 72}],
        "Fans": [
            {"MemberId": "0", "Name": "BaseBoard System Fan", "Reading": 8100,
             "ReadingUnits": "RPM"},
            {"MemberId": "1", "Name": "BaseBoard System Fan Backup", "Reading": 45,
             "ReadingUnits": "Percent"}]}


def pdu_tree(t):
    pe = R + "/PowerEquipment"
    p = pe + "/RackPDUs/1"
    t[pe] = {"@odata.id": pe, "Id": "PowerEquipment", "Name": "Power Equipment",
             "RackPDUs": link(pe + "/RackPDUs")}
    t[pe + "/RackPDUs"] = coll(pe + "/RackPDUs", [p], "Rack PDUs")
    t[p] = {"@odata.id": p, "@odata.type": "#PowerDistribution.v1_4_0.PowerDistribution",
            "Id": "1", "Name": "RackPDU1", "EquipmentType": "RackPDU",
            "Metrics": link(p + "/Metrics"), "Mains": link(p + "/Mains"),
            "Branches": link(p + "/Branches"), "Outlets": link(p + "/Outlets")}
    t[p + "/Metrics"] = {
        "@odata.id": p + "/Metrics", "Id": "Metrics", "Name": "Summary Metrics",
        "PowerWatts": {"Reading": 7315.5, "ApparentVA": 7510, "ReactiveVAR": 150,
                       "PowerFactor": 0.97, "DataSourceUri": p + "/Sensors/PDUPower"},
        "EnergykWh": excerpt(56438.5, p + "/Sensors/PDUEnergy"),
        "TemperatureCelsius": excerpt(26.25, p + "/Sensors/PDUTemp"),
        "HumidityPercent": excerpt(52.5, p + "/Sensors/PDUHumidity")}
    t[p + "/Mains"] = coll(p + "/Mains", [p + "/Mains/AC1"], "Mains")
    t[p + "/Mains/AC1"] = {
        "@odata.id": p + "/Mains/AC1", "Id": "AC1", "Name": "Mains Circuit AC1",
        "CircuitType": "Mains", "PhaseWiringType": "ThreePhase5Wire",
        "PolyPhaseCurrentAmps": {"Line1": excerpt(10.5, p + "/Sensors/CurrentL1"),
                                 "Line2": excerpt(11.25, p + "/Sensors/CurrentL2"),
                                 "Line3": excerpt(9.75, p + "/Sensors/CurrentL3")},
        "PolyPhaseVoltage": {"Line1ToNeutral": excerpt(230.5, p + "/Sensors/VoltageL1N"),
                             "Line2ToNeutral": excerpt(231, p + "/Sensors/VoltageL2N"),
                             "Line3ToNeutral": excerpt(229.5, p + "/Sensors/VoltageL3N")},
        "PowerWatts": excerpt(7315.5, p + "/Sensors/PowerMains"),
        "FrequencyHz": excerpt(50, p + "/Sensors/FrequencyMains"),
        "EnergykWh": excerpt(56438.5, p + "/Sensors/EnergyMains")}
    t[p + "/Branches"] = coll(p + "/Branches", [p + "/Branches/A", p + "/Branches/B"], "Branches")
    for i, b in enumerate("AB"):
        u = p + "/Branches/" + b
        t[u] = {"@odata.id": u, "Id": b, "Name": "Branch Circuit " + b, "CircuitType": "Branch",
                "Voltage": excerpt(230.5 - i, p + "/Sensors/Voltage" + b),
                "CurrentAmps": excerpt(15.5 + i, p + "/Sensors/Current" + b),
                "PowerWatts": excerpt(3600.25 + 100 * i, p + "/Sensors/Power" + b),
                "EnergykWh": excerpt(28000.5 + i, p + "/Sensors/Energy" + b)}
    outs = ["A1", "A2", "B1"]
    t[p + "/Outlets"] = coll(p + "/Outlets", [p + "/Outlets/" + o for o in outs], "Outlets")
    for i, o in enumerate(outs):
        u = p + "/Outlets/" + o
        t[u] = {"@odata.id": u, "@odata.type": "#Outlet.v1_4_1.Outlet", "Id": o,
                "Name": "Outlet %s, Branch Circuit %s" % (o, o[0]), "PowerState": "On",
                "Voltage": excerpt(230.25, p + "/Sensors/Voltage" + o),
                "CurrentAmps": excerpt(6.5 + i, p + "/Sensors/Current" + o),
                "PowerWatts": {"Reading": 1497.5 + 100 * i, "ApparentVA": 1510 + 100 * i,
                               "PowerFactor": 0.99, "DataSourceUri": p + "/Sensors/Power" + o},
                "FrequencyHz": excerpt(50, p + "/Sensors/Frequency" + o),
                "EnergykWh": excerpt(12000.5 + i, p + "/Sensors/Energy" + o)}


def build(controls=True, pdu=True):
    t = {}
    t[R] = {"@odata.id": R, "@odata.type": "#ServiceRoot.v1_17_0.ServiceRoot", "Id": "RootService",
            "Name": "Root Service", "RedfishVersion": "1.17.0", "Chassis": link(R + "/Chassis"),
            "SessionService": link(R + "/SessionService"),
            "Links": {"Sessions": link(R + "/SessionService/Sessions")}}
    if pdu:
        t[R]["PowerEquipment"] = link(R + "/PowerEquipment")
        pdu_tree(t)
    chassis_tree(t, controls)
    t[R + "/SessionService"] = {"@odata.id": R + "/SessionService", "Id": "SessionService",
                                "Name": "Session Service", "Sessions": link(R + "/SessionService/Sessions")}
    return t


class State:
    def __init__(self, tree, user, password):
        self.tree, self.user, self.password = tree, user, password
        self.mu = threading.Lock()
        self.sessions = {}  # token -> id
        self.next = 1
        self.mode, self.delay, self.only = "none", 0.0, ""
        self.stats = {"logins": 0, "deletes": 0, "basic": 0, "patches": [], "requests": 0,
                      "unauthorized": 0, "root_gets": 0}


def make_handler(st):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = -1  # one write per answer: no Nagle wait between header and body

        def log_message(self, *a):
            pass

        def send(self, code, body=None, headers=(), raw=None):
            data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
            self.send_response(code)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("OData-Version", "4.0")
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            if data:
                self.wfile.write(data)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def path_only(self):
            p = urllib.parse.urlsplit(self.path).path
            return p[:-1] if len(p) > 1 and p.endswith("/") else p

        def test_endpoint(self):
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            with st.mu:
                if u.path == "/_test/fault":
                    st.mode, st.delay = q.get("mode", "none"), float(q.get("delay", "0"))
                    st.only = q.get("path", "")
                    return self.send(200, {"mode": st.mode})
                if u.path == "/_test/drop_sessions":
                    st.sessions.clear()
                    return self.send(200, {"dropped": True})
                if u.path == "/_test/stats":
                    s = dict(st.stats, live=len(st.sessions))
                    return self.send(200, s)
                if u.path == "/_test/tree":
                    return self.send(200, st.tree)
            self.send(404, {"error": "no such test endpoint"})

        def fault(self):
            """Applies the injected fault; True when the answer is given."""
            while True:
                with st.mu:
                    mode, delay = st.mode, st.delay
                    if st.only not in self.path:
                        mode = "none"
                if mode != "hang":
                    break
                time.sleep(0.05)
            if mode == "slow":
                time.sleep(delay)
            elif mode == "error":
                self.send(500, {"error": {"code": "Base.1.0.InternalError"}})
                return True
            elif mode == "malformed":
                self.send(200, raw=b'{"@odata.id": "/redfish/v1", "Chassis": {"@odata.id": ')
                return True
            return False

        def authorized(self):
            tok = self.headers.get("X-Auth-Token")
            a = self.headers.get("Authorization") or ""
            with st.mu:
                if tok and tok in st.sessions:
                    return True
                if a.startswith("Basic "):
                    try:
                        u, _, p = base64.b64decode(a[6:]).decode().partition(":")
                    except Exception:
                        return False
                    if u == st.user and p == st.password:
                        st.stats["basic"] += 1
                        return True
                st.stats["unauthorized"] += 1
            return False

        def deny(self):
            self.send(401, {"error": {"code": "Base.1.0.NoValidSession"}},
                      headers=[("WWW-Authenticate", 'Basic realm="redfish"')])

        def do_GET(self):
            if self.path.startswith("/_test/"):
                return self.test_endpoint()
            p = self.path_only()
            with st.mu:
                st.stats["requests"] += 1
                st.stats["root_gets"] += p in (R, R + "/")  # a walk starts there
            if self.fault():
                return
            if p not in (R, "/redfish") and not self.authorized():
                return self.deny()
            with st.mu:
                r = copy.deepcopy(st.tree.get(p))
            if p == "/redfish":
                r = {"v1": R + "/"}
            if r is None:
                return self.send(404, {"error": {"code": "Base.1.0.ResourceMissingAtURI"}})
            self.send(200, r)

        def do_POST(self):
            p = self.path_only()
            if self.fault():
                return
            if p != R + "/SessionService/Sessions":
                return self.send(405, {"error": "not allowed"})
            try:
                b = json.loads(self.body() or b"{}")
            except ValueError:
                return self.send(400, {"error": "bad JSON"})
            if b.get("UserName") != st.user or b.get("Password") != st.password:
                return self.deny()
            with st.mu:
                sid = str(st.next)
                st.next += 1
                tok = base64.b16encode(os.urandom(16)).decode()
                st.sessions[tok] = sid
                st.stats["logins"] += 1
            loc = p + "/" + sid
            self.send(201, {"@odata.id": loc, "Id": sid, "Name": "User Session",
                            "UserName": st.user},
                      headers=[("X-Auth-Token", tok), ("Location", loc)])

        def do_DELETE(self):
            p = self.path_only()
            if not self.authorized():
                return self.deny()
            with st.mu:
                for tok, sid in list(st.sessions.items()):
                    if p == R + "/SessionService/Sessions/" + sid:
                        del st.sessions[tok]
                        st.stats["deletes"] += 1
                        return self.send(204)
            self.send(404, {"error": "no such session"})

        def do_PATCH(self):
            p = self.path_only()
            if self.fault():
                return
            if not self.authorized():
                return self.deny()
            try:
                b = json.loads(self.body() or b"{}")
            except ValueError:
                return self.send(400, {"error": "bad JSON"})
            c = R + "/Chassis/1U"
            with st.mu:
                t = st.tree
                w = None
                if p == c + "/Controls/PowerLimit" and c + "/Controls/PowerLimit" in t:
                    ctl = t[p]
                    w = b.get("SetPoint")
                    if not isinstance(w, (int, float)) or not ctl["AllowableMin"] <= w <= ctl["AllowableMax"]:
                        return self.send(400, {"error": {"code": "Base.1.0.PropertyValueOutOfRange"}})
                    ctl["SetPoint"] = w
                elif p == c + "/Power":
                    try:
                        w = b["PowerControl"][0]["PowerLimit"]["LimitInWatts"]
                    except (KeyError, IndexError, TypeError):
                        return self.send(400, {"error": "expected PowerControl[0].PowerLimit.LimitInWatts"})
                    if not isinstance(w, (int, float)) or w <= 0:
                        return self.send(400, {"error": {"code": "Base.1.0.PropertyValueOutOfRange"}})
                else:
                    return self.send(405, {"error": "not patchable"})
                # One limit, seen through every resource that shows it.
                t[c + "/Power"]["PowerControl"][0]["PowerLimit"]["LimitInWatts"] = w
                t[c + "/EnvironmentMetrics"]["PowerLimitWatts"]["SetPoint"] = w
                if c + "/Controls/PowerLimit" in t:
                    t[c + "/Controls/PowerLimit"]["SetPoint"] = w
                st.stats["patches"].append({"path": p, "watts": w})
            self.send(204)

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", nargs="?", type=int, default=0)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="secret-pw")
    ap.add_argument("--no-controls", action="store_true")
    ap.add_argument("--no-pdu", action="store_true")
    ap.add_argument("--dump")
    a = ap.parse_args()
    tree = build(not a.no_controls, not a.no_pdu)
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for p, r in tree.items():
            name = p.strip("/").replace("/", "_") + ".json"
            with open(os.path.join(a.dump, name), "w") as f:
                json.dump(r, f, indent=1)
        return
    st = State(tree, a.user, a.password)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(st))
    srv.daemon_threads = True
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
