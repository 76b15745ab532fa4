#!/usr/bin/python3
"""gen_snmprec.py DIR: writes the PDU recordings that tests/it_profiles.sh
serves with snmpsim (DIR/NAME.snmprec, community NAME), shaped as each MIB
defines its tables (types, indexes, units) with multi-row tables and the odd
cases a real agent has. Deterministic (a fixed seed): the committed files in
tests/data/snmprec/ are its output; rerun it after changing it.

  apc-rpdu2   PowerNet-MIB rPDU2: a 3-phase AP8xxx, 24 metered outlets; one
              phase's voltage and another's apparent power -1 (the MIB's
              "not supported"), outlet 13 without its energy column.
  eaton-epdu  EATON-EPDU-MIB: a 3-phase G3 (strapping 0, input 1) with three
              voltage rows, four current rows (L1-L3 and neutral), three
              power rows (phase 2's VA -1: not available), 36 outlets, and a
              daisy-chained PDU (strapping 1) that the profile must not read.
  raritan-px  PDU2-MIB: a PX3 with one inlet (3 poles) and 48 outlets, every
              sensor type a PX3 has per row, decimal digits per sensor (one
              outlet's current with 2 digits where the others have 3), a
              second PDU in the chain (pduId 2) that must not be read, and
              outlets whose sensors are not all present.
  servertech-sentry4  Sentry4-MIB: a PRO2 master unit (A) with two cords,
              cord A 3-phase with 3 lines and 42 outlets, cord B (not read by
              the profile, which asks cord A), a link unit (B) not read,
              -1 ("not available") for one outlet's power factor and one
              phase's energy."""
import os
import random
import sys

INT, STR, GAUGE, TICKS, C64 = 2, 4, 66, 67, 70


def oidkey(o):
    return tuple(int(x) for x in o.split("."))


def write(path, rows):
    rows = sorted(rows, key=lambda r: oidkey(r[0]))
    with open(path, "w") as f:
        for o, t, v in rows:
            f.write("%s|%d|%s\n" % (o, t, v))


def system(descr, rows, uptime=4321000):
    rows.append(("1.3.6.1.2.1.1.1.0", STR, descr))
    rows.append(("1.3.6.1.2.1.1.3.0", TICKS, uptime))


