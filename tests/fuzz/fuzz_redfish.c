/* fuzz_redfish.c - the Redfish JSON reader (rf_parse, the collector's JSON
 * edge) on any bytes: what it kept must be inside its limits (NUL-ended
 * names and paths, links that are paths, at most the rows, members and
 * readings it holds, every reading finite and found again by rf_find).
 * Then a power limit's PATCH body (rf_limit_body), written for the first
 * reading, must read back as that value. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redfish_int.h"
#include "util.h"

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		abort(); /* not NUL-ended within its buffer */
}

static void check_res(const struct rf_res *r)
{
	check_str(r->id, sizeof r->id);
	check_str(r->name, sizeof r->name);
	check_str(r->control_type, sizeof r->control_type);
	if (r->nmembers > PP_RF_MAX_MEMBERS || r->nrows < 1 || r->nrows > PP_RF_MAX_ROWS)
		abort();
	for (int l = 0; l < RF_NLINKS; l++) {
		check_str(r->links[l], PP_RF_URI_MAX);
		if (r->links[l][0] && r->links[l][0] != '/')
			abort(); /* a link that is no path */
	}
	for (size_t i = 0; i < r->nmembers; i++)
		if (r->members[i][0] != '/' || !memchr(r->members[i], 0, PP_RF_URI_MAX))
			abort();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct rf_row *row = &r->rows[i];
		check_str(row->name, sizeof row->name);
		if (row->nvals > PP_RF_MAX_VALS || (i == 0) != (row->kind == RF_ROW_SELF) ||
		    row->kind >= RF_ROW_KINDS || (i > 0 && !row->nvals))
			abort();
		for (size_t k = 0; k < row->nvals; k++)
			if (!isfinite(row->vals[k].v) || rf_find(row, row->vals[k].field) != &row->vals[k])
				abort(); /* a non-number kept, or one field twice */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rf_res r, back;
	char err[200];
	if (rf_parse((const char *)data, size, &r, err, sizeof err))
		return 0;
	check_res(&r);
	double w = r.rows[0].nvals ? r.rows[0].vals[0].v : 1;
	if (fabs(w) > 1e15)
		return 0; /* written with no decimals: keep it exact */
	struct pp_buf b;
	pp_buf_init(&b);
	for (int control = 0; control <= 1; control++) {
		if (rf_limit_body(control, round(w), &b) || rf_parse(b.data, b.len, &back, err, sizeof err))
			abort();
		const struct rf_val *v = control ? rf_find(&back.rows[0], "setpoint")
						 : (back.nrows > 1 ? rf_find(&back.rows[1], "limit_w") : NULL);
		if (!v || v->v != round(w))
			abort(); /* the body does not say the limit it was written for */
	}
	pp_buf_free(&b);
	return 0;
}
