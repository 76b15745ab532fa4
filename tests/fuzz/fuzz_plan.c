/* fuzz_plan.c - the planner's plan file (`powerpark plan FILE`): any bytes
 * written as plan.yaml and loaded as the command does (pp_catalog_load_plan:
 * the plan loader, then the model catalog's names). */
#include <stdlib.h>

#include "powerpark/catalog.h"
#include "powerpark/diag.h"
#include "powerpark/plan.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write("plan.yaml", data, size);
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_plan *p = NULL;
	enum pp_err e = pp_catalog_load_plan(path, &p, &d);
	if ((e == PP_OK) != (p != NULL) || (e != PP_OK && !d.n))
		abort(); /* a plan, or the reasons there is none */
	pp_plan_destroy(p);
	pp_diag_free(&d);
	return 0;
}
