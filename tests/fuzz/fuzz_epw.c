/* fuzz_epw.c - the EPW weather reader (pp_weather_load, `powerpark
 * weather`). The input is a file's start: its header lines and some rows.
 * So that the reader gets past the row count to filling and deriving, the
 * rows given are repeated until the year has its 8,760 (the reader checks
 * each row's date, not their order). A year that loads must hold numbers
 * only, every hour, and its summary too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/weather.h"
#include "util.h"

#define FZ_EPW_HEADER 8 /* header lines before the rows */

/* The offset just past the n-th newline of s[0..len), or len. */
static size_t after_lines(const char *s, size_t len, int n)
{
	size_t i = 0;
	for (int k = 0; k < n && i < len; k++) {
		const char *nl = memchr(s + i, '\n', len - i);
		i = nl ? (size_t)(nl - s) + 1 : len;
	}
	return i;
}

/* The input with its rows repeated to a year (malloc'ed, *out_len). */
static char *padded(const char *s, size_t len, size_t *out_len)
{
	size_t head = after_lines(s, len, FZ_EPW_HEADER);
	size_t rows = 0;
	for (size_t i = head; i < len; i++)
		rows += s[i] == '\n';
	if (head == len || !rows || s[len - 1] != '\n' || rows >= PP_WEATHER_HOURS) {
		char *c = malloc(len ? len : 1);
		if (!c)
			abort();
		memcpy(c, s, len);
		*out_len = len;
		return c;
	}
	size_t body = len - head, times = (PP_WEATHER_HOURS + rows - 1) / rows;
	char *c = malloc(head + body * times);
	if (!c)
		abort();
	memcpy(c, s, head);
	size_t n = head;
	for (size_t t = 0, left = PP_WEATHER_HOURS; t < times; t++) {
		size_t k = left < rows ? after_lines(s + head, body, (int)left) : body;
		memcpy(c + n, s + head, k);
		n += k;
		left -= left < rows ? left : rows;
	}
	*out_len = n;
	return c;
}

static void check_year(const struct pp_weather *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct pp_weather_hour *h = &w->h[i];
		if (!isfinite(h->db_c) || !isfinite(h->dp_c) || !isfinite(h->p_pa) ||
		    !isfinite(h->rh_pct) || !isfinite(h->wb_c) || !isfinite(h->w) ||
		    !isfinite(h->h_kj_kg))
			abort(); /* a value that is no number after filling */
	}
	struct pp_weather_summary s;
	pp_weather_summarize(w, 16, 22, 1.5, &s);
	if (!isfinite(s.db_mean) || !isfinite(s.wb_04))
		abort();
	struct pp_weather_hour at;
	pp_weather_at(w, 4380.25, &at);
	if (!isfinite(at.wb_c))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	char *text = padded((const char *)data, size, &n);
	const char *path = fz_write("in.epw", text, n);
	free(text);
	struct pp_weather w;
	struct pp_errbuf eb;
	if (pp_weather_load(path, &w, &eb) == PP_OK) {
		if (w.n != PP_WEATHER_HOURS)
			abort();
		check_year(&w);
		pp_weather_free(&w);
	} else if (w.h || !eb.msg[0]) {
		abort(); /* an error leaves nothing to free, and says why */
	}
	return 0;
}
