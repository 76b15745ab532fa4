/* modbus.c - the Modbus driver (libmodbus): TCP and RTU, merged requests,
 * retries, reconnect with back-off, and a pool of workers fed from one
 * schedule so a dead device costs one worker its timeout and nothing more.
 *
 * Each TCP device has its own connection (several units behind one gateway
 * each get theirs, so a dead unit cannot stall its neighbours), opened
 * here rather than by libmodbus (see bus_open); RTU devices
 * that share a serial line share one context and take turns, as the bus
 * demands. */
#include <errno.h>
#include <modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"
#include "powerpark/clock.h"
#include "powerpark/modbus.h"
#include "powerpark/net.h"

#define PP_MB_WORKER_STACK (256 * 1024) /* a worker needs little: no deep calls */

struct bus {
	modbus_t *ctx;
	pthread_mutex_t mu;
	int connected;
	int refs;
	int64_t reconnect_at;   /* monotonic; no attempt before */
	int gap_ms, turn_ms;    /* the line's timing: its devices' largest */
	int64_t last_end;       /* monotonic end of its last exchange (0: none) */
	int last_unit;
	int backoff_ms;
	char why[128];          /* last connection error */
};

struct mbdev {
	struct bus *bus;
	struct pp_mb_req *reqs;
	size_t nreqs;
	uint16_t regs[PP_MB_MAX_REGS];
	uint8_t bits[PP_MB_MAX_BITS];
	struct drv_val *vals;
	/* A silent unit: polls in a row that timed out, and how many of its
	 * next polls leave the bus alone (1, 3, 7, then 15 after 2, 3, 4 and
	 * more silent polls), so that its neighbours on a serial line keep
	 * their schedule. Its slots stay where they were. */
	int silent, skip;
	uint64_t cycle; /* this device's polls so far: which blocks are due */
};

#define PP_MB_SKIP_MAX 15 /* polls a silent unit skips at most between tries */

static int mb_match(const struct pp_device *d)
{
	return d->proto == PP_PROTO_MODBUS_TCP || d->proto == PP_PROTO_MODBUS_RTU;
}

/* RTU devices on one serial path share a bus; found among devs[0..i), the
 * devices configured before. */
static struct bus *shared_rtu_bus(const struct drv_dev *devs, size_t i)
{
	const struct drv_dev *d = &devs[i];
	for (const struct drv_dev *o = devs; o < d; o++)
		if (o->driver == d->driver && o->ctx && o->dev->proto == PP_PROTO_MODBUS_RTU &&
		    !strcmp(o->dev->address, d->dev->address))
			return ((struct mbdev *)o->ctx)->bus;
	return NULL;
}

/* A line keeps the largest gap and turnaround any of its devices asks. */
static void line_timing(struct bus *b, const struct pp_device *dv)
{
	if (dv->frame_gap_ms > b->gap_ms)
		b->gap_ms = dv->frame_gap_ms;
	if (dv->turnaround_ms > b->turn_ms)
		b->turn_ms = dv->turnaround_ms;
}

