/* fuzz_api.c - the API's JSON bodies: POST /v1/admit, /v1/scheduler/sync
 * and /v1/grid/event, as the first byte picks (then the body). The body goes
 * through its codec (optimizer/api/codec.c, the API's private header); what
 * decodes goes to a fresh controller of a small park, as the handler does,
 * then a control cycle runs on what it took; every answer is encoded again
 * and must be JSON that jansson reads. */
#include <jansson.h>
#include <stdlib.h>

#include "api_int.h"
#include "powerpark/config.h"
#include "powerpark/log.h"
#include "util.h"

#define FZ_NS 1000000000LL
#define FZ_T0 (1795000000LL * FZ_NS) /* the controller's "now": nothing scheduled */

static struct pp_config *cfg;

/* The encoded answer in out must be JSON. */
static void json_ok(const struct pp_buf *out)
{
	json_error_t je;
	json_t *j = json_loadb(out->data ? out->data : "", out->len, 0, &je);
	if (!j) {
		fprintf(stderr, "fuzz_api: not JSON (%s): %.*s\n", je.text, (int)out->len,
			out->data);
		abort();
	}
	json_decref(j);
}

static void admit(struct pp_ctl *ctl, const char *body, size_t len, struct pp_buf *out)
{
	struct pp_ctl_admit_req q;
	struct pp_ctl_admit_ans a;
	struct api_doc d = {0};
	struct pp_errbuf eb;
	if (api_parse_admit(body, len, &q, &d, &eb) == PP_OK &&
	    pp_ctl_admit(ctl, &q, FZ_T0, &a, &eb) == PP_OK) {
		if (api_json_admit(out, &a))
			abort();
		json_ok(out);
	}
	api_doc_free(&d);
}

static void sync_view(struct pp_ctl *ctl, const char *body, size_t len, struct pp_buf *out)
{
	struct pp_ctl_sync_req q;
	struct pp_ctl_sync_ans a = {0};
	struct api_doc d = {0};
	struct pp_errbuf eb;
	if (api_parse_sync(body, len, &q, &d, &eb) == PP_OK &&
	    pp_ctl_sync(ctl, &q, FZ_T0, &a, &eb) == PP_OK) {
		if (api_json_sync(out, &q, &a))
			abort();
		json_ok(out);
	}
	pp_ctl_sync_ans_free(&a);
	api_doc_free(&d);
}

static void event(struct pp_ctl *ctl, const char *body, size_t len, struct pp_buf *out)
{
	struct pp_ctl_event_req q;
	struct pp_ctl_event_ans a;
	struct api_doc d = {0};
	struct pp_errbuf eb;
	if (api_parse_event(body, len, &q, &d, &eb) == PP_OK &&
	    pp_ctl_grid_event(ctl, &q, FZ_T0, &a, &eb) == PP_OK) {
		if (api_json_event(out, &a))
			abort();
		json_ok(out);
	}
	api_doc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (!cfg) {
		pp_log_set_level(PP_LOG_ERROR); /* a line per grid signal would be most of the time */
		cfg = fz_park("fuzz_api");
	}
	struct pp_ctl *ctl = NULL;
	struct pp_errbuf eb;
	if (pp_ctl_create(cfg, NULL, &ctl, &eb))
		abort();
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct pp_buf out;
	pp_buf_init(&out);
	switch (data[0] % 3) {
	case 0: admit(ctl, body, len, &out); break;
	case 1: sync_view(ctl, body, len, &out); break;
	default: event(ctl, body, len, &out); break;
	}
	/* What the controller took must plan: a cycle after it (an error
	 * leaves every cap at its floor, which is allowed). */
	if (pp_ctl_cycle(ctl, FZ_T0 + FZ_NS, 0, &eb) == PP_OK && data[0] % 3 == 0 && len) {
		pp_buf_reset(&out);
		admit(ctl, body, len, &out);
	}
	pp_buf_free(&out);
	pp_ctl_destroy(ctl);
	return 0;
}
