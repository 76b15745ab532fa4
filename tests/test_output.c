/* test_output.c - the output set and its spool against a fake store: batches
 * close by size and by age; a store that fails (5xx, 429, timeouts) gets the
 * batch again with back-off, and every point in order; 413 splits a batch,
 * 400 is counted and never resent; a full queue spills to the spool, which
 * a restart replays in order and, when room is short (its cap, or the disk
 * full: a fake one here, a real tmpfs in it_outputs.sh), drops the oldest
 * batches. Every counter is checked exactly.
 *
 * No sleep stands for "it has happened": the fake store signals each call on
 * a condition variable, and the set's own state (pp_output_idle, its
 * counters) is polled with a deadline. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../collector/spool.h"
#include "../collector/transport.h"
#include "powerpark/clock.h"
#include "powerpark/config.h"
#include "powerpark/lineproto.h"
#include "powerpark/output.h"
#include "pp_test.h"

#define WAIT_S 10          /* a deadline no healthy run comes near */
#define FAKE_MAX_CALLS 64
#define FAKE_MAX_SCRIPT 8

/* --- the fake store -------------------------------------------------------- */

struct fake_call {
	size_t lines, len;
	int64_t t_ns;
	enum tx_result r;
};

struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the answers to the next calls, then `then` for every later one */
	struct {
		enum tx_result r;
		size_t rejected;
		int retry_after_ms;
	} script[FAKE_MAX_SCRIPT];
	size_t nscript, next;
	enum tx_result then;
	int then_retry_after_ms;
	size_t too_large;     /* > 0: a batch of more bytes than this gets 413 */
	int hold, holding;    /* while hold, a call waits (a batch held in flight) */
	struct fake_call calls[FAKE_MAX_CALLS];
	size_t ncalls;
	struct pp_buf stored; /* what the store took, in order */
};

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof *f);
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	pp_buf_init(&f->stored);
	f->then = TX_OK;
}

static void fake_fini(struct fake *f)
{
	pp_buf_free(&f->stored);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
}

static void fake_script(struct fake *f, enum tx_result r, size_t rejected, int retry_after_ms)
{
	pthread_mutex_lock(&f->mu);
	f->script[f->nscript].r = r;
	f->script[f->nscript].rejected = rejected;
	f->script[f->nscript++].retry_after_ms = retry_after_ms;
	pthread_mutex_unlock(&f->mu);
}

static enum tx_result fake_send(void *ctx, const char *data, size_t len, size_t lines,
				size_t *rejected, int *retry_after_ms, struct pp_errbuf *eb)
{
	struct fake *f = ctx;
	pthread_mutex_lock(&f->mu);
	enum tx_result r = f->then;
	int ra = f->then_retry_after_ms;
	size_t rej = 0;
	if (f->too_large && len > f->too_large) {
		r = TX_TOO_LARGE;
	} else if (f->next < f->nscript) {
		r = f->script[f->next].r;
		rej = f->script[f->next].rejected;
		ra = f->script[f->next++].retry_after_ms;
	}
	if (f->ncalls < FAKE_MAX_CALLS)
		f->calls[f->ncalls] = (struct fake_call){lines, len, pp_clock_mono_ns(), r};
	f->ncalls++;
	pthread_cond_broadcast(&f->cv);
	while (f->hold) {
		f->holding = 1;
		pthread_cond_broadcast(&f->cv);
		pthread_cond_wait(&f->cv, &f->mu);
	}
	f->holding = 0;
	if (r == TX_OK && pp_buf_append(&f->stored, data, len))
		r = TX_RETRY;
	pthread_mutex_unlock(&f->mu);
	if (r == TX_REJECTED)
		*rejected = rej;
	if (r == TX_RETRY && ra)
		*retry_after_ms = ra;
	if (r != TX_OK)
		pp_err_set(eb, r == TX_RETRY ? PP_ERR_NET : PP_ERR_REJECTED, "fake store: %s",
			   r == TX_RETRY ? "503" : r == TX_TOO_LARGE ? "413" : "400");
	return r;
}

