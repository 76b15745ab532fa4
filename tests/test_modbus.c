/* test_modbus.c - the Modbus request plan with per-field intervals
 * (`every`): which merged requests exist, which fields each one holds, and
 * which are asked on which poll. */
#include <stdlib.h>
#include <string.h>

#include "powerpark/modbus.h"
#include "pp_test.h"

#define NPOLLS 121 /* two slow cycles of 60 and the first of the third */

static struct pp_pfield fld(const char *name, enum pp_mb_func func, int reg, enum pp_vtype t,
			    int every)
{
	struct pp_pfield f;
	memset(&f, 0, sizeof f);
	f.name = name;
	f.func = func;
	f.reg = reg;
	f.vtype = t;
	f.bit = -1;
	f.scale = 1;
	f.every = every;
	return f;
}

/* A meter polled each second: power, voltage and frequency each poll, the
 * energy counter between them each minute (every: 60). */
static struct pp_pfield meter[] = {
	{0}, {0}, {0}, {0}, {0},
};

static struct pp_profile meter_profile(void)
{
	meter[0] = fld("power_w", PP_MB_INPUT, 0x34, PP_VT_FLOAT32, 1);
	meter[1] = fld("voltage_v", PP_MB_INPUT, 0x00, PP_VT_FLOAT32, 0); /* 0: as 1 */
	meter[2] = fld("energy_kwh", PP_MB_INPUT, 0x48, PP_VT_FLOAT32, 60);
	meter[3] = fld("frequency_hz", PP_MB_INPUT, 0x46, PP_VT_FLOAT32, 1);
	meter[4] = fld("export_kwh", PP_MB_INPUT, 0x4A, PP_VT_FLOAT32, 60);
	struct pp_profile p = {.name = "m", .measurement = "meter", .fields = meter, .nfields = 5};
	return p;
}

static const struct pp_mb_req *find_req(const struct pp_mb_req *r, size_t n, int start)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].start == start)
			return &r[i];
	return NULL;
}

/* Fields of different intervals never share a request, even where the fast
 * request's span covers the slow fields' registers (0x46 .. 0x4B lie inside
 * a merge of 0x00 .. 0x47 with a wide max_gap). */
static void t_plan_keeps_intervals_apart(void)
{
	struct pp_profile p = meter_profile();
	struct pp_mb_req *r = NULL;
	size_t n = 0;
	PT_CHECK(pp_modbus_plan(&p, PP_MB_MAX_REGS, 100, &r, &n) == PP_OK, "plan");
	PT_CHECK(n == 2, "two requests (one per interval), got %zu", n);
	const struct pp_mb_req *fast = find_req(r, n, 0x00), *slow = find_req(r, n, 0x48);
	PT_CHECK(fast && fast->every == 1 && fast->count == 0x48,
		 "fast block 0x00+0x48 every 1, got %d+%d every %d", fast ? fast->start : -1,
		 fast ? fast->count : -1, fast ? fast->every : -1);
	PT_CHECK(slow && slow->every == 60 && slow->count == 4,
		 "slow block 0x48+4 every 60, got %d every %d", slow ? slow->count : -1,
		 slow ? slow->every : -1);
	if (fast && slow) {
		PT_CHECK(pp_modbus_req_holds(fast, &meter[0]) && pp_modbus_req_holds(fast, &meter[1]) &&
				 pp_modbus_req_holds(fast, &meter[3]),
			 "the fast block holds power, voltage and frequency");
		PT_CHECK(!pp_modbus_req_holds(fast, &meter[2]) && !pp_modbus_req_holds(fast, &meter[4]),
			 "the fast block does not decode the slow fields");
		PT_CHECK(pp_modbus_req_holds(slow, &meter[2]) && pp_modbus_req_holds(slow, &meter[4]) &&
				 !pp_modbus_req_holds(slow, &meter[3]),
			 "the slow block holds the two energy counters only");
	}
	free(r);
}

/* Which requests are asked on which poll: the slow one on polls 0, 60 and
 * 120 of 121, the fast one on all. */