static enum pp_err mb_configure(struct drv_dev *devs, size_t i, struct pp_errbuf *eb)
{
	struct drv_dev *d = &devs[i];
	const struct pp_device *dv = d->dev;
	struct mbdev *m = calloc(1, sizeof *m);
	if (!m)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->ctx = m;
	m->vals = calloc(dv->profile->nfields, sizeof *m->vals);
	if (!m->vals || pp_modbus_plan(dv->profile, dv->max_regs, dv->max_gap, &m->reqs, &m->nreqs))
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	if (dv->proto == PP_PROTO_MODBUS_RTU && (m->bus = shared_rtu_bus(devs, i))) {
		m->bus->refs++;
		line_timing(m->bus, dv);
		return PP_OK;
	}
	struct bus *b = calloc(1, sizeof *b);
	if (!b)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&b->mu, NULL);
	b->refs = 1;
	m->bus = b;
	line_timing(b, dv);
	if (dv->proto == PP_PROTO_MODBUS_TCP) {
		char host[256];
		const char *port;
		if (pp_net_hostport_split(dv->address, host, sizeof host, &port))
			return pp_err_set(eb, PP_ERR_CONFIG, "device '%s': address too long", dv->name);
		b->ctx = modbus_new_tcp_pi(host, port);
	} else {
		b->ctx = modbus_new_rtu(dv->address, dv->baud, "NEO"[dv->parity % 3],
					dv->data_bits ? dv->data_bits : 8, dv->stop_bits ? dv->stop_bits : 1);
	}
	if (!b->ctx)
		return pp_err_set(eb, PP_ERR_ARG, "device '%s': libmodbus: %s", dv->name,
			       modbus_strerror(errno));
	uint32_t s = (uint32_t)(dv->timeout_ms / 1000), us = (uint32_t)(dv->timeout_ms % 1000) * 1000;
	modbus_set_response_timeout(b->ctx, s, us);
	modbus_set_byte_timeout(b->ctx, s, us);
	return PP_OK;
}

static void mb_close(struct drv_dev *d)
{
	struct mbdev *m = d->ctx;
	if (!m)
		return;
	if (m->bus && --m->bus->refs == 0) {
		if (m->bus->ctx) {
			if (m->bus->connected)
				modbus_close(m->bus->ctx);
			modbus_free(m->bus->ctx);
		}
		pthread_mutex_destroy(&m->bus->mu);
		free(m->bus);
	}
	free(m->reqs);
	free(m->vals);
	free(m);
	d->ctx = NULL;
}

