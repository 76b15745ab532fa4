/* output.c - the output set: per-output batching, bounded queue, sender
 * thread, spool and counters.
 *
 * Ordering rule: the spool always holds older data than the memory queue.
 * So whenever the spool is not empty the sender first moves the queue onto
 * the spool's tail and sends from the spool's head; a batch that fails in
 * flight goes back to the spool's head. A store that comes back therefore
 * gets every point, in the order it was written. */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "powerpark/clock.h"
#include "powerpark/lineproto.h"
#include "powerpark/log.h"
#include "powerpark/output.h"
#include "spool.h"
#include "transport.h"

struct batch {
	struct batch *next;
	char *data;
	size_t len, lines;
};

struct output {
	struct pp_output_conf conf;
	char *name;
	unsigned flags;
	const struct transport *tx;
	void *txctx;
	struct spool *spool;
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pp_buf cur;
	size_t cur_lines;
	int64_t cur_t0;
	struct batch *qh, *qt;
	size_t qn;
	int inflight;
	int stop;
	int64_t drain_deadline;
	struct pp_output_stats st;
	struct pp_log_backoff lb;
	int64_t backoff_ms, next_try;
	uint64_t rng;
};

struct pp_output {
	struct output *o;
	size_t n;
	char *site;
};

#define MS (1000000LL)
#define PP_OUT_FIRST_BACKOFF_MS 100 /* the first retry; it doubles up to retry_max_ms */
#define PP_OUT_MAX_SLEEP_MS 1000    /* the sender looks at its clocks at least this often */

static void queue_push(struct output *o, struct batch *b)
{
	b->next = NULL;
	if (o->qt)
		o->qt->next = b;
	else
		o->qh = b;
	o->qt = b;
	o->qn++;
}

static struct batch *queue_pop(struct output *o)
{
	struct batch *b = o->qh;
	if (b) {
		o->qh = b->next;
		if (!o->qh)
			o->qt = NULL;
		o->qn--;
	}
	return b;
}

static void batch_free(struct batch *b)
{
	if (b) {
		free(b->data);
		free(b);
	}
}

/* Moves the whole memory queue onto the spool's tail, in order. Lock held. */
static void spill_queue(struct output *o)
{
	struct batch *b;
	while ((b = queue_pop(o))) {
		struct pp_errbuf eb;
		enum pp_err e = spool_push(o->spool, b->data, b->len, b->lines, 0, &o->st.dropped,
					   &eb);
		if (!e) {
			o->st.spooled += b->lines;
		} else if (e != PP_ERR_FULL) { /* PP_ERR_FULL: the spool counted and logged it */
			pp_log(PP_LOG_ERROR, "output", "%s: %s; %zu points dropped", o->name, eb.msg,
			       b->lines);
			o->st.dropped += b->lines;
		}
		batch_free(b);
	}
}

/* Turns the current batch into a queued one. Lock held. */
static void seal(struct output *o)
{
	if (!o->cur_lines)
		return;
	struct batch *b = malloc(sizeof *b);
	if (!b) {
		o->st.dropped += o->cur_lines;
		pp_buf_reset(&o->cur);
		o->cur_lines = 0;
		return;
	}
	b->data = pp_buf_steal(&o->cur, &b->len);
	b->lines = o->cur_lines;
	o->cur_lines = 0;
	if (o->qn >= o->conf.queue_batches) {
		if (o->spool) {
			spill_queue(o);
		} else {
			struct batch *old = queue_pop(o);
			pp_log(PP_LOG_ERROR, "output", "%s: queue full and no spool: dropped %zu "
						       "points", o->name, old->lines);
			o->st.dropped += old->lines;
			batch_free(old);
		}
	}
	queue_push(o, b);
	pthread_cond_signal(&o->cv);
}