static void fake_destroy(void *ctx)
{
	(void)ctx; /* the test owns the fake */
}

static const struct transport fake_tx = {"fake", fake_send, fake_destroy};

static enum pp_err fake_create(const struct pp_output_conf *c, void *arg,
			       const struct transport **t, void **ctx, struct pp_errbuf *eb)
{
	(void)c;
	(void)eb;
	*t = &fake_tx;
	*ctx = arg;
	return PP_OK;
}

static struct timespec deadline(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	return ts;
}

/* Waits until the store has had n calls; 0 if the deadline passed. */
static int fake_wait_calls(struct fake *f, size_t n)
{
	struct timespec ts = deadline();
	int ok = 1;
	pthread_mutex_lock(&f->mu);
	while (f->ncalls < n && ok)
		ok = pthread_cond_timedwait(&f->cv, &f->mu, &ts) != ETIMEDOUT;
	ok = f->ncalls >= n;
	pthread_mutex_unlock(&f->mu);
	return ok;
}

/* Waits until a call is held in flight. */
static int fake_wait_holding(struct fake *f)
{
	struct timespec ts = deadline();
	int ok = 1;
	pthread_mutex_lock(&f->mu);
	while (!f->holding && ok)
		ok = pthread_cond_timedwait(&f->cv, &f->mu, &ts) != ETIMEDOUT;
	ok = f->holding;
	pthread_mutex_unlock(&f->mu);
	return ok;
}

