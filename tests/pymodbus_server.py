#!/usr/bin/python3
"""A Modbus TCP server run by the third-party pymodbus, holding known values
for the meter-3ph (unit 1) and chiller (unit 2) profiles. The expected
engineering values are printed as JSON on stdout before serving, so the test
compares the collector's readings with what pymodbus holds.

usage: pymodbus_server.py PORT
       pymodbus_server.py --serial DEVICE [PARITY]   (RTU at 19200 baud, 8
       data bits, 1 stop bit, parity N, E or O; other unit ids are silent)"""
import json
import struct
import sys

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartSerialServer, StartTcpServer
from pymodbus.transaction import ModbusRtuFramer


def words(fmt, v):
    b = struct.pack(fmt, v)
    return [int.from_bytes(b[i:i + 2], "big") for i in range(0, len(b), 2)]


serial = sys.argv[1] == "--serial"
port = None if serial else int(sys.argv[1])
# meter-3ph: float32 ABCD holding registers 0..9, uint64 ABCD at 10 (x0.001)
meter = {"power_kw": 1234.5, "voltage_ll_v": 22900.0, "current_a": 31.25,
         "frequency_hz": 99.0,  # outside 40..70: must be dropped, not sent
         "power_factor": 0.96875}
hr = []
for k in ("power_kw", "voltage_ll_v", "current_a", "frequency_hz", "power_factor"):
    hr += words(">f", meter[k])
hr += words(">Q", 987654321)
expect_meter = dict(meter)
del expect_meter["frequency_hz"]
expect_meter["energy_kwh"] = 987654.321
# chiller: input registers; uint32 kW, int16 tenths, flow uint16 tenths, bits
ir = words(">I", 612) + words(">I", 3410) + words(">h", 141) + words(">h", 203) \
    + words(">h", -12) + words(">h", 351) + words(">H", 1234) + [0b01]
expect_chiller = {"power_kw": 612, "load_kw": 3410, "chw_supply_c": 14.1,
                  "chw_return_c": 20.3, "cond_in_c": -1.2, "cond_out_c": 35.1,
                  "chw_flow_lps": 123.4, "running": 1, "alarm": 0}
slaves = {
    1: ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, hr + [0] * 8), zero_mode=True),
    2: ModbusSlaveContext(ir=ModbusSequentialDataBlock(0, ir + [0] * 8), zero_mode=True),
}
print(json.dumps({"meter": expect_meter, "chiller": expect_chiller}), flush=True)
if serial:
    StartSerialServer(context=ModbusServerContext(slaves=slaves, single=False),
                      framer=ModbusRtuFramer, port=sys.argv[2], baudrate=19200, bytesize=8,
                      parity=sys.argv[3] if len(sys.argv) > 3 else "N", stopbits=1)
else:
    StartTcpServer(context=ModbusServerContext(slaves=slaves, single=False),
                   address=("127.0.0.1", port))