static void sleep_ms(int ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Opens b's connection: a serial line through libmodbus; a TCP one with
 * our own connect, because libmodbus waits for it and for every answer
 * with select(), which aborts the process on a descriptor >= FD_SETSIZE.
 * A site with thousands of SNMP agents and hundreds of Modbus devices
 * gets there (the SNMP sockets are moved above it, pp_fd_move_high), so
 * a connection that lands past it is refused with the reason: that
 * device fails its polls, the collector lives on. 0, or -1 with why. */
static int bus_open(struct bus *b, const struct pp_device *dv, char *why, size_t whylen)
{
	if (dv->proto != PP_PROTO_MODBUS_TCP) {
		if (modbus_connect(b->ctx) == -1) {
			snprintf(why, whylen, "connect: %s", modbus_strerror(errno));
			return -1;
		}
		if (modbus_get_socket(b->ctx) >= FD_SETSIZE) {
			snprintf(why, whylen, "open: descriptor %d is past select()'s %d, which "
					      "libmodbus needs", modbus_get_socket(b->ctx), FD_SETSIZE);
			modbus_close(b->ctx);
			return -1;
		}
		return 0;
	}
	char host[256];
	const char *port = NULL;
	struct pp_errbuf eb;
	int fd = -1;
	if (pp_net_hostport_split(dv->address, host, sizeof host, &port)) {
		snprintf(why, whylen, "connect: bad address '%s'", dv->address);
		return -1;
	}
	if (pp_net_connect(host, port, dv->timeout_ms, &fd, &eb)) {
		snprintf(why, whylen, "connect: %s", eb.msg);
		return -1;
	}
	if (fd >= FD_SETSIZE) {
		close(fd);
		snprintf(why, whylen, "connect: descriptor %d is past select()'s %d, which libmodbus "
				      "needs: too many Modbus TCP devices for one collector", fd,
			 FD_SETSIZE);
		return -1;
	}
	modbus_set_socket(b->ctx, fd);
	return 0;
}

/* Connects the bus unless its back-off forbids it now. Bus lock held. */
static int bus_connect(struct bus *b, const struct pp_device *dv, char *err, size_t errlen)
{
	if (b->connected)
		return 0;
	int64_t now = pp_clock_mono_ns();
	if (now < b->reconnect_at) {
		snprintf(err, errlen, "not connected (%s); next attempt in %.1f s", b->why,
			 (double)(b->reconnect_at - now) / 1e9);
		return -1;
	}
	if (bus_open(b, dv, b->why, sizeof b->why)) {
		/* Back off from one interval up to a minute, doubling. */
		b->backoff_ms = b->backoff_ms ? b->backoff_ms * 2 : dv->interval_ms;
		if (b->backoff_ms > PP_DRV_MAX_BACKOFF_MS)
			b->backoff_ms = PP_DRV_MAX_BACKOFF_MS;
		b->reconnect_at = now + (int64_t)b->backoff_ms * 1000000;
		snprintf(err, errlen, "%s", b->why);
		return -1;
	}
	b->connected = 1;
	b->backoff_ms = 0;
	sleep_ms(dv->pause_connect_ms);
	return 0;
}

static void bus_drop(struct bus *b)
{
	if (b->connected) {
		modbus_close(b->ctx);
		b->connected = 0;
	}
}

static int is_exception(int e)
{
	return e > MODBUS_ENOBASE && e <= MODBUS_ENOBASE + MODBUS_EXCEPTION_GATEWAY_TARGET;
}

static int do_read(modbus_t *ctx, struct mbdev *m, const struct pp_mb_req *r)
{
	switch (r->func) {
	case PP_MB_COIL: return modbus_read_bits(ctx, r->start, r->count, m->bits);
	case PP_MB_DISCRETE: return modbus_read_input_bits(ctx, r->start, r->count, m->bits);
	case PP_MB_HOLDING: return modbus_read_registers(ctx, r->start, r->count, m->regs);
	default: return modbus_read_input_registers(ctx, r->start, r->count, m->regs);
	}
}

/* Reads one request with retries; 0 on success, else -1 with err filled and
 * *timeout set when the last failure was a timeout. Bus lock held. */
static int read_req(struct bus *b, struct mbdev *m, const struct pp_device *dv,
		    const struct pp_mb_req *r, char *err, size_t errlen, int *timeout)
{
	for (int attempt = 0; attempt <= dv->retries; attempt++) {
		if (bus_connect(b, dv, err, errlen))
			return -1;
		modbus_set_slave(b->ctx, dv->unit_id);
		int64_t w = pp_modbus_line_wait(b->gap_ms, b->turn_ms, b->last_end, b->last_unit,
						dv->unit_id, pp_clock_mono_ns());
		if (w > 0)
			sleep_ms((int)((w + 999999) / 1000000));
		int rc = do_read(b->ctx, m, r);
		b->last_end = pp_clock_mono_ns();
		b->last_unit = dv->unit_id;
		if (rc == r->count) {
			*timeout = 0;
			return 0;
		}
		int e = rc < 0 ? errno : EMBBADDATA;
		*timeout = e == ETIMEDOUT;
		snprintf(err, errlen, "%s %d+%d (unit %d): %s",
			 r->func <= PP_MB_DISCRETE ? "bits" : "registers", r->start, r->count,
			 dv->unit_id, modbus_strerror(e));
		if (is_exception(e))
			return -1; /* the device answered: asking again changes nothing */
		if (e == ETIMEDOUT || e == EMBBADDATA)
			modbus_flush(b->ctx); /* a late answer must not pass for the next */
		else
			bus_drop(b);      /* reset, broken pipe: a fresh connection */
	}
	return -1;
}

static void mb_poll(const struct drv_sink *sk, struct drv_dev *d)
{
	struct mbdev *m = d->ctx;
	const struct pp_device *dv = d->dev;
	const struct pp_profile *p = dv->profile;
	int64_t ts = pp_clock_wall_ns(), t0 = pp_clock_mono_ns();
	size_t nv = 0;
	int nfail = 0, nok = 0, timeout = 0;
	char err[PP_MAX_POLL_ERROR] = "";
	uint64_t cycle = m->cycle++;
	if (m->skip > 0) {
		m->skip--;
		snprintf(err, sizeof err, "silent for %d polls: backing off (%d more skipped)",
			 m->silent, m->skip);
		struct drv_poll none = {ts, t0, m->vals, 0, 0, 1, 0, err, 0};
		sk->done(sk->ud, d, &none);
		return;
	}
	pthread_mutex_lock(&m->bus->mu);
	int asked = 0;
	for (size_t i = 0; i < m->nreqs; i++) {
		const struct pp_mb_req *r = &m->reqs[i];
		if (!pp_modbus_req_due(r, cycle))
			continue; /* a slower block (`every`), not this poll */
		if (asked++)
			sleep_ms(dv->pause_between_ms);
		int to = 0;
		if (read_req(m->bus, m, dv, r, err, sizeof err, &to)) {
			nfail++;
			timeout |= to;
			/* A unit that timed out is silent: its other requests would
			 * only take the line's time too. */
			if (!m->bus->connected || to)
				break; /* nothing more will come through */
			continue;
		}
		nok++;
		for (size_t k = 0; k < p->nfields; k++) {
			const struct pp_pfield *f = &p->fields[k];
			if (!pp_modbus_req_holds(r, f))
				continue;
			double raw;
			if (f->func <= PP_MB_DISCRETE)
				raw = m->bits[f->reg - r->start] != 0;
			else
				raw = pp_modbus_decode(&m->regs[f->reg - r->start], f->vtype, f->order,
						       f->bit);
			struct drv_val *v = &m->vals[nv];
			v->f = f;
			v->index = "";
			v->name = NULL;
			v->s = NULL;
			if (!sk->scale(sk->ud, d, f, raw, &v->v))
				nv++;
		}
	}
	pthread_mutex_unlock(&m->bus->mu);
	/* Up while any block answered: one bad block (exception 2 on one
	 * register range) costs its fields, not the device's other ones. */
	int ok = nfail == 0 || nok > 0;
	if (!ok && timeout) {
		m->silent++;
		int s = m->silent >= 2 ? (1 << (m->silent > 5 ? 4 : m->silent - 1)) - 1 : 0;
		m->skip = s > PP_MB_SKIP_MAX ? PP_MB_SKIP_MAX : s;
	} else if (ok) {
		m->silent = m->skip = 0;
	}
	struct drv_poll done = {ts, t0, m->vals, nv, ok, ok ? 0 : timeout, 0, err, ok ? nfail : 0};
	sk->done(sk->ud, d, &done);
}

/* --- the engine: a min-heap of due times and a pool of workers --------- */

struct engine {
	const struct drv_sink *sink;
	struct drv_dev **heap;
	size_t n, nheap;
	pthread_t *th;
	size_t nth;
	pthread_mutex_t mu;
	pthread_cond_t lead;  /* the one worker waiting for the head's due time */
	pthread_cond_t idle;  /* all others: no timed waits, so no herd waking */
	int has_leader;
	int stop;
};

static void heap_up(struct engine *e, size_t i)
{
	while (i && e->heap[(i - 1) / 2]->due_ns > e->heap[i]->due_ns) {
		struct drv_dev *t = e->heap[i];
		e->heap[i] = e->heap[(i - 1) / 2];
		e->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void heap_down(struct engine *e, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < e->nheap && e->heap[l]->due_ns < e->heap[m]->due_ns)
			m = l;
		if (r < e->nheap && e->heap[r]->due_ns < e->heap[m]->due_ns)
			m = r;
		if (m == i)
			return;
		struct drv_dev *t = e->heap[i];
		e->heap[i] = e->heap[m];
		e->heap[m] = t;
		i = m;
	}
}

/* Leader/followers: one idle worker sleeps until the earliest due time,
 * the others sleep untimed. With every worker on one timed wait, each due
 * device woke all of them to fight over it. */
static void *worker(void *arg)
{
	struct engine *e = arg;
	int leader = 0;
	pthread_mutex_lock(&e->mu);
	while (!e->stop) {
		if (!e->nheap && e->sink->once) {
			pthread_cond_signal(&e->idle); /* let the next one see it too */
			break;
		}
		if (!e->nheap || (e->has_leader && !leader)) {
			pthread_cond_wait(&e->idle, &e->mu);
			continue;
		}
		leader = e->has_leader = 1;
		struct drv_dev *d = e->heap[0];
		int64_t now = pp_clock_mono_ns();
		if (d->due_ns > now) {
			struct timespec ts = {d->due_ns / 1000000000, d->due_ns % 1000000000};
			pthread_cond_timedwait(&e->lead, &e->mu, &ts);
			continue;
		}
		e->heap[0] = e->heap[--e->nheap];
		heap_down(e, 0);
		leader = e->has_leader = 0;
		pthread_cond_signal(&e->idle); /* a follower takes over the clock */
		int64_t due = d->due_ns;
		pthread_mutex_unlock(&e->mu);
		mb_poll(e->sink, d);
		int64_t next = e->sink->once ? 0 : e->sink->next_due(e->sink->ud, d, due, now);
		pthread_mutex_lock(&e->mu);
		if (!e->sink->once) {
			d->due_ns = next;
			e->heap[e->nheap++] = d;
			heap_up(e, e->nheap - 1);
			if (!e->has_leader)
				pthread_cond_signal(&e->idle);
			else if (e->heap[0] == d)
				pthread_cond_signal(&e->lead); /* earlier than it waits for */
		}
	}
	if (leader)
		e->has_leader = 0;
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static void mb_stop(void *engine)
{
	struct engine *e = engine;
	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = 1;
	pthread_cond_broadcast(&e->lead);
	pthread_cond_broadcast(&e->idle);
	pthread_mutex_unlock(&e->mu);
	for (size_t i = 0; i < e->nth; i++)
		pthread_join(e->th[i], NULL);
	pthread_cond_destroy(&e->lead);
	pthread_cond_destroy(&e->idle);
	pthread_mutex_destroy(&e->mu);
	free(e->th);
	free(e->heap);
	free(e);
}

static enum pp_err mb_start(const struct drv_sink *s, struct drv_dev **devs, size_t n,
			    void **engine, struct pp_errbuf *eb)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	e->sink = s;
	e->n = n;
	e->heap = malloc(n * sizeof *e->heap);
	size_t want = s->modbus_workers > 0 ? (size_t)s->modbus_workers : PP_MB_DEFAULT_WORKERS;
	e->nth = want < n ? want : n;
	e->th = calloc(e->nth, sizeof *e->th);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->lead, &ca);
	pthread_cond_init(&e->idle, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&e->mu, NULL);
	if (!e->heap || !e->th) {
		e->nth = 0;
		mb_stop(e);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	int64_t now = pp_clock_mono_ns();
	for (size_t i = 0; i < n; i++) {
		devs[i]->due_ns = s->first_due(s->ud, devs[i], now);
		e->heap[e->nheap++] = devs[i];
		heap_up(e, e->nheap - 1);
	}
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, PP_MB_WORKER_STACK);
	for (size_t i = 0; i < e->nth; i++)
		if (pthread_create(&e->th[i], &at, worker, e)) {
			e->nth = i;
			pthread_attr_destroy(&at);
			mb_stop(e);
			return pp_err_set(eb, PP_ERR_NOMEM, "cannot start Modbus workers");
		}
	pthread_attr_destroy(&at);
	*engine = e;
	return PP_OK;
}

const struct pp_driver pp_driver_modbus = {
	.name = "modbus",
	.match = mb_match,
	.configure = mb_configure,
	.close = mb_close,
	.start = mb_start,
	.stop = mb_stop,
};