static void fake_release(struct fake *f)
{
	pthread_mutex_lock(&f->mu);
	f->hold = 0;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* --- the set under test ---------------------------------------------------- */

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* Polls the set until nothing is queued, in flight or spooled. */
static int wait_idle(struct pp_output *set)
{
	int64_t end = pp_clock_mono_ns() + (int64_t)WAIT_S * 1000000000;
	while (!pp_output_idle(set)) {
		if (pp_clock_mono_ns() > end)
			return 0;
		nap_ms(1);
	}
	return 1;
}

/* Polls output 0's counter at offset off of its stats until it reaches n. */
static int wait_stat(struct pp_output *set, size_t off, uint64_t n)
{
	int64_t end = pp_clock_mono_ns() + (int64_t)WAIT_S * 1000000000;
	struct pp_output_stats st;
	uint64_t v;
	while (pp_output_get_stats(set, 0, &st), memcpy(&v, (char *)&st + off, sizeof v), v < n) {
		if (pp_clock_mono_ns() > end)
			return 0;
		nap_ms(1);
	}
	return 1;
}

static struct pp_output_conf conf(void)
{
	struct pp_output_conf c;
	memset(&c, 0, sizeof c);
	pp_config_output_defaults(&c);
	c.name = "fake";
	c.type = PP_OUT_INFLUXDB;
	c.url = "http://fake/write";
	c.flush_ms = 60000; /* batches close by size or flush unless a test says */
	c.batch_lines = 1000;
	c.batch_bytes = 1 << 20;
	c.queue_batches = 16;
	c.retry_max_ms = 1000;
	return c;
}

static struct pp_output *open_set(const struct pp_output_conf *c, struct fake *f)
{
	struct pp_output *set = NULL;
	struct pp_errbuf eb;
	enum pp_err e = output_create_tx(c, 1, "test", fake_create, f, &set, &eb);
	PT_CHECK(e == PP_OK, "create: %s", eb.msg);
	return set;
}

/* Point k: "m seq=Ki 1000", each as long as the others for k in 10..99. */
static struct pp_sample point(int k, struct pp_field *f)
{
	*f = (struct pp_field){.key = "seq", .type = PP_F_INT, .v.i = k};
	return (struct pp_sample){"m", NULL, 0, f, 1, 1000, 1};
}

static void write_points(struct pp_output *set, int from, int to)
{
	for (int k = from; k < to; k++) {
		struct pp_field f;
		struct pp_sample s = point(k, &f);
		PT_CHECK(pp_output_write(set, &s, 1) == PP_OK, "write %d", k);
	}
}

/* The line protocol of points [from, to), appended to out. */
static void expect_points(struct pp_buf *out, int from, int to)
{
	for (int k = from; k < to; k++) {
		struct pp_field f;
		struct pp_sample s = point(k, &f);
		struct pp_errbuf eb;
		if (pp_lineproto_encode(out, &s, PP_LP_NO_UINT, &eb))
			PT_CHECK(0, "encode %d: %s", k, eb.msg);
	}
}

static size_t point_len(void)
{
	struct pp_buf b;
	pp_buf_init(&b);
	expect_points(&b, 10, 11);
	size_t n = b.len;
	pp_buf_free(&b);
	return n;
}

/* The store holds exactly what want holds. */
static void check_stored(struct fake *f, const struct pp_buf *want)
{
	pthread_mutex_lock(&f->mu);
	int same = f->stored.len == want->len &&
		   (!want->len || !memcmp(f->stored.data, want->data, want->len));
	PT_CHECK(same, "stored:\n%.*s\nwant:\n%.*s", (int)f->stored.len,
		 f->stored.data ? f->stored.data : "", (int)want->len,
		 want->data ? want->data : "");
	pthread_mutex_unlock(&f->mu);
}

struct counts {
	uint64_t queued, sent, retried, spooled, dropped, rejected;
};

static void check_counts(struct pp_output *set, struct counts w)
{
	struct pp_output_stats st;
	PT_CHECK(pp_output_get_stats(set, 0, &st) != NULL, "stats");
	PT_CHECK(st.queued == w.queued && st.sent == w.sent && st.retried == w.retried &&
		 st.spooled == w.spooled && st.dropped == w.dropped && st.rejected == w.rejected,
		 "counters: queued %llu sent %llu retried %llu spooled %llu dropped %llu rejected "
		 "%llu; want %llu %llu %llu %llu %llu %llu",
		 (unsigned long long)st.queued, (unsigned long long)st.sent,
		 (unsigned long long)st.retried, (unsigned long long)st.spooled,
		 (unsigned long long)st.dropped, (unsigned long long)st.rejected,
		 (unsigned long long)w.queued, (unsigned long long)w.sent,
		 (unsigned long long)w.retried, (unsigned long long)w.spooled,
		 (unsigned long long)w.dropped, (unsigned long long)w.rejected);
}

static void spool_dir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/pp-test-output-XXXXXX");
	PT_CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

static void spool_rm(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char p[4608];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* --- the cases ------------------------------------------------------------- */

static void t_batch_by_lines_and_bytes(void)
{
	struct fake f;
	fake_init(&f);
	struct pp_output_conf c = conf();
	c.batch_lines = 10;
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	write_points(set, 10, 35);
	PT_CHECK(fake_wait_calls(&f, 2), "two full batches go out without a flush");
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 3) && wait_idle(set), "the flush sends the rest");
	PT_CHECK(f.ncalls == 3 && f.calls[0].lines == 10 && f.calls[1].lines == 10 &&
		 f.calls[2].lines == 5, "batches of 10, 10, 5 lines (%zu calls)", f.ncalls);
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 10, 35);
	check_stored(&f, &want);
	check_counts(set, (struct counts){.queued = 25, .sent = 25});
	pp_output_destroy(set, 1000);

	/* By bytes: three lines pass the byte limit of a batch. */
	struct fake g;
	fake_init(&g);
	c = conf();
	c.batch_bytes = 2 * point_len() + 1;
	set = open_set(&c, &g);
	if (set) {
		write_points(set, 10, 16);
		PT_CHECK(fake_wait_calls(&g, 2) && wait_idle(set), "two batches by size");
		PT_CHECK(g.calls[0].lines == 3 && g.calls[1].lines == 3 &&
			 g.calls[0].len == 3 * point_len(), "3 lines a batch (%zu, %zu)",
			 g.calls[0].lines, g.calls[1].lines);
		check_counts(set, (struct counts){.queued = 6, .sent = 6});
		pp_output_destroy(set, 1000);
	}
	pp_buf_free(&want);
	fake_fini(&f);
	fake_fini(&g);
}