static void t_plan_due_by_cycle(void)
{
	struct pp_profile p = meter_profile();
	struct pp_mb_req *r = NULL;
	size_t n = 0;
	PT_CHECK(pp_modbus_plan(&p, PP_MB_MAX_REGS, 100, &r, &n) == PP_OK && n == 2, "plan");
	int asked[2] = {0, 0};
	for (uint64_t c = 0; c < NPOLLS; c++)
		for (size_t i = 0; i < n && i < 2; i++)
			asked[i] += pp_modbus_req_due(&r[i], c);
	const struct pp_mb_req *slow = find_req(r, n, 0x48);
	size_t si = slow ? (size_t)(slow - r) : 0;
	PT_CHECK(asked[1 - si] == NPOLLS, "fast block asked on every poll: %d", asked[1 - si]);
	PT_CHECK(asked[si] == 3, "slow block asked on polls 0, 60, 120: %d", asked[si]);
	PT_CHECK(slow && pp_modbus_req_due(slow, 0) && !pp_modbus_req_due(slow, 1) &&
			 !pp_modbus_req_due(slow, 59) && pp_modbus_req_due(slow, 60),
		 "slow block due on the first poll, then every 60th");
	free(r);
}

/* Within one interval, merging is as before: one function per request, the
 * gap and size limits hold; the same registers under two intervals are two
 * requests. */
static void t_plan_merges_within_interval(void)
{
	struct pp_pfield f[] = {
		fld("a", PP_MB_HOLDING, 0, PP_VT_UINT16, 10),
		fld("b", PP_MB_HOLDING, 1, PP_VT_UINT16, 10),
		fld("c", PP_MB_INPUT, 2, PP_VT_UINT16, 10),
		fld("d", PP_MB_HOLDING, 50, PP_VT_UINT16, 10),
		fld("e", PP_MB_HOLDING, 0, PP_VT_UINT16, 1),
	};
	struct pp_profile p = {.name = "x", .measurement = "x", .fields = f, .nfields = 5};
	struct pp_mb_req *r = NULL;
	size_t n = 0;
	PT_CHECK(pp_modbus_plan(&p, PP_MB_MAX_REGS, 4, &r, &n) == PP_OK, "plan");
	PT_CHECK(n == 4, "holding 0+2 and 50+1 and input 2+1 every 10, holding 0+1 every 1: %zu", n);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		seen += r[i].func == PP_MB_HOLDING && r[i].start == 0 && r[i].count == 2 &&
			r[i].every == 10;
		seen += r[i].func == PP_MB_HOLDING && r[i].start == 50 && r[i].every == 10;
		seen += r[i].func == PP_MB_INPUT && r[i].start == 2 && r[i].every == 10;
		seen += r[i].func == PP_MB_HOLDING && r[i].start == 0 && r[i].count == 1 &&
			r[i].every == 1;
	}
	PT_CHECK(seen == 4, "each of the four requests as planned (%d)", seen);
	free(r);
}

/* The line's timing: silence after any exchange, turnaround on a change
 * of unit, the longer of the two, nothing before the first exchange. */
static void t_line_wait(void)
{
	const int64_t ms = 1000000, end = 5000 * ms;
	PT_CHECK(pp_modbus_line_wait(50, 200, 0, 1, 2, end) == 0, "the first exchange waits");
	PT_CHECK(pp_modbus_line_wait(50, 200, end, 1, 1, end + 10 * ms) == 40 * ms,
		 "same unit: the gap's rest, 40 ms, not %lld ns",
		 (long long)pp_modbus_line_wait(50, 200, end, 1, 1, end + 10 * ms));
	PT_CHECK(pp_modbus_line_wait(50, 200, end, 1, 2, end + 10 * ms) == 190 * ms,
		 "another unit: the turnaround's rest");
	PT_CHECK(pp_modbus_line_wait(300, 200, end, 1, 2, end) == 300 * ms,
		 "a gap longer than the turnaround wins");
	PT_CHECK(pp_modbus_line_wait(50, 200, end, 1, 2, end + 500 * ms) == 0,
		 "silence long past: no wait");
	PT_CHECK(pp_modbus_line_wait(0, 0, end, 1, 2, end) == 0, "no timing set: no wait");
}

int main(void)
{
	PT_RUN(t_plan_keeps_intervals_apart);
	PT_RUN(t_plan_due_by_cycle);
	PT_RUN(t_plan_merges_within_interval);
	PT_RUN(t_line_wait);
	return PT_DONE("test_modbus");
}
