/* control_repl.c - the state a next leader needs (ctl.h's pp_ctl_state_*;
 * docs/ha.md): the caps issued per rack with the leases they went out on,
 * the scheduler's view (the job on each rack, the jobs held back and since
 * when), the signalled grid events and the learned base loads. A text of
 * one record per line, fields separated by tabs, text fields with '%',
 * tab, CR and newline percent-encoded ("-" for an empty one):
 *
 *   powerpark-state 1
 *   rack NAME CAP_MW CAP_NS TARGET_MW LEASE_UNTIL_NS EXTRA_MW JOB CLASS WEIGHT IDLE
 *   held ID GPUS SINCE_NS REASON
 *   event ID START_S END_S LIMIT_KW SIGNALLED_NS
 *
 * Powers per GPU in integer milliwatts (rounded down), the event's limit in
 * kW. Times are Unix nanoseconds (seconds for events), as the controller
 * keeps them. A record that does not read is skipped and counted, never
 * half applied; a rack the configuration lacks is skipped the same way. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "powerpark/buf.h"
#include "powerpark/gpu.h"

#define PP_REPL_MAGIC "powerpark-state 1"
#define PP_REPL_FIELDS 12 /* the most a record has, with its kind */
#define PP_REPL_TEXT 256  /* a decoded text field, with the NUL */

/* --- writing -------------------------------------------------------------- */

static enum pp_err put_text(struct pp_buf *b, const char *s)
{
	if (!s || !*s)
		return pp_buf_append(b, "\t-", 2);
	if (!strcmp(s, "-")) /* "-" alone is the empty text */
		return pp_buf_append(b, "\t%2D", 4);
	enum pp_err e = pp_buf_append(b, "\t", 1);
	while (*s && !e) {
		size_t n = strcspn(s, "%\t\n\r"); /* a run as it is, then one escape */
		e = pp_buf_append(b, s, n);
		s += n;
		if (*s && !e) {
			e = pp_buf_appendf(b, "%%%02X", (unsigned char)*s);
			s++;
		}
	}
	return e;
}

/* Watts rounded down to the milliwatt; a value already on that grid (one
 * read back) stays itself, so a round trip changes nothing (1e-9 W of
 * slack for the binary fraction), and one just below the grid is never
 * rounded up onto it (381.99999999999977 W is 381.999, not 382: a cap
 * taken over is never above the one issued). */
static long long down_mw(double w)
{
	double mw = floor(w * 1000 + 1e-6);
	if (mw / 1000 > w)
		mw -= 1;
	return isfinite(mw) ? (long long)fmax(-1e12, fmin(1e12, mw)) : 0;
}