static void t_batch_by_age(void)
{
	struct fake f;
	fake_init(&f);
	struct pp_output_conf c = conf();
	c.flush_ms = 50;
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	int64_t t0 = pp_clock_mono_ns();
	write_points(set, 10, 13);
	PT_CHECK(fake_wait_calls(&f, 1) && wait_idle(set), "the batch goes out by itself");
	PT_CHECK(f.calls[0].lines == 3, "one batch of 3 lines (%zu)", f.calls[0].lines);
	PT_CHECK(f.calls[0].t_ns - t0 >= 50 * 1000000LL, "not before flush_ms (%lld ms)",
		 (long long)((f.calls[0].t_ns - t0) / 1000000));
	check_counts(set, (struct counts){.queued = 3, .sent = 3});
	pp_output_destroy(set, 1000);
	fake_fini(&f);
}

static void t_retry_backoff_in_order(void)
{
	struct fake f;
	fake_init(&f);
	fake_script(&f, TX_RETRY, 0, 0);   /* a 5xx */
	fake_script(&f, TX_RETRY, 0, 300); /* a 429 with Retry-After */
	fake_script(&f, TX_RETRY, 0, 0);   /* a timeout */
	struct pp_output_conf c = conf();
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	write_points(set, 10, 13);
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 1), "the first attempt");
	write_points(set, 13, 15); /* written while the store is down */
	pp_output_flush(set);
	write_points(set, 15, 18);
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 6) && wait_idle(set), "three failures, three batches");
	PT_CHECK(f.ncalls == 6, "no attempt more (%zu)", f.ncalls);
	size_t want_lines[] = {3, 3, 3, 3, 2, 3};
	for (size_t i = 0; i < 6 && i < f.ncalls; i++)
		PT_CHECK(f.calls[i].lines == want_lines[i], "call %zu: %zu lines", i, f.calls[i].lines);
	/* Back-off: 100 ms doubling, each half fixed and half jitter; a
	 * Retry-After longer than that is waited for. */
	int64_t min_ms[] = {50, 300, 200};
	for (int i = 0; i < 3; i++) {
		int64_t gap = (f.calls[i + 1].t_ns - f.calls[i].t_ns) / 1000000;
		PT_CHECK(gap >= min_ms[i], "retry %d after %lld ms, want >= %lld", i + 1,
			 (long long)gap, (long long)min_ms[i]);
	}
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 10, 18);
	check_stored(&f, &want);
	check_counts(set, (struct counts){.queued = 8, .sent = 8, .retried = 3});
	pp_output_destroy(set, 1000);
	pp_buf_free(&want);
	fake_fini(&f);
}

static void t_413_splits(void)
{
	struct fake f;
	fake_init(&f);
	f.too_large = 2 * point_len(); /* two lines fit, four do not */
	struct pp_output_conf c = conf();
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	write_points(set, 10, 14);
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 3) && wait_idle(set), "split and sent");
	PT_CHECK(f.ncalls == 3 && f.calls[0].r == TX_TOO_LARGE && f.calls[1].lines == 2 &&
		 f.calls[2].lines == 2 && f.calls[1].r == TX_OK && f.calls[2].r == TX_OK,
		 "4 lines refused, then 2 and 2 taken (%zu calls)", f.ncalls);
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 10, 14);
	check_stored(&f, &want);
	check_counts(set, (struct counts){.queued = 4, .sent = 4});
	pp_output_destroy(set, 1000);

	/* A single line the store never takes: split down to it, then rejected. */
	struct fake g;
	fake_init(&g);
	g.too_large = point_len() - 1;
	set = open_set(&c, &g);
	if (set) {
		write_points(set, 10, 14);
		pp_output_flush(set);
		PT_CHECK(fake_wait_calls(&g, 7) && wait_idle(set), "split to single lines");
		PT_CHECK(g.ncalls == 7 && g.stored.len == 0, "4 + 2x2 + 4x1 calls (%zu), nothing "
			 "stored", g.ncalls);
		check_counts(set, (struct counts){.queued = 4, .rejected = 4});
		pp_output_destroy(set, 1000);
	}
	pp_buf_free(&want);
	fake_fini(&f);
	fake_fini(&g);
}

