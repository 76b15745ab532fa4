/* write.c - POST /write: InfluxDB 1.x line protocol, plain or gzip, into
 * the controller. As InfluxDB does, a batch with one bad line is refused
 * whole (400 naming the line), so a client that fixes and resends it writes
 * every point once; the bad lines are counted. An inflated body counts in
 * the body budget (api_body_take) as a received one does. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "api_int.h"
#include "powerpark/lineproto.h"

#define INFLATE_STEP 65536 /* bytes inflated at a time */

/* A gzip body (Content-Encoding: gzip, what collectors and Telegraf send)
 * inflated into out, up to PP_API_MAX_BODY and within the body budget
 * (*taken: the bytes of it that out holds; give them back after use).
 * 0, 413, 503, 400 or 500. */
static unsigned inflate_body(struct pp_api *a, const char *in, size_t len, struct pp_buf *out,
			     size_t *taken)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return 500;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	unsigned st = 0;
	for (;;) {
		if (!api_body_take(a, INFLATE_STEP)) {
			st = 503;
			break;
		}
		*taken += INFLATE_STEP;
		if (pp_buf_reserve(out, INFLATE_STEP)) {
			st = 500;
			break;
		}
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = INFLATE_STEP;
		int r = inflate(&z, Z_NO_FLUSH);
		out->len += INFLATE_STEP - z.avail_out;
		if (out->len > PP_API_MAX_BODY) {
			st = 413;
			break;
		}
		if (r == Z_STREAM_END)
			break;
		if (r != Z_OK) {
			st = 400;
			break;
		}
	}
	inflateEnd(&z);
	return st;
}

/* The precision= argument; -1 when it is not one InfluxDB knows. */
static int precision(const char *p)
{
	if (!p || !strcmp(p, "ns") || !strcmp(p, "n"))
		return PP_PREC_NS;
	if (!strcmp(p, "s"))
		return PP_PREC_S;
	if (!strcmp(p, "ms"))
		return PP_PREC_MS;
	if (!strcmp(p, "u") || !strcmp(p, "us"))
		return PP_PREC_US;
	return -1;
}

/* Parses the lines and hands the samples over when every line is good. */
static void ingest(struct pp_api *a, const char *text, size_t len, int prec,
		   struct api_resp *rs)
{
	struct pp_lineproto_result res;
	pp_lineproto_result_init(&res);
	int64_t now = api_now(a);
	if (pp_lineproto_parse(text, len, (enum pp_lineproto_precision)prec, now, &res)) {
		api_fail(rs, 500, "out of memory");
	} else if (res.nbad) {
		/* InfluxDB's answer to a partly bad batch is 400 with the first
		 * reason; the good lines are not applied either. */
		atomic_fetch_add(&a->bad_lines, res.nbad);
		char msg[300];
		snprintf(msg, sizeof msg, "%zu bad line(s); line %zu: %s", res.nbad,
			 res.errors[0].line, res.errors[0].reason);
		api_fail(rs, 400, msg);
	} else {
		int breach = 0;
		pp_ctl_ingest(a->ctl, res.samples, res.nsamples, now, &breach);
		if (breach && a->on_breach)
			a->on_breach(a->ud);
		rs->status = 204;
		rs->ctype = "text/plain";
	}
	pp_lineproto_result_free(&res);
}

void api_write(struct pp_api *a, const struct api_req *rq, struct api_resp *rs)
{
	int prec = precision(api_query(rq, "precision"));
	const char *enc = api_header(rq, "Content-Encoding");
	if (enc && strcmp(enc, "gzip") && strcmp(enc, "identity")) {
		api_fail(rs, 415, "Content-Encoding: expected gzip or identity");
		return;
	}
	if (enc && !strcmp(enc, "gzip")) {
		struct pp_buf plain;
		pp_buf_init(&plain);
		size_t taken = 0;
		unsigned st = inflate_body(a, rq->body, rq->len, &plain, &taken);
		if (st == 503)
			atomic_fetch_add(&a->guard.body_refused, 1);
		if (st)
			api_fail(rs, st, st == 413 ? "body too large once inflated (limit 32 MiB)"
					 : st == 503 ? "busy: the bodies of other requests fill the "
						       "server's buffer; retry"
					 : st == 400 ? "body is not valid gzip" : "out of memory");
		else if (prec < 0)
			api_fail(rs, 400, "precision: expected ns, us, ms or s");
		else
			ingest(a, plain.data ? plain.data : "", plain.len, prec, rs);
		pp_buf_free(&plain);
		api_body_give(a, taken);
		return;
	}
	if (prec < 0)
		api_fail(rs, 400, "precision: expected ns, us, ms or s");
	else
		ingest(a, rq->body ? rq->body : "", rq->len, prec, rs);
}
