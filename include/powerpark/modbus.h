/* modbus.h - Modbus register maps: merging a profile's fields into few
 * requests, and decoding typed values in every byte and word order. Pure
 * functions, shared by the collector and the simulated park. */
#ifndef PP_MODBUS_H
#define PP_MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"
#include "powerpark/err.h"

#define PP_MB_MAX_REGS 125  /* registers per read request (spec limit) */
#define PP_MB_MAX_BITS 2000 /* coils or discrete inputs per request */

/* One read request: function, first address, count, and the fields'
 * interval (asked on the polls whose number is a multiple of every). */
struct pp_mb_req {
	enum pp_mb_func func;
	int start, count;
	int every;
};

/* Plans the fewest requests that read every field of p (borrowed): fields of
 * one function and one interval (`every`) are sorted by address and merged
 * while a request stays within max_regs registers (PP_MB_MAX_BITS for bits)
 * and no hole between fields is wider than max_gap; fields of different
 * intervals never share a request. *reqs receives a malloc'd array (taken; free()) of *n. */
PP_WUR enum pp_err pp_modbus_plan(const struct pp_profile *p, int max_regs, int max_gap,
				  struct pp_mb_req **reqs, size_t *n);

/* Whether request r is asked on poll number cycle (0, 1, ...): on the first
 * and then every r->every polls. */
int pp_modbus_req_due(const struct pp_mb_req *r, uint64_t cycle);

/* Whether field f (borrowed) is read by request r: same function, same
 * interval, its registers inside r's. */
int pp_modbus_req_holds(const struct pp_mb_req *r, const struct pp_pfield *f);

/* How long, in ns (>= 0), a request to unit must wait on a line whose last
 * exchange ended at last_end_ns (0: none yet) with unit last_unit, at
 * now_ns: gap_ms of silence after any exchange, turn_ms (the turnaround
 * serial gateways want) when the unit changes; the longer of the two. */
int64_t pp_modbus_line_wait(int gap_ms, int turn_ms, int64_t last_end_ns, int last_unit,
			    int unit, int64_t now_ns);

/* Decodes a value of type t from regs (borrowed; pp_config_vtype_regs(t)
 * registers as received, each in host order) in the given byte/word order:
 * ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian
 * (for 64-bit types the words are reversed as a whole: CDAB = GHEFCDAB).
 * For PP_VT_BIT, bit (0-15) of regs[0]. Returns the raw value (before scale). */
double pp_modbus_decode(const uint16_t *regs, enum pp_vtype t, enum pp_order o, int bit);

/* The inverse, for servers: writes v (raw, before scale) as type t into regs
 * (borrowed, pp_config_vtype_regs(t) registers). Bits set or clear bit of regs[0]. */
void pp_modbus_encode(uint16_t *regs, enum pp_vtype t, enum pp_order o, int bit, double v);

#endif