static void t_400_rejected_not_resent(void)
{
	struct fake f;
	fake_init(&f);
	fake_script(&f, TX_REJECTED, 3, 0); /* a partial write: 3 of 5 refused */
	struct pp_output_conf c = conf();
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	write_points(set, 10, 15);
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 1) && wait_idle(set), "the batch is answered");
	write_points(set, 15, 17);
	pp_output_flush(set);
	PT_CHECK(fake_wait_calls(&f, 2) && wait_idle(set), "the next batch");
	PT_CHECK(f.ncalls == 2 && f.calls[1].lines == 2, "the refused batch is never resent "
		 "(%zu calls)", f.ncalls);
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 15, 17);
	check_stored(&f, &want);
	check_counts(set, (struct counts){.queued = 7, .sent = 4, .rejected = 3});
	pp_output_destroy(set, 1000);
	pp_buf_free(&want);
	fake_fini(&f);
}

/* One batch a point; the store holds the first in flight while four more
 * come, so the queue of two is full at the fourth. */
static void full_queue(struct fake *f, struct pp_output *set)
{
	write_points(set, 10, 11);
	PT_CHECK(fake_wait_holding(f), "the first batch is in flight");
	write_points(set, 11, 14);
}

static void t_full_queue_spills(void)
{
	char dir[64];
	spool_dir(dir, sizeof dir);
	struct fake f;
	fake_init(&f);
	f.hold = 1;
	struct pp_output_conf c = conf();
	c.batch_lines = 1;
	c.queue_batches = 2;
	c.spool_dir = dir;
	struct pp_output *set = open_set(&c, &f);
	if (!set)
		return;
	full_queue(&f, set);
	struct pp_output_stats st;
	pp_output_get_stats(set, 0, &st);
	PT_CHECK(st.spooled == 2 && st.queue_batches == 1 && st.spool_bytes == 2 * point_len(),
		 "the full queue went to the spool (spooled %llu, queue %llu, %llu bytes)",
		 (unsigned long long)st.spooled, (unsigned long long)st.queue_batches,
		 (unsigned long long)st.spool_bytes);
	fake_release(&f);
	PT_CHECK(wait_idle(set), "everything delivered");
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 10, 14);
	check_stored(&f, &want);
	/* The last batch follows the others through the spool: it is never
	 * sent before older data. */
	check_counts(set, (struct counts){.queued = 4, .sent = 4, .spooled = 3});
	pp_output_destroy(set, 1000);
	fake_fini(&f);
	spool_rm(dir);

	/* Without a spool the oldest queued batch is dropped. */
	fake_init(&f);
	f.hold = 1;
	c.spool_dir = NULL;
	set = open_set(&c, &f);
	if (set) {
		full_queue(&f, set);
		fake_release(&f);
		PT_CHECK(wait_idle(set), "the rest delivered");
		pp_buf_reset(&want);
		expect_points(&want, 10, 11);
		expect_points(&want, 12, 14);
		check_stored(&f, &want);
		check_counts(set, (struct counts){.queued = 4, .sent = 3, .dropped = 1});
		/* the output's own counters say data was lost */
		PT_CHECK(pp_output_write_stats(set, 1000) == PP_OK, "counters written");
		pp_output_flush(set);
		PT_CHECK(wait_idle(set) && f.stored.data &&
			 memmem(f.stored.data, f.stored.len, "dropped=1i", 10) &&
			 memmem(f.stored.data, f.stored.len, "lost=true,spool_full=false", 26),
			 "dropped, lost and spool_full in:\n%.*s", (int)f.stored.len, f.stored.data);
		pp_output_destroy(set, 1000);
	}
	pp_buf_free(&want);
	fake_fini(&f);
}