def apc(rnd):
    rows = []
    system("APC Web/SNMP Management Card (MB:v4.1.0 PF:v6.8.2 AN1:apc_hw05_rpdu2g_682.bin MN:AP8641)", rows)
    dev = "1.3.6.1.4.1.318.1.1.26.4.3.1"
    rows += [(dev + ".1.1", INT, 1), (dev + ".3.1", STR, "rack-b07-pdu-a"),
             (dev + ".5.1", INT, 1187), (dev + ".9.1", INT, 2345678),
             (dev + ".16.1", INT, 1222), (dev + ".17.1", INT, 97)]
    ph = "1.3.6.1.4.1.318.1.1.26.6.3.1"
    for i in (1, 2, 3):
        rows += [(ph + ".1.%d" % i, INT, i), (ph + ".3.%d" % i, INT, i),
                 (ph + ".5.%d" % i, INT, rnd.randint(120, 290)),
                 (ph + ".6.%d" % i, INT, -1 if i == 3 else rnd.randint(226, 240)),
                 (ph + ".7.%d" % i, INT, rnd.randint(280, 640)),
                 (ph + ".8.%d" % i, INT, -1 if i == 2 else rnd.randint(300, 660)),
                 (ph + ".9.%d" % i, INT, rnd.randint(88, 99))]
    out = "1.3.6.1.4.1.318.1.1.26.9.4.3.1"
    for i in range(1, 25):
        rows += [(out + ".1.%d" % i, INT, i), (out + ".3.%d" % i, STR, "gpu-node-%02d psu-%s" % ((i + 1) // 2, "ab"[i % 2])),
                 (out + ".4.%d" % i, INT, i), (out + ".5.%d" % i, INT, 2),
                 (out + ".6.%d" % i, INT, rnd.randint(0, 160)),
                 (out + ".7.%d" % i, INT, rnd.randint(0, 3600))]
        if i != 13:
            rows.append((out + ".11.%d" % i, INT, rnd.randint(0, 900000)))
    return rows


def eaton(rnd):
    rows = []
    system("Eaton ePDU MA 3P IN:IEC309 32A 3P OUT:36xC13 6xC19", rows)
    base = "1.3.6.1.4.1.534.6.6.7"
    for s in (0, 1):  # strapping 1: a daisy-chained PDU, not this one
        k = 1 if s == 0 else 7
        rows.append((base + ".3.1.1.3.%d.1" % s, INT, 499 + s * 3))  # tenths of Hz
        for v in (1, 2, 3):
            rows += [(base + ".3.2.1.2.%d.1.%d" % (s, v), INT, v + 1),
                     (base + ".3.2.1.3.%d.1.%d" % (s, v), INT, rnd.randint(228000, 236000) * k)]
        for c in (1, 2, 3, 4):  # 4: the neutral (inputCurrentMeasType 2)
            rows += [(base + ".3.3.1.2.%d.1.%d" % (s, c), INT, 2 if c == 4 else c + 2),
                     (base + ".3.3.1.4.%d.1.%d" % (s, c), INT, rnd.randint(1500, 28000))]
        for p in (1, 2, 3):
            rows += [(base + ".3.4.1.3.%d.1.%d" % (s, p), INT, -1 if (s, p) == (0, 2) else rnd.randint(400, 6400)),
                     (base + ".3.4.1.4.%d.1.%d" % (s, p), INT, rnd.randint(380, 6200)),
                     (base + ".3.4.1.5.%d.1.%d" % (s, p), GAUGE, rnd.randint(10 ** 6, 9 * 10 ** 8)),
                     (base + ".3.4.1.7.%d.1.%d" % (s, p), INT, rnd.randint(900, 999))]
        rows += [(base + ".3.5.1.3.%d.1" % s, INT, rnd.randint(4000, 19000)),
                 (base + ".3.5.1.4.%d.1" % s, INT, rnd.randint(3800, 18000)),
                 (base + ".3.5.1.5.%d.1" % s, GAUGE, rnd.randint(10 ** 8, 4 * 10 ** 9)),
                 (base + ".3.5.1.7.%d.1" % s, INT, rnd.randint(900, 999))]
        for o in range(1, 37 if s == 0 else 9):
            rows += [(base + ".6.1.1.3.%d.%d" % (s, o), STR, ("pdu%d-outlet-%02d" % (s, o))),
                     (base + ".6.4.1.3.%d.%d" % (s, o), INT, rnd.randint(0, 16000)),
                     (base + ".6.5.1.2.%d.%d" % (s, o), INT, rnd.randint(0, 3700)),
                     (base + ".6.5.1.3.%d.%d" % (s, o), INT, rnd.randint(0, 3600)),
                     (base + ".6.5.1.4.%d.%d" % (s, o), GAUGE, rnd.randint(0, 4 * 10 ** 8))]
    return rows


# sensor type: (decimal digits, raw low, raw high) as a PX3 reports them
# SensorUnitsEnumeration by sensor type: amp(2), volt(1), watt(3), voltamp(4),
# none(-1), wattHour(5), voltampHour(6), hertz(8)
UNITS = {1: 2, 4: 1, 5: 3, 6: 4, 7: -1, 8: 5, 9: 6, 14: -1, 23: 8, 25: 1}
RARITAN_INLET = {1: (3, 2000, 30000), 4: (0, 226, 240), 5: (0, 400, 19000), 6: (0, 420, 19500),
                 7: (2, 88, 99), 8: (0, 10 ** 6, 4 * 10 ** 9), 9: (0, 10 ** 6, 4 * 10 ** 9),
                 23: (1, 499, 501), 25: (0, 130, 139)}
RARITAN_POLE = {1: (3, 2000, 30000), 4: (0, 395, 410), 5: (0, 400, 6400), 8: (0, 10 ** 6, 10 ** 9)}
RARITAN_OUTLET = {1: (3, 0, 16000), 4: (0, 226, 240), 5: (0, 0, 3600), 6: (0, 0, 3700),
                  7: (2, 50, 99), 8: (0, 0, 4 * 10 ** 8), 14: (0, 0, 1)}


def raritan(rnd):
    rows = []
    system("Raritan PX3-5190CR, firmware 4.0.20.5-48850", rows)
    base = "1.3.6.1.4.1.13742.6"

    def sensor(meas, conf, idx, st, dig, lo, hi):
        rows.append((conf + ".4.%s.%d" % (idx, st), INT, 1))        # ...LogAvailable true
        rows.append((conf + ".6.%s.%d" % (idx, st), INT, UNITS[st]))  # ...Units
        rows.append((conf + ".7.%s.%d" % (idx, st), GAUGE, dig))    # ...DecimalDigits
        rows.append((meas + ".2.%s.%d" % (idx, st), INT, 1))        # ...IsAvailable
        rows.append((meas + ".3.%s.%d" % (idx, st), INT, 4))        # ...State normal(4)
        rows.append((meas + ".4.%s.%d" % (idx, st), GAUGE, rnd.randint(lo, hi)))

    for pdu in (1, 2):
        for st, (dig, lo, hi) in RARITAN_INLET.items():
            sensor(base + ".5.2.3.1", base + ".3.3.4.1", "%d.1" % pdu, st, dig, lo, hi)
        for pole in (1, 2, 3):
            for st, (dig, lo, hi) in RARITAN_POLE.items():
                sensor(base + ".5.2.4.1", base + ".3.3.6.1", "%d.1.%d" % (pdu, pole), st, dig, lo, hi)
        rows.append((base + ".3.3.3.1.2.%d.1" % pdu, STR, "I1"))
        for o in range(1, 49 if pdu == 1 else 5):
            rows.append((base + ".3.5.3.1.2.%d.%d" % (pdu, o), STR, "%d" % o))
            rows.append((base + ".3.5.3.1.3.%d.%d" % (pdu, o), STR, "" if o == 40 else "pdu%d-o%02d node" % (pdu, o)))
            for st, (dig, lo, hi) in RARITAN_OUTLET.items():
                if pdu == 1 and o == 31 and st == 5:
                    continue  # a sensor this outlet does not have
                if pdu == 1 and o == 7 and st == 1:
                    dig, hi = 2, 1600  # one outlet reports current with 2 digits
                sensor(base + ".5.4.3.1", base + ".3.5.4.1", "%d.%d" % (pdu, o), st, dig, lo, hi)
    return rows


def sentry4(rnd):
    rows = []
    system("Sentry Switched PDU (PRO2, firmware 8.0x)", rows)
    base = "1.3.6.1.4.1.1718.4.1"
    for unit, cords in ((1, (1, 2)), (2, (1,))):  # unit 2: a link unit, not this one
        for cord in cords:
            ix = "%d.%d" % (unit, cord)
            rows += [(base + ".3.2.1.3.%s" % ix, STR, "Master_Cord_%s" % "AB"[cord - 1]),
                     (base + ".3.3.1.3.%s" % ix, INT, rnd.randint(2000, 17000)),
                     (base + ".3.3.1.5.%s" % ix, INT, rnd.randint(2100, 17500)),
                     (base + ".3.3.1.8.%s" % ix, INT, rnd.randint(90, 99)),
                     (base + ".3.3.1.10.%s" % ix, INT, rnd.randint(10 ** 5, 10 ** 8)),
                     (base + ".3.3.1.11.%s" % ix, INT, rnd.randint(598, 601))]
            for ln in (1, 2, 3):
                rows.append((base + ".4.3.1.3.%s.%d" % (ix, ln), INT, rnd.randint(500, 3000)))
            for ph in (1, 2, 3):
                rows += [(base + ".5.3.1.3.%s.%d" % (ix, ph), INT, rnd.randint(2050, 2110)),
                         (base + ".5.3.1.6.%s.%d" % (ix, ph), INT, rnd.randint(500, 3000)),
                         (base + ".5.3.1.8.%s.%d" % (ix, ph), INT, rnd.randint(900, 6000)),
                         (base + ".5.3.1.9.%s.%d" % (ix, ph), INT, rnd.randint(950, 6100)),
                         (base + ".5.3.1.10.%s.%d" % (ix, ph), INT, rnd.randint(90, 99)),
                         (base + ".5.3.1.13.%s.%d" % (ix, ph), INT, -1 if ph == 2 else rnd.randint(10 ** 4, 10 ** 7))]
            for o in range(1, 43 if ix == "1.1" else 7):
                rows += [(base + ".8.2.1.2.%s.%d" % (ix, o), STR, "%s%d" % ("AB"[cord - 1], o)),
                         (base + ".8.2.1.3.%s.%d" % (ix, o), STR, "u%d-c%d-outlet%02d" % (unit, cord, o)),
                         (base + ".8.3.1.3.%s.%d" % (ix, o), INT, rnd.randint(0, 1200)),
                         (base + ".8.3.1.6.%s.%d" % (ix, o), INT, rnd.randint(2050, 2110)),
                         (base + ".8.3.1.7.%s.%d" % (ix, o), INT, rnd.randint(0, 2400)),
                         (base + ".8.3.1.9.%s.%d" % (ix, o), INT, rnd.randint(0, 2500)),
                         (base + ".8.3.1.10.%s.%d" % (ix, o), INT, -1 if o == 17 else rnd.randint(50, 99)),
                         (base + ".8.3.1.14.%s.%d" % (ix, o), INT, rnd.randint(0, 10 ** 8))]
    return rows


def main():
    d = sys.argv[1]
    rnd = random.Random(26)
    for name, fn in (("apc-rpdu2", apc), ("eaton-epdu", eaton), ("raritan-px", raritan),
                     ("servertech-sentry4", sentry4)):
        write(os.path.join(d, name + ".snmprec"), fn(rnd))


if __name__ == "__main__":
    main()
