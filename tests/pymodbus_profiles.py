#!/usr/bin/python3
"""A Modbus TCP server run by the third-party pymodbus, holding the vendors'
register maps as their documents print them, for tests/it_profiles.sh:

  unit 1  Eastron SDM630: input registers at the map's hex addresses (30001
          = 0x0000), float32 high word first; negative power and power
          factor on phase 2 (export), as a meter reports them.
  unit 2  Schneider PM5100/5300/5500: holding registers, Schneider's 1-based
          register numbers (address = register - 1), float32 and int64 Wh.
  unit 3  Daikin MicroTech III chiller (ED 15121): holding registers
          numbered from 1, 16-bit values, temperatures in C x 10 (one below
          0 C), capacity in % x 10.

The expected engineering values, keyed by the profiles' field names, are
printed as JSON on stdout before serving (float32 values as the float32 the
registers hold), so the test compares what powerpark read with what this
server holds, not with numbers written twice.

usage: pymodbus_profiles.py PORT"""
import json
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer

SIZE = 4000  # registers per block: past PM5100's 3240


def f32(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


class Map:
    def __init__(self):
        self.regs = [0] * SIZE
        self.expect = {}

    def put(self, addr, fmt, raw):
        b = struct.pack(fmt, raw)
        for i in range(0, len(b), 2):
            self.regs[addr + i // 2] = int.from_bytes(b[i:i + 2], "big")

    def float32(self, addr, name, v, scale=1.0):
        self.put(addr, ">f", v)
        self.expect[name] = f32(v) * scale

    def int64(self, addr, name, raw, scale):
        self.put(addr, ">q", raw)
        self.expect[name] = raw * scale

    def word(self, addr, name, raw, scale=1.0, signed=False):
        self.put(addr, ">h" if signed else ">H", raw)
        self.expect[name] = raw * scale


def sdm630():
    m = Map()
    for i, (v, a, w, pf) in enumerate(((231.4, 31.25, 7012.5, 0.981),
                                       (229.8, 12.5, -2750.25, -0.874),
                                       (232.6, 28.0, 6400.0, 0.962))):
        n = i + 1
        m.float32(0x00 + 2 * i, "voltage_l%d_v" % n, v)
        m.float32(0x06 + 2 * i, "current_l%d_a" % n, a)
        m.float32(0x0C + 2 * i, "power_l%d_w" % n, w)
        m.float32(0x1E + 2 * i, "power_factor_l%d" % n, pf)
    m.float32(0x34, "power_kw", 10662.25, 0.001)
    m.float32(0x38, "apparent_power_kva", 14873.5, 0.001)
    m.float32(0x3C, "reactive_power_kvar", -1250.75, 0.001)
    m.float32(0x3E, "power_factor", 0.9512)
    m.float32(0x46, "frequency_hz", 50.02)
    m.float32(0x48, "import_energy_kwh", 123456.7)
    m.float32(0x4A, "export_energy_kwh", 2345.6)
    m.float32(0xC8, "voltage_l1_l2_v", 400.7)
    m.float32(0xCA, "voltage_l2_l3_v", 399.1)
    m.float32(0xCC, "voltage_l3_l1_v", 401.9)
    m.float32(0xE0, "current_n_a", 3.375)
    m.float32(0x156, "energy_kwh", 125802.3)
    return m


def pm5100():
    m = Map()
    reg = lambda r: r - 1  # noqa: E731 (Schneider's register -> address)
    for r, name, v in ((3000, "current_a_a", 412.5), (3002, "current_b_a", 398.25),
                       (3004, "current_c_a", 405.0), (3006, "current_n_a", 11.5),
                       (3010, "current_avg_a", 405.25), (3020, "voltage_ab_v", 415.2),
                       (3022, "voltage_bc_v", 414.8), (3024, "voltage_ca_v", 416.1),
                       (3026, "voltage_ll_v", 415.4), (3028, "voltage_an_v", 239.7),
                       (3030, "voltage_bn_v", 239.5), (3032, "voltage_cn_v", 240.2),
                       (3036, "voltage_ln_v", 239.8), (3054, "power_a_kw", 96.5),
                       (3056, "power_b_kw", 93.25), (3058, "power_c_kw", 94.75),
                       (3060, "power_kw", 284.5), (3068, "reactive_power_kvar", -31.25),
                       (3076, "apparent_power_kva", 291.0), (3110, "frequency_hz", 59.98)):
        m.float32(reg(r), name, v)
    m.int64(reg(3204), "energy_delivered_kwh", 987654321098, 0.001)
    m.int64(reg(3208), "energy_received_kwh", 4321, 0.001)
    return m


def daikin():
    m = Map()
    reg = lambda r: r - 1  # noqa: E731 (ED 15121's register -> address)
    m.word(reg(5), "alarm", 1)
    m.word(reg(6), "evap_flow", 1)
    m.word(reg(8), "running", 1)
    m.word(reg(12), "chw_setpoint_c", 67, 0.1, signed=True)
    m.word(reg(13), "capacity_pct", 725, 0.1)
    m.word(reg(14), "capacity_limit_pct", 1000, 0.1)
    m.word(reg(15), "status", 3)
    m.word(reg(16), "chw_return_c", 124, 0.1, signed=True)
    m.word(reg(17), "chw_supply_c", 68, 0.1, signed=True)
    m.word(reg(24), "outdoor_c", -35, 0.1, signed=True)
    return m


def main():
    port = int(sys.argv[1])
    s, p, d = sdm630(), pm5100(), daikin()
    slaves = {
        1: ModbusSlaveContext(ir=ModbusSequentialDataBlock(0, s.regs), zero_mode=True),
        2: ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, p.regs), zero_mode=True),
        3: ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, d.regs), zero_mode=True),
    }
    print(json.dumps({"meter-eastron-sdm630": s.expect, "meter-schneider-pm5100": p.expect,
                      "chiller-daikin-microtech3": d.expect}), flush=True)
    StartTcpServer(context=ModbusServerContext(slaves=slaves, single=False),
                   address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