/* A store that is down: the first batch fails and is spooled, and the next
 * attempt is a minute away, so what follows is only the set's own doing. */
static struct pp_output *down_store(struct pp_output_conf *c, struct fake *f, const char *dir)
{
	fake_init(f);
	f->then = TX_RETRY;
	f->then_retry_after_ms = 60000;
	c->batch_lines = 1;
	c->spool_dir = dir;
	struct pp_output *set = open_set(c, f);
	if (!set)
		return NULL;
	write_points(set, 10, 11);
	PT_CHECK(fake_wait_calls(f, 1) && wait_stat(set, offsetof(struct pp_output_stats, spooled), 1), "the first batch is spooled");
	return set;
}

/* A new set on the spool of the last one, against a store that takes all. */
static void restart(struct pp_output_conf *c, const struct pp_buf *want, uint64_t sent)
{
	struct fake f;
	fake_init(&f);
	struct pp_output *set = open_set(c, &f);
	if (!set)
		return;
	PT_CHECK(wait_idle(set), "the spool is replayed");
	check_stored(&f, want);
	check_counts(set, (struct counts){.sent = sent});
	pp_output_destroy(set, 1000);
	fake_fini(&f);
}

static void t_spool_replays_after_restart(void)
{
	char dir[64];
	spool_dir(dir, sizeof dir);
	struct fake f;
	struct pp_output_conf c = conf();
	c.queue_batches = 4;
	struct pp_output *set = down_store(&c, &f, dir);
	if (!set)
		return;
	write_points(set, 11, 15); /* queued: the store is not tried again yet */
	pp_output_stop(set, 0);    /* and the queue goes to the spool */
	check_counts(set, (struct counts){.queued = 5, .retried = 1, .spooled = 5});
	pp_output_destroy(set, 0);
	PT_CHECK(f.ncalls == 1, "one attempt (%zu)", f.ncalls);
	fake_fini(&f);
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 10, 15);
	restart(&c, &want, 5);
	pp_buf_free(&want);
	spool_rm(dir);
}

/* Ten one-point batches into a spool with room for three and a store that
 * is down: whatever makes room short (the cap or the disk), the oldest
 * seven are dropped and counted, and a restart delivers the newest three. */
static void three_kept(struct pp_output_conf *c, const char *dir)
{
	struct fake f;
	c->queue_batches = 1;
	struct pp_output *set = down_store(c, &f, dir);
	if (!set)
		return;
	write_points(set, 11, 20); /* each spills the one before: 1..9 spooled */
	pp_output_stop(set, 0);    /* and the tenth */
	check_counts(set, (struct counts){.queued = 10, .retried = 1, .spooled = 10, .dropped = 7});
	struct pp_output_stats st;
	pp_output_get_stats(set, 0, &st);
	PT_CHECK(st.spool_bytes == 3 * point_len() && st.lost && st.spool_full,
		 "the spool holds three (%llu bytes), flagged lost %d and full %d",
		 (unsigned long long)st.spool_bytes, st.lost, st.spool_full);
	pp_output_destroy(set, 0);
	fake_fini(&f);
	struct pp_buf want;
	pp_buf_init(&want);
	expect_points(&want, 17, 20); /* the newest three */
	restart(c, &want, 3);
	pp_buf_free(&want);
}

static void t_spool_cap_drops_oldest(void)
{
	char dir[64];
	spool_dir(dir, sizeof dir);
	struct pp_output_conf c = conf();
	c.spool_max_bytes = 3 * point_len() + point_len() / 2; /* three batches */
	three_kept(&c, dir);
	spool_rm(dir);
}