enum pp_err pp_ctl_state_export(struct pp_ctl *c, struct pp_buf *out)
{
	pp_buf_reset(out);
	pthread_mutex_lock(&c->mu);
	enum pp_err e = pp_buf_append(out, PP_REPL_MAGIC "\n", sizeof PP_REPL_MAGIC);
	for (size_t i = 0; i < c->nracks && !e; i++) {
		const struct crack *r = &c->racks[i];
		if (!r->cap_ns) /* nothing issued yet */
			continue;
		e = pp_buf_append(out, "rack", 4);
		e = e ? e : put_text(out, r->cfg->name);
		/* Milliwatts, rounded down: a cap taken over is never above the one
		 * issued. Integers, because formatting 1,600 racks' doubles every
		 * cycle costs milliseconds under the state's lock. */
		char num[160];
		snprintf(num, sizeof num, "\t%lld\t%lld\t%lld\t%lld\t%lld", down_mw(r->cap_w),
			 (long long)r->cap_ns, down_mw(r->target_w), (long long)r->lease_until_ns,
			 down_mw(r->extra_w));
		e = e ? e : pp_buf_append(out, num, strlen(num));
		e = e ? e : put_text(out, r->job);
		snprintf(num, sizeof num, "\t%d\t%.9g\t%d\n", r->cls, r->weight, r->idle);
		e = e ? e : pp_buf_append(out, num, strlen(num));
	}
	for (size_t i = 0; i < c->held.n && !e; i++) {
		const struct chold *h = &c->held.v[i];
		e = pp_buf_append(out, "held", 4);
		e = e ? e : put_text(out, h->id);
		e = e ? e : pp_buf_appendf(out, "\t%d\t%lld", h->gpus, (long long)h->since_ns);
		e = e ? e : put_text(out, h->reason);
		e = e ? e : pp_buf_append(out, "\n", 1);
	}
	for (size_t i = 0; i < c->grid.nev && !e; i++) {
		const struct cevent *v = &c->grid.ev[i];
		if (!v->signalled_ns) /* configured ones every replica has */
			continue;
		e = pp_buf_append(out, "event", 5);
		e = e ? e : put_text(out, v->id);
		e = e ? e : pp_buf_appendf(out, "\t%lld\t%lld\t%.6f\t%lld\n", (long long)v->start_s,
					   (long long)v->end_s, floor(v->limit_kw * 1e6 + 1e-6) / 1e6,
					   (long long)v->signalled_ns);
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

/* --- reading -------------------------------------------------------------- */

/* Decodes a text field into out (PP_REPL_TEXT); -1 when it does not fit or
 * has a bad escape. "-" is the empty text. */
static int get_text(const char *f, char *out)
{
	size_t n = 0;
	if (!strcmp(f, "-")) {
		out[0] = 0;
		return 0;
	}
	for (; *f; f++) {
		unsigned v = (unsigned char)*f;
		if (*f == '%') {
			char hex[3] = {f[1], f[1] ? f[2] : 0, 0};
			char *end;
			v = (unsigned)strtoul(hex, &end, 16);
			if (end != hex + 2 || v == 0)
				return -1;
			f += 2;
		}
		if (n + 1 >= PP_REPL_TEXT)
			return -1;
		out[n++] = (char)v;
	}
	out[n] = 0;
	return 0;
}

static int get_num(const char *f, double lo, double hi, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(f, &end);
	return *f && !*end && !errno && isfinite(*v) && *v >= lo && *v <= hi ? 0 : -1;
}

static int get_ll(const char *f, long long *v)
{
	char *end;
	errno = 0;
	*v = strtoll(f, &end, 10);
	return *f && !*end && !errno && *v >= 0 ? 0 : -1;
}

/* One rack record (f[1..10]); -1 when it does not read or names no rack. */
static int rack_rec(struct pp_ctl *c, char **f, size_t nf)
{
	char name[PP_REPL_TEXT], job[PP_REPL_TEXT];
	double cap, target, extra, weight, cls, idle;
	long long cap_ns, lease_ns;
	if (nf != 11 || get_text(f[1], name) || get_num(f[2], 0, 1e8, &cap) ||
	    get_ll(f[3], &cap_ns) || get_num(f[4], 0, 1e8, &target) || get_ll(f[5], &lease_ns) ||
	    get_num(f[6], -1e12, 1e12, &extra) || get_text(f[7], job) ||
	    strlen(job) >= PP_CTL_ID_MAX || get_num(f[8], PP_JOB_TRAINING, PP_JOB_BATCH, &cls) ||
	    cls != floor(cls) || get_num(f[9], 1e-9, 1e6, &weight) || get_num(f[10], 0, 1, &idle))
		return -1;
	struct crack *r = pp_ctl_rack(c, name);
	if (!r)
		return -1;
	/* The caps the agents hold: the cycle after a takeover starts from
	 * them (falls at once, rises at the normal rate), always in range. */
	cap /= 1000, target /= 1000, extra /= 1000; /* milliwatts */
	r->cap_w = pp_gpu_clamp_cap(r->gpu, cap);
	r->cap_ns = cap_ns;
	r->cap_hist[0] = r->cap_w;
	r->cap_hist_ns[0] = cap_ns;
	r->target_w = pp_gpu_clamp_cap(r->gpu, target);
	if (lease_ns > r->lease_until_ns)
		r->lease_until_ns = lease_ns;
	r->extra_w = extra;
	snprintf(r->job, sizeof r->job, "%s", job);
	pp_ctl_set_class(r, (int)cls);
	r->weight = weight;
	r->idle = idle != 0;
	return 0;
}

static int held_rec(struct pp_ctl *c, char **f, size_t nf)
{
	char id[PP_REPL_TEXT], reason[PP_REPL_TEXT];
	double gpus;
	long long since;
	if (nf != 5 || get_text(f[1], id) || !id[0] || strlen(id) >= PP_CTL_ID_MAX ||
	    get_num(f[2], 0, 1e7, &gpus) || get_ll(f[3], &since) || get_text(f[4], reason))
		return -1;
	struct chold *h = pp_ctl_held_get(&c->held, id, since);
	if (!h)
		return -1;
	/* The waiting time runs from when the first leader held it. */
	h->since_ns = since;
	h->gpus = (int)gpus;
	snprintf(h->reason, sizeof h->reason, "%s", reason);
	return 0;
}

static int event_rec(struct pp_ctl *c, char **f, size_t nf)
{
	char id[PP_REPL_TEXT];
	long long start, end, sig;
	double limit;
	if (nf != 6 || get_text(f[1], id) || !id[0] || strlen(id) >= PP_CTL_ID_MAX ||
	    get_ll(f[2], &start) || get_ll(f[3], &end) || end <= start ||
	    get_num(f[4], 1e-9, 1e12, &limit) || get_ll(f[5], &sig) || !sig)
		return -1;
	struct cevent *ev = pp_ctl_event_find(&c->grid, id);
	if (ev && ev->signalled_ns > sig)
		return 0; /* this replica was told later: its own stands */
	if (!ev && !(ev = pp_ctl_event_add(&c->grid, id)))
		return -1;
	ev->start_s = start;
	ev->end_s = end;
	ev->limit_kw = limit;
	ev->signalled_ns = sig;
	return 0;
}

/* Splits line (modified) at tabs into f; returns how many fields. */
static size_t split(char *line, char **f)
{
	size_t n = 0;
	for (char *p = line; n < PP_REPL_FIELDS;) {
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
	return n;
}

enum pp_err pp_ctl_state_import(struct pp_ctl *c, const char *text, size_t len, size_t *bad,
				struct pp_errbuf *eb)
{
	*bad = 0;
	if (!len)
		return PP_OK;
	size_t ml = sizeof PP_REPL_MAGIC - 1;
	if (len < ml + 1 || memcmp(text, PP_REPL_MAGIC, ml) || text[ml] != '\n')
		return pp_err_set(eb, PP_ERR_PARSE, "not a powerpark state (version 1)");
	if (memchr(text, 0, len))
		return pp_err_set(eb, PP_ERR_PARSE, "a NUL byte in the state");
	char *copy = malloc(len + 1);
	if (!copy)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = 0;
	pthread_mutex_lock(&c->mu);
	c->state_gen++;
	char *save = NULL;
	for (char *line = strtok_r(copy + ml + 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[PP_REPL_FIELDS];
		size_t nf = split(line, f);
		int rc = !strcmp(f[0], "rack")	  ? rack_rec(c, f, nf)
			 : !strcmp(f[0], "held")  ? held_rec(c, f, nf)
			 : !strcmp(f[0], "event") ? event_rec(c, f, nf)
						  : -1;
		*bad += rc != 0;
	}
	pthread_mutex_unlock(&c->mu);
	free(copy);
	return PP_OK;
}
