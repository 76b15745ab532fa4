/* fuzz_state.c - the state a leader hands the next (optimizer/control/
 * control_repl.c, docs/ha.md), as pp_ctl_state_import reads it from etcd:
 * into a fresh controller of the fuzz park; then a control cycle on what it
 * took (every cap it issues must be in its GPU's range); then the state
 * exported again must read back whole (no record skipped) and export to
 * the same text (a round trip loses nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/config.h"
#include "powerpark/ctl.h"
#include "powerpark/log.h"
#include "util.h"

#define FZ_NS 1000000000LL
#define FZ_T0 (1795000000LL * FZ_NS)

static struct pp_config *cfg;

static struct pp_ctl *fresh(void)
{
	struct pp_ctl *ctl = NULL;
	struct pp_errbuf eb;
	if (pp_ctl_create(cfg, NULL, &ctl, &eb))
		abort();
	return ctl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!cfg) {
		pp_log_set_level(PP_LOG_ERROR);
		cfg = fz_park("fuzz_state");
	}
	struct pp_ctl *ctl = fresh();
	size_t bad;
	struct pp_errbuf eb;
	if (pp_ctl_state_import(ctl, (const char *)data, size, &bad, &eb) == PP_OK) {
		struct pp_errbuf ce;
		(void)pp_ctl_cycle(ctl, FZ_T0, 0, &ce); /* an error leaves every cap at its floor */
		for (size_t i = 0; i < cfg->nhalls; i++)
			for (size_t r = 0; r < cfg->halls[i].nrows; r++)
				for (size_t k = 0; k < cfg->halls[i].rows[r].nracks; k++) {
					const char *name = cfg->halls[i].rows[r].racks[k].name;
					double w = pp_ctl_rack_cap(ctl, name);
					if (!(w >= 0 && w <= 1200)) {
						fprintf(stderr, "fuzz_state: rack %s cap %g W\n", name, w);
						abort();
					}
				}
		struct pp_buf a, b;
		pp_buf_init(&a);
		pp_buf_init(&b);
		struct pp_ctl *again = fresh();
		size_t bad2;
		if (pp_ctl_state_export(ctl, &a) ||
		    pp_ctl_state_import(again, a.data, a.len, &bad2, &eb) || bad2 ||
		    pp_ctl_state_export(again, &b) || a.len != b.len || memcmp(a.data, b.data, a.len)) {
			fprintf(stderr, "fuzz_state: the round trip changed the state:\n%.*s\n---\n%.*s\n",
				(int)a.len, a.data, (int)b.len, b.data);
			abort();
		}
		pp_buf_free(&a);
		pp_buf_free(&b);
		pp_ctl_destroy(again);
	}
	pp_ctl_destroy(ctl);
	return 0;
}