/* A disk that fills up, for the spool's writes (spool_set_write): the
 * files in disk_dir hold disk_cap bytes at most; a write past it stores
 * what fits (a short write), the next fails with disk_errno. */
static const char *disk_dir;
static size_t disk_cap;
static int disk_errno;

static ssize_t disk_write(int fd, const void *buf, size_t n)
{
	size_t used = 0;
	DIR *d = opendir(disk_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct stat st;
		if (!fstatat(dirfd(d), de->d_name, &st, 0) && S_ISREG(st.st_mode))
			used += (size_t)st.st_size;
	}
	if (d)
		closedir(d);
	if (used >= disk_cap) {
		errno = disk_errno;
		return -1;
	}
	return write(fd, buf, n < disk_cap - used ? n : disk_cap - used);
}

static void t_disk_full_drops_oldest(void)
{
	static const int errs[] = {ENOSPC, EDQUOT};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		char dir[64];
		spool_dir(dir, sizeof dir);
		disk_dir = dir;
		disk_cap = 3 * point_len() + point_len() / 2; /* three, and half a fourth */
		disk_errno = errs[i];
		spool_set_write(disk_write);
		struct pp_output_conf c = conf(); /* the cap (1 GiB) is far */
		three_kept(&c, dir);
		spool_set_write(NULL);
		spool_rm(dir);
	}
}

/* No room for a batch at all: each one is dropped and counted once, the
 * one put back after the failed send too, and nothing is left on disk. */
static void none_kept(struct pp_output_conf *c, const char *dir)
{
	struct fake f;
	fake_init(&f);
	f.then = TX_RETRY;
	f.then_retry_after_ms = 60000;
	c->batch_lines = 1;
	c->queue_batches = 1;
	c->spool_dir = dir;
	struct pp_output *set = open_set(c, &f);
	if (!set)
		return;
	write_points(set, 10, 11);
	PT_CHECK(fake_wait_calls(&f, 1) &&
		 wait_stat(set, offsetof(struct pp_output_stats, dropped), 1),
		 "the batch put back is dropped at once");
	write_points(set, 11, 16);
	pp_output_stop(set, 0);
	check_counts(set, (struct counts){.queued = 6, .retried = 1, .dropped = 6});
	struct pp_output_stats st;
	pp_output_get_stats(set, 0, &st);
	PT_CHECK(st.spool_bytes == 0 && st.lost && st.spool_full, "nothing spooled (%llu bytes), "
		 "flagged lost %d, full %d", (unsigned long long)st.spool_bytes, st.lost,
		 st.spool_full);
	pp_output_destroy(set, 0);
	fake_fini(&f);
	DIR *d = opendir(dir);
	size_t files = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		files += de->d_name[0] != '.';
	if (d)
		closedir(d);
	PT_CHECK(files == 0, "no batch or temporary left (%zu files)", files);
}

static void t_no_room_drops_the_batch(void)
{
	char dir[64];
	spool_dir(dir, sizeof dir);
	disk_dir = dir;
	disk_cap = 0; /* a full disk */
	disk_errno = ENOSPC;
	spool_set_write(disk_write);
	struct pp_output_conf c = conf();
	none_kept(&c, dir);
	spool_set_write(NULL);
	c = conf();
	c.spool_max_bytes = point_len() - 1; /* a cap under one batch */
	none_kept(&c, dir);
	spool_rm(dir);
}

int main(void)
{
	PT_RUN(t_batch_by_lines_and_bytes);
	PT_RUN(t_batch_by_age);
	PT_RUN(t_retry_backoff_in_order);
	PT_RUN(t_413_splits);
	PT_RUN(t_400_rejected_not_resent);
	PT_RUN(t_full_queue_spills);
	PT_RUN(t_spool_replays_after_restart);
	PT_RUN(t_spool_cap_drops_oldest);
	PT_RUN(t_disk_full_drops_oldest);
	PT_RUN(t_no_room_drops_the_batch);
	return PT_DONE("test_output");
}