static size_t count_nl(const char *p, size_t len)
{
	size_t n = 0;
	for (const char *e = p + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		n++;
	return n;
}

/* Sends one batch, splitting it on 413. Returns the worst result. */
static enum tx_result send_batch(struct output *o, const char *data, size_t len, size_t lines,
				 int *retry_after_ms, size_t *rejected, struct pp_errbuf *eb)
{
	size_t rej = 0;
	enum tx_result r = o->tx->send(o->txctx, data, len, lines, &rej, retry_after_ms, eb);
	if (r == TX_REJECTED)
		*rejected += rej;
	if (r != TX_TOO_LARGE)
		return r;
	size_t nl = count_nl(data, len);
	if (nl <= 1) {
		pp_log(PP_LOG_ERROR, "output", "%s: a single line is too large for the store; "
					       "dropped", o->name);
		*rejected += lines;
		return TX_REJECTED;
	}
	/* split at the newline that ends the first half of the lines */
	size_t half = nl / 2, seen = 0, cut = 0;
	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n' && ++seen == half) {
			cut = i + 1;
			break;
		}
	size_t l1 = lines * half / nl, l2 = lines - l1;
	enum tx_result a = send_batch(o, data, cut, l1, retry_after_ms, rejected, eb);
	if (a == TX_RETRY)
		return a;
	enum tx_result b = send_batch(o, data + cut, len - cut, l2, retry_after_ms, rejected, eb);
	if (b == TX_RETRY)
		return b;
	return a == TX_REJECTED || b == TX_REJECTED ? TX_REJECTED : TX_OK;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Bookkeeping after an attempt. Lock held. */
static void after_send(struct output *o, enum tx_result r, size_t lines, size_t rejected,
		       int retry_after_ms, const struct pp_errbuf *eb)
{
	int64_t now = pp_clock_mono_ns();
	if (r == TX_RETRY) {
		o->st.retried++;
		o->st.up = 0;
		o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : PP_OUT_FIRST_BACKOFF_MS;
		if (o->backoff_ms > o->conf.retry_max_ms)
			o->backoff_ms = o->conf.retry_max_ms;
		/* jitter: half fixed, half random, so many collectors do not retry in step */
		int64_t d = o->backoff_ms / 2 + (int64_t)(xorshift(&o->rng) % (uint64_t)(o->backoff_ms / 2 + 1));
		if (retry_after_ms > d)
			d = retry_after_ms;
		o->next_try = now + d * MS;
		if (pp_log_backoff_hit(&o->lb, now))
			pp_log(PP_LOG_WARN, "output", "%s: %s (failure %" PRIu64 "; retry in %" PRId64
						      " ms%s)", o->name, eb->msg, o->lb.count, d,
			       o->spool ? ", spooling" : "");
		return;
	}
	if (o->lb.count) {
		uint64_t n = pp_log_backoff_reset(&o->lb);
		pp_log(PP_LOG_INFO, "output", "%s: store reachable again after %" PRIu64 " failures",
		       o->name, n);
	}
	o->st.up = 1;
	o->backoff_ms = 0;
	o->next_try = 0;
	o->st.rejected += rejected;
	o->st.sent += lines - (rejected < lines ? rejected : lines);
	if (r == TX_REJECTED)
		pp_log(PP_LOG_ERROR, "output", "%s: store rejected %zu of %zu points, not resent: %s",
		       o->name, rejected, lines, eb->msg);
}

static void *sender(void *arg)
{
	struct output *o = arg;
	pthread_mutex_lock(&o->mu);
	for (;;) {
		int64_t now = pp_clock_mono_ns();
		if (o->cur_lines && (o->stop || now - o->cur_t0 >= o->conf.flush_ms * MS))
			seal(o);
		if (o->stop && now >= o->drain_deadline)
			break;
		int have = o->qn || (o->spool && spool_count(o->spool));
		if (!have && o->stop)
			break;
		if (have && now >= o->next_try) {
			struct pp_errbuf eb = {{0}};
			int ra = 0;
			size_t rej = 0;
			enum tx_result r;
			if (o->spool && spool_count(o->spool)) {
				spill_queue(o);
				char *data;
				size_t len, lines;
				uint64_t seq;
				if (spool_peek(o->spool, &data, &len, &lines, &seq, &eb) || !data) {
					o->next_try = now + PP_OUT_MAX_SLEEP_MS * MS;
					continue;
				}
				o->inflight = 1;
				pthread_mutex_unlock(&o->mu);
				r = send_batch(o, data, len, lines, &ra, &rej, &eb);
				pthread_mutex_lock(&o->mu);
				o->inflight = 0;
				free(data);
				if (r != TX_RETRY)
					spool_pop(o->spool, seq);
				after_send(o, r, lines, rej, ra, &eb);
			} else {
				struct batch *b = queue_pop(o);
				o->inflight = 1;
				pthread_mutex_unlock(&o->mu);
				r = send_batch(o, b->data, b->len, b->lines, &ra, &rej, &eb);
				pthread_mutex_lock(&o->mu);
				o->inflight = 0;
				after_send(o, r, b->lines, rej, ra, &eb);
				/* failed: to the spool's head, being older than all in it */
				enum pp_err e = r == TX_RETRY && o->spool
							? spool_push(o->spool, b->data, b->len,
								     b->lines, 1, &o->st.dropped, &eb)
							: PP_ERR_ARG;
				if (e == PP_OK)
					o->st.spooled += b->lines;
				if (r == TX_RETRY && e != PP_OK && e != PP_ERR_FULL) {
					/* no spool (or it failed): keep it first in line */
					b->next = o->qh;
					o->qh = b;
					if (!o->qt)
						o->qt = b;
					o->qn++;
				} else { /* sent, spooled, or with no room for the oldest
					  * data dropped (counted by the spool) */
					batch_free(b);
				}
			}
			if (r == TX_RETRY && o->stop)
				break; /* store down while stopping: spool the rest now */
			continue;
		}
		/* sleep until the flush deadline, the retry time or a signal */
		int64_t wake = now + PP_OUT_MAX_SLEEP_MS * MS;
		if (o->cur_lines && o->cur_t0 + o->conf.flush_ms * MS < wake)
			wake = o->cur_t0 + o->conf.flush_ms * MS;
		if (have && o->next_try < wake)
			wake = o->next_try;
		if (o->stop && o->drain_deadline < wake)
			wake = o->drain_deadline;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t d = wake - now;
		if (d < 0)
			d = 0;
		ts.tv_sec += (time_t)(d / 1000000000LL);
		ts.tv_nsec += (long)(d % 1000000000LL);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&o->cv, &o->mu, &ts);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* The transports of pp_output_create: by the conf's type. */
static enum pp_err tx_by_type(const struct pp_output_conf *c, void *arg,
			      const struct transport **t, void **ctx, struct pp_errbuf *eb)
{
	(void)arg;
	return c->type == PP_OUT_FILE ? tx_file_create(c, t, ctx, eb)
				      : tx_http_create(c, t, ctx, eb);
}

static enum pp_err output_init(struct output *o, const struct pp_output_conf *c,
			       tx_create_fn create, void *arg, struct pp_errbuf *eb)
{
	/* lock and buffer first: output_stop/fini run on a half-built output too */
	pp_buf_init(&o->cur);
	pthread_mutex_init(&o->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->cv, &ca);
	pthread_condattr_destroy(&ca);
	o->conf = *c;
	o->name = strdup(c->name ? c->name : "output");
	if (!o->name)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	o->flags = c->unsigned_ok ? 0 : PP_LP_NO_UINT;
	o->rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)pp_clock_wall_ns();
	enum pp_err e = create(c, arg, &o->tx, &o->txctx, eb);
	if (e)
		return e;
	if (c->spool_dir && (e = spool_open(c->spool_dir, c->spool_max_bytes, &o->spool, eb)))
		return e;
	if (pthread_create(&o->th, NULL, sender, o))
		return pp_err_set(eb, PP_ERR_NOMEM, "%s: cannot start sender thread", o->name);
	o->started = 1;
	return PP_OK;
}

/* Joins the sender (told to stop by pp_output_stop, so all outputs drain in
 * parallel) and spools or drops what is left. */
static void output_stop(struct output *o)
{
	if (o->started) {
		pthread_join(o->th, NULL);
		o->started = 0;
	}
	pthread_mutex_lock(&o->mu);
	seal(o);
	if (o->qn) {
		if (o->spool) {
			size_t n = 0;
			for (struct batch *b = o->qh; b; b = b->next)
				n += b->lines;
			uint64_t before = o->st.spooled;
			spill_queue(o);
			pp_log(PP_LOG_INFO, "output", "%s: %" PRIu64 " of %zu unsent points kept in "
						      "the spool for the next start", o->name,
			       o->st.spooled - before, n);
		} else {
			struct batch *b;
			size_t n = 0;
			while ((b = queue_pop(o))) {
				n += b->lines;
				batch_free(b);
			}
			o->st.dropped += n;
			pp_log(PP_LOG_ERROR, "output", "%s: stopped with %zu unsent points and no "
						       "spool: dropped", o->name, n);
		}
	}
	pthread_mutex_unlock(&o->mu);
}

static void output_fini(struct output *o)
{
	if (o->tx)
		o->tx->destroy(o->txctx);
	spool_close(o->spool);
	pp_buf_free(&o->cur);
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	free(o->name);
}

enum pp_err pp_output_create(const struct pp_output_conf *confs, size_t n, const char *site,
			     struct pp_output **out, struct pp_errbuf *eb)
{
	return output_create_tx(confs, n, site, tx_by_type, NULL, out, eb);
}

enum pp_err output_create_tx(const struct pp_output_conf *confs, size_t n, const char *site,
			     tx_create_fn create, void *arg, struct pp_output **out,
			     struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_output *s = calloc(1, sizeof *s);
	if (!s || !(s->o = calloc(n ? n : 1, sizeof *s->o)) ||
	    !(s->site = strdup(site ? site : "unknown"))) {
		if (s)
			free(s->o);
		free(s);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		enum pp_err e = output_init(&s->o[i], &confs[i], create, arg, eb);
		s->n = i + 1;
		if (e) {
			pp_output_destroy(s, 0);
			return e;
		}
	}
	*out = s;
	return PP_OK;
}

enum pp_err pp_output_write(struct pp_output *set, const struct pp_sample *s, size_t n)
{
	enum pp_err worst = PP_OK;
	for (size_t i = 0; i < set->n; i++) {
		struct output *o = &set->o[i];
		pthread_mutex_lock(&o->mu);
		for (size_t k = 0; k < n; k++) {
			struct pp_errbuf eb;
			if (!o->cur_lines)
				o->cur_t0 = pp_clock_mono_ns();
			if (pp_lineproto_encode(&o->cur, &s[k], o->flags, &eb)) {
				o->st.dropped++;
				worst = PP_ERR_ARG;
				continue;
			}
			o->cur_lines++;
			o->st.queued++;
			if (o->cur_lines >= o->conf.batch_lines || o->cur.len >= o->conf.batch_bytes)
				seal(o);
		}
		pthread_mutex_unlock(&o->mu);
	}
	return worst;
}

void pp_output_flush(struct pp_output *set)
{
	for (size_t i = 0; i < set->n; i++) {
		pthread_mutex_lock(&set->o[i].mu);
		seal(&set->o[i]);
		pthread_mutex_unlock(&set->o[i].mu);
	}
}

const char *pp_output_get_stats(struct pp_output *set, size_t i, struct pp_output_stats *st)
{
	if (i >= set->n)
		return NULL;
	struct output *o = &set->o[i];
	pthread_mutex_lock(&o->mu);
	*st = o->st;
	st->queue_batches = o->qn;
	st->spool_bytes = o->spool ? spool_bytes(o->spool) : 0;
	st->lost = st->dropped > 0;
	st->spool_full = o->spool && spool_full(o->spool);
	pthread_mutex_unlock(&o->mu);
	return o->name;
}

enum pp_err pp_output_write_stats(struct pp_output *set, int64_t ts_ns)
{
	for (size_t i = 0; i < set->n; i++) {
		struct pp_output_stats st;
		const char *name = pp_output_get_stats(set, i, &st);
		struct pp_tag tags[] = {{"site", set->site}, {"output", name}};
		struct pp_field f[] = {
			{.key = "queued", .type = PP_F_INT, .v.i = (int64_t)st.queued},
			{.key = "sent", .type = PP_F_INT, .v.i = (int64_t)st.sent},
			{.key = "retried", .type = PP_F_INT, .v.i = (int64_t)st.retried},
			{.key = "spooled", .type = PP_F_INT, .v.i = (int64_t)st.spooled},
			{.key = "dropped", .type = PP_F_INT, .v.i = (int64_t)st.dropped},
			{.key = "rejected", .type = PP_F_INT, .v.i = (int64_t)st.rejected},
			{.key = "queue_batches", .type = PP_F_INT, .v.i = (int64_t)st.queue_batches},
			{.key = "spool_bytes", .type = PP_F_INT, .v.i = (int64_t)st.spool_bytes},
			{.key = "up", .type = PP_F_BOOL, .v.b = st.up},
			{.key = "lost", .type = PP_F_BOOL, .v.b = st.lost},
			{.key = "spool_full", .type = PP_F_BOOL, .v.b = st.spool_full},
		};
		struct pp_sample s = {"output", tags, 2, f, sizeof f / sizeof f[0], ts_ns, 1};
		enum pp_err e = pp_output_write(set, &s, 1);
		if (e)
			return e;
	}
	return PP_OK;
}

uint64_t pp_output_lost(struct pp_output *set)
{
	uint64_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		pthread_mutex_lock(&set->o[i].mu);
		n += set->o[i].st.dropped;
		pthread_mutex_unlock(&set->o[i].mu);
	}
	return n;
}

int pp_output_idle(struct pp_output *set)
{
	int idle = 1;
	for (size_t i = 0; i < set->n && idle; i++) {
		struct output *o = &set->o[i];
		pthread_mutex_lock(&o->mu);
		idle = !o->qn && !o->cur_lines && !o->inflight &&
		       !(o->spool && spool_count(o->spool));
		pthread_mutex_unlock(&o->mu);
	}
	return idle;
}

void pp_output_stop(struct pp_output *set, int drain_ms)
{
	for (size_t i = 0; i < set->n; i++) {
		pthread_mutex_lock(&set->o[i].mu);
		set->o[i].stop = 1;
		set->o[i].drain_deadline = pp_clock_mono_ns() + (int64_t)drain_ms * MS;
		pthread_cond_signal(&set->o[i].cv);
		pthread_mutex_unlock(&set->o[i].mu);
	}
	for (size_t i = 0; i < set->n; i++)
		output_stop(&set->o[i]);
}

void pp_output_destroy(struct pp_output *set, int drain_ms)
{
	if (!set)
		return;
	pp_output_stop(set, drain_ms);
	for (size_t i = 0; i < set->n; i++)
		output_fini(&set->o[i]);
	free(set->o);
	free(set->site);
	free(set);
}
