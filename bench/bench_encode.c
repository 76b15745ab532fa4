/* bench_encode.c - line-protocol encoder throughput on one core for typical
 * rack samples (ARCHITECTURE section 5). Prints the median of 5 runs. */
#include <stdio.h>
#include <stdlib.h>

#include "powerpark/clock.h"
#include "powerpark/lineproto.h"
#include "powerpark/log.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	enum { LINES = 5000000, RACKS = 512, RUNS = 5 };
	static char names[RACKS][16];
	for (int i = 0; i < RACKS; i++)
		snprintf(names[i], sizeof names[i], "a%02d-r%02d", i / 16, i % 16);
	struct pp_buf b;
	pp_buf_init(&b);
	double rates[RUNS];
	size_t bytes = 0;
	for (int run = 0; run < RUNS; run++) {
		int64_t t0 = pp_clock_mono_ns();
		bytes = 0;
		for (int i = 0; i < LINES; i++) {
			struct pp_tag t[] = {{"site", "gj"}, {"hall", "a"}, {"row", "a01"},
					     {"rack", names[i % RACKS]}};
			struct pp_field f[] = {
				{.key = "power_w", .type = PP_F_FLOAT, .v.f = 118000 + (i % 997) * 1.5},
				{.key = "limit_w", .type = PP_F_FLOAT, .v.f = 130000}};
			struct pp_sample s = {"rack", t, 4, f, 2, 1795392000000000000LL + i, 1};
			if (pp_lineproto_encode(&b, &s, 0, NULL))
				return 1;
			if (b.len > (1 << 20)) {
				bytes += b.len;
				pp_buf_reset(&b);
			}
		}
		bytes += b.len;
		pp_buf_reset(&b);
		rates[run] = LINES / ((pp_clock_mono_ns() - t0) / 1e9);
	}
	qsort(rates, RUNS, sizeof rates[0], cmp);
	printf("encode_lines_per_s %.0f\nencode_bytes_per_line %.1f\n", rates[RUNS / 2],
	       (double)bytes / LINES);
	pp_buf_free(&b);
	return 0;
}
