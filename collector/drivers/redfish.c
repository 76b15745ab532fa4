/* redfish.c - the Redfish driver: BMCs' chassis power and thermal
 * telemetry and Redfish rack PDUs, found from the service root (no ids
 * written in configs), read every interval, one thread per device so that
 * a slow or dead service costs only its own thread its timeout.
 *
 * A device's first poll walks the service: /redfish/v1 -> Chassis ->
 * each chassis' EnvironmentMetrics, PowerSubsystem (its PowerSupplies and
 * their Metrics), Power and Thermal; PowerEquipment -> RackPDUs -> each
 * PDU's Metrics, Mains, Branches and Outlets. Later polls GET those
 * resources only, and walk again after a poll that failed. Each resource
 * becomes samples (docs/collectors.md): redfish_chassis,
 * redfish_power_subsystem, redfish_psu, redfish_power_control,
 * redfish_voltage, redfish_temp, redfish_fan, redfish_pdu,
 * redfish_pdu_circuit, redfish_outlet. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "powerpark/clock.h"
#include "powerpark/log.h"
#include "redfish_int.h"

#define PP_RF_SKIP_MAX 15   /* polls a silent service skips at most between tries */
#define PP_RF_REWALK_MAX 64 /* polls between walks at most while a resource fails */
#define PP_RF_MAX_TARGETS 4096 /* resources one device reads per poll at most */
#define PP_RF_MAX_TAGS 3    /* a sample's own tags (chassis, sensor; pdu, circuit, type) */
#define PP_RF_THREAD_STACK (512 * 1024) /* a device's thread: curl and TLS, no deep calls */

enum tkind { T_ENV, T_PSUB, T_PSU, T_POWER, T_THERMAL, T_PDU, T_MAINS, T_BRANCH, T_OUTLET };

/* One resource read every poll. */
struct target {
	char uri[PP_RF_URI_MAX];
	enum tkind kind;
	char owner[PP_RF_NAME_MAX]; /* the chassis' or PDU's Id */
	char item[PP_RF_NAME_MAX];  /* the PSU's, circuit's or outlet's Id */
};

struct rfdev {
	struct pp_redfish *cl;
	struct target *t;
	size_t nt, cap;
	int walked;           /* targets found; 0: walk at the next poll */
	/* A resource that failed may have moved, so the tree is walked again;
	 * one that fails on every poll (a 500) would make each poll a whole
	 * walk: the polls before the next walk double, 1, 2, 4 ... */
	int rewalk_gap, rewalk_wait;
	struct rf_res *res, *res2; /* held during a poll only (90 KiB each) */
	/* A silent service: polls in a row that timed out, and how many of
	 * the next polls leave it alone (1, 3, 7, then 15), as Modbus units. */
	int silent, skip;
	pthread_t th;
	int th_started;
};

static int rf_match(const struct pp_device *d)
{
	return d->proto == PP_PROTO_REDFISH;
}

static enum pp_err rf_configure(struct drv_dev *devs, size_t i, struct pp_errbuf *eb)
{
	struct drv_dev *d = &devs[i];
	struct rfdev *m = calloc(1, sizeof *m);
	if (!m)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->ctx = m;
	return pp_redfish_open(d->dev->address, &d->dev->redfish, d->dev->timeout_ms, &m->cl, eb);
}

static void rf_close(struct drv_dev *d)
{
	struct rfdev *m = d->ctx;
	if (!m)
		return;
	pp_redfish_close(m->cl); /* deletes the session */
	free(m->t);
	free(m);
	d->ctx = NULL;
}

/* --- the walk ---------------------------------------------------------- */

static const char *last_segment(const char *uri)
{
	const char *s = strrchr(uri, '/');
	return s ? s + 1 : uri;
}

static enum pp_err add(struct rfdev *m, const char *uri, enum tkind k, const char *owner,
		       const char *item, struct pp_errbuf *eb)
{
	if (!uri[0])
		return PP_OK;
	if (m->nt == PP_RF_MAX_TARGETS)
		return pp_err_set(eb, PP_ERR_ARG, "more than %d resources", PP_RF_MAX_TARGETS);
	if (pp_buf_array_grow(&m->t, &m->cap, m->nt + 1, sizeof *m->t))
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	struct target *t = &m->t[m->nt++];
	memset(t, 0, sizeof *t);
	snprintf(t->uri, sizeof t->uri, "%s", uri);
	t->kind = k;
	snprintf(t->owner, sizeof t->owner, "%s", owner);
	snprintf(t->item, sizeof t->item, "%s", item ? item : "");
	return PP_OK;
}

/* The members of the collection at uri, copied (m->res is reused). */
static enum pp_err members(struct rfdev *m, const char *uri, char (**out)[PP_RF_URI_MAX],
			   size_t *n, struct pp_errbuf *eb)
{
	*out = NULL;
	*n = 0;
	enum pp_err e = rf_get_res(m->cl, uri, m->res, eb);
	if (e)
		return e;
	*out = malloc((m->res->nmembers ? m->res->nmembers : 1) * sizeof **out);
	if (!*out)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	memcpy(*out, m->res->members, m->res->nmembers * sizeof **out);
	*n = m->res->nmembers;
	return PP_OK;
}

/* A chassis' PowerSupplies: each PSU's Metrics (or the PSU itself). */
static enum pp_err walk_psus(struct rfdev *m, const char *uri, const char *owner,
			     struct pp_errbuf *eb)
{
	char(*ps)[PP_RF_URI_MAX];
	size_t n;
	enum pp_err e = members(m, uri, &ps, &n, eb);
	for (size_t i = 0; i < n && !e; i++) {
		/* A PSU that does not answer now is read (and fails) as itself: the
		 * poll counts it, and the walk is made again. */
		if ((e = rf_get_res(m->cl, ps[i], m->res, eb))) {
			if (!pp_redfish_timed_out(m->cl))
				e = add(m, ps[i], T_PSU, owner, last_segment(ps[i]), eb);
			continue;
		}
		const char *id = m->res->id[0] ? m->res->id : last_segment(ps[i]);
		const char *at = m->res->links[RF_L_METRICS][0] ? m->res->links[RF_L_METRICS] : ps[i];
		e = add(m, at, T_PSU, owner, id, eb);
	}
	free(ps);
	return e;
}

static enum pp_err walk_chassis(struct rfdev *m, const char *uri, struct pp_errbuf *eb)
{
	enum pp_err e = rf_get_res(m->cl, uri, m->res2, eb);
	if (e)
		return e;
	struct rf_res *c = m->res2;
	char owner[PP_RF_NAME_MAX];
	snprintf(owner, sizeof owner, "%s", c->id[0] ? c->id : last_segment(uri));
	char psub[PP_RF_URI_MAX];
	snprintf(psub, sizeof psub, "%s", c->links[RF_L_POWER_SUBSYSTEM]);
	if ((e = add(m, c->links[RF_L_ENV_METRICS], T_ENV, owner, NULL, eb)) ||
	    (e = add(m, c->links[RF_L_POWER], T_POWER, owner, NULL, eb)) ||
	    (e = add(m, c->links[RF_L_THERMAL], T_THERMAL, owner, NULL, eb)) ||
	    (e = add(m, psub, T_PSUB, owner, NULL, eb)))
		return e;
	/* A PowerSubsystem that fails now fails as its own target (above); a
	 * service that stopped answering ends the walk. */
	if (!psub[0])
		return PP_OK;
	if ((e = rf_get_res(m->cl, psub, m->res, eb)))
		return pp_redfish_timed_out(m->cl) ? e : PP_OK;
	char psus[PP_RF_URI_MAX];
	snprintf(psus, sizeof psus, "%s", m->res->links[RF_L_PSUS]);
	return psus[0] ? walk_psus(m, psus, owner, eb) : PP_OK;
}

/* A collection of circuits or outlets of PDU owner: one target each. */
static enum pp_err walk_items(struct rfdev *m, const char *uri, enum tkind k, const char *owner,
			      struct pp_errbuf *eb)
{
	if (!uri[0])
		return PP_OK;
	char(*it)[PP_RF_URI_MAX];
	size_t n;
	enum pp_err e = members(m, uri, &it, &n, eb);
	for (size_t i = 0; i < n && !e; i++)
		e = add(m, it[i], k, owner, last_segment(it[i]), eb);
	free(it);
	return e;
}

static enum pp_err walk_pdu(struct rfdev *m, const char *uri, struct pp_errbuf *eb)
{
	enum pp_err e = rf_get_res(m->cl, uri, m->res2, eb);
	if (e)
		return e;
	char owner[PP_RF_NAME_MAX], links[3][PP_RF_URI_MAX];
	snprintf(owner, sizeof owner, "%s", m->res2->id[0] ? m->res2->id : last_segment(uri));
	snprintf(links[0], sizeof links[0], "%s", m->res2->links[RF_L_MAINS]);
	snprintf(links[1], sizeof links[1], "%s", m->res2->links[RF_L_BRANCHES]);
	snprintf(links[2], sizeof links[2], "%s", m->res2->links[RF_L_OUTLETS]);
	if ((e = add(m, m->res2->links[RF_L_METRICS], T_PDU, owner, NULL, eb)) ||
	    (e = walk_items(m, links[0], T_MAINS, owner, eb)) ||
	    (e = walk_items(m, links[1], T_BRANCH, owner, eb)))
		return e;
	return walk_items(m, links[2], T_OUTLET, owner, eb);
}

/* Finds what to read from the service root. */
static enum pp_err walk(struct rfdev *m, struct pp_errbuf *eb)
{
	m->nt = 0;
	m->walked = 0;
	enum pp_err e = rf_get_root(m->cl, m->res, eb);
	if (e)
		return e;
	char chassis[PP_RF_URI_MAX], pe[PP_RF_URI_MAX];
	snprintf(chassis, sizeof chassis, "%s", m->res->links[RF_L_CHASSIS]);
	snprintf(pe, sizeof pe, "%s", m->res->links[RF_L_POWER_EQUIPMENT]);
	char(*list)[PP_RF_URI_MAX] = NULL;
	size_t n = 0;
	if (chassis[0] && (e = members(m, chassis, &list, &n, eb)))
		return e;
	for (size_t i = 0; i < n && !e; i++)
		e = walk_chassis(m, list[i], eb);
	free(list);
	list = NULL;
	if (!e && pe[0] && !(e = rf_get_res(m->cl, pe, m->res, eb)) &&
	    m->res->links[RF_L_RACKPDUS][0]) {
		char pdus[PP_RF_URI_MAX];
		snprintf(pdus, sizeof pdus, "%s", m->res->links[RF_L_RACKPDUS]);
		e = members(m, pdus, &list, &n, eb);
		for (size_t i = 0; i < n && !e; i++)
			e = walk_pdu(m, list[i], eb);
		free(list);
	}
	if (!e && !m->nt)
		e = pp_err_set(eb, PP_ERR_ARG, "the service offers no chassis or PDU telemetry");
	m->walked = !e;
	return e;
}

/* --- one poll ------------------------------------------------------------ */

static const char *const row_meas[RF_ROW_KINDS] = {
	NULL, "redfish_power_control", "redfish_voltage", "redfish_psu", "redfish_temp",
	"redfish_fan",
};

static void emit_row(const struct drv_sink *sk, struct drv_dev *d, const char *meas,
		     const struct pp_tag *tags, size_t nt, const struct rf_row *row, int64_t ts)
{
	struct pp_field f[PP_RF_MAX_VALS];
	for (size_t i = 0; i < row->nvals; i++)
		f[i] = (struct pp_field){row->vals[i].field, PP_F_FLOAT, {.f = row->vals[i].v}};
	if (row->nvals)
		sk->emit(sk->ud, d, meas, tags, nt, f, row->nvals, ts);
}

/* The samples of one resource read (res) for target t. */
static void emit_res(const struct drv_sink *sk, struct drv_dev *d, const struct target *t,
		     const struct rf_res *res, int64_t ts)
{
	static const char *const self_meas[] = {
		[T_ENV] = "redfish_chassis", [T_PSUB] = "redfish_power_subsystem",
		[T_PSU] = "redfish_psu", [T_PDU] = "redfish_pdu", [T_MAINS] = "redfish_pdu_circuit",
		[T_BRANCH] = "redfish_pdu_circuit", [T_OUTLET] = "redfish_outlet",
	};
	int pdu = t->kind >= T_PDU;
	struct pp_tag tg[PP_RF_MAX_TAGS] = {{pdu ? "pdu" : "chassis", t->owner}};
	size_t nt = 1;
	const char *item = t->kind != T_PSU && res->id[0] ? res->id : t->item;
	if (t->kind == T_PSU)
		tg[nt++] = (struct pp_tag){"psu", item};
	else if (t->kind == T_MAINS || t->kind == T_BRANCH) {
		tg[nt++] = (struct pp_tag){"circuit", item};
		tg[nt++] = (struct pp_tag){"circuit_type", t->kind == T_MAINS ? "mains" : "branch"};
	} else if (t->kind == T_OUTLET)
		tg[nt++] = (struct pp_tag){"outlet", item};
	if (self_meas[t->kind])
		emit_row(sk, d, self_meas[t->kind], tg, nt, &res->rows[0], ts);
	for (size_t i = 1; i < res->nrows; i++) {
		const struct rf_row *r = &res->rows[i];
		tg[1] = (struct pp_tag){r->kind == RF_ROW_PSU ? "psu" : "sensor", r->name};
		emit_row(sk, d, row_meas[r->kind], tg, 2, r, ts);
	}
}

static void rf_poll(const struct drv_sink *sk, struct drv_dev *d);

/* A poll with its scratch resources. */
static void rf_poll_alloc(const struct drv_sink *sk, struct drv_dev *d)
{
	struct rfdev *m = d->ctx;
	m->res = malloc(sizeof *m->res);
	m->res2 = malloc(sizeof *m->res2);
	if (m->res && m->res2) {
		rf_poll(sk, d);
	} else {
		struct drv_poll p = {pp_clock_wall_ns(), pp_clock_mono_ns(), NULL, 0, 0, 0, 0,
				     "out of memory", 0};
		sk->done(sk->ud, d, &p);
	}
	free(m->res);
	free(m->res2);
	m->res = m->res2 = NULL;
}

static void rf_poll(const struct drv_sink *sk, struct drv_dev *d)
{
	struct rfdev *m = d->ctx;
	int64_t t0 = pp_clock_mono_ns(), ts = pp_clock_wall_ns();
	char err[PP_MAX_POLL_ERROR] = "";
	struct pp_errbuf eb;
	size_t good = 0, bad = 0;
	int timeout = 0, auth = 0;
	if (m->skip > 0) {
		m->skip--;
		snprintf(err, sizeof err, "silent for %d polls: backing off (%d more skipped)",
			 m->silent, m->skip);
		struct drv_poll p = {ts, t0, NULL, 0, 0, 1, 0, err, 0};
		sk->done(sk->ud, d, &p);
		return;
	}
	if (!m->walked && walk(m, &eb)) {
		snprintf(err, sizeof err, "%s", eb.msg);
		timeout = pp_redfish_timed_out(m->cl);
		auth = pp_redfish_auth_failed(m->cl);
		bad = 1;
	}
	for (size_t i = 0; m->walked && i < m->nt; i++) {
		if (rf_get_res(m->cl, m->t[i].uri, m->res, &eb)) {
			bad++;
			snprintf(err, sizeof err, "%s", eb.msg);
			auth |= pp_redfish_auth_failed(m->cl);
			/* A service that stopped answering: the rest would wait too. */
			if ((timeout = pp_redfish_timed_out(m->cl)))
				break;
			continue;
		}
		good++;
		emit_res(sk, d, &m->t[i], m->res, ts);
	}
	int ok = good > 0;
	if (bad && m->walked && m->rewalk_wait-- <= 0) {
		m->walked = 0; /* a resource gone or moved: walk again next time */
		m->rewalk_gap = m->rewalk_gap ? m->rewalk_gap * 2 : 1;
		if (m->rewalk_gap > PP_RF_REWALK_MAX)
			m->rewalk_gap = PP_RF_REWALK_MAX;
		m->rewalk_wait = m->rewalk_gap;
	} else if (!bad) {
		m->rewalk_gap = m->rewalk_wait = 0;
	}
	if (!ok && timeout) {
		m->silent++;
		int s = m->silent >= 2 ? (1 << (m->silent > 5 ? 4 : m->silent - 1)) - 1 : 0;
		m->skip = s > PP_RF_SKIP_MAX ? PP_RF_SKIP_MAX : s;
	} else if (ok) {
		m->silent = m->skip = 0;
	}
	struct drv_poll p = {ts, t0, NULL, 0, ok, ok ? 0 : timeout, ok ? 0 : auth,
			     err[0] ? err : NULL, ok ? (int)bad : 0};
	sk->done(sk->ud, d, &p);
}

/* --- the engine: a thread per device ---------------------------------- */

struct engine {
	const struct drv_sink *sink;
	struct drv_dev **devs;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

struct thr {
	struct engine *e;
	struct drv_dev *d;
};

static void *dev_thread(void *arg)
{
	struct thr th = *(struct thr *)arg;
	free(arg);
	struct engine *e = th.e;
	struct drv_dev *d = th.d;
	for (;;) {
		pthread_mutex_lock(&e->mu);
		while (!e->stop && d->due_ns > pp_clock_mono_ns()) {
			struct timespec ts = {d->due_ns / 1000000000, d->due_ns % 1000000000};
			pthread_cond_timedwait(&e->cv, &e->mu, &ts);
		}
		int stop = e->stop;
		pthread_mutex_unlock(&e->mu);
		if (stop)
			break;
		int64_t due = d->due_ns, started = pp_clock_mono_ns();
		rf_poll_alloc(e->sink, d);
		if (e->sink->once)
			break;
		d->due_ns = e->sink->next_due(e->sink->ud, d, due, started);
	}
	return NULL;
}

static void rf_stop(void *engine)
{
	struct engine *e = engine;
	if (!e)
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = 1;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	for (size_t i = 0; i < e->n; i++) {
		struct rfdev *m = e->devs[i]->ctx;
		if (m->th_started)
			pthread_join(m->th, NULL);
		m->th_started = 0;
	}
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e->devs);
	free(e);
}

static enum pp_err rf_start(const struct drv_sink *s, struct drv_dev **devs, size_t n,
			    void **engine, struct pp_errbuf *eb)
{
	struct engine *e = calloc(1, sizeof *e);
	if (!e || !(e->devs = malloc(n * sizeof *e->devs))) {
		free(e);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	memcpy(e->devs, devs, n * sizeof *devs);
	e->n = n;
	e->sink = s;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&e->mu, NULL);
	int64_t now = pp_clock_mono_ns();
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, PP_RF_THREAD_STACK);
	for (size_t i = 0; i < n; i++) {
		struct rfdev *m = devs[i]->ctx;
		devs[i]->due_ns = s->first_due(s->ud, devs[i], now);
		struct thr *t = malloc(sizeof *t);
		if (t)
			*t = (struct thr){e, devs[i]};
		if (!t || pthread_create(&m->th, &at, dev_thread, t)) {
			free(t);
			pthread_attr_destroy(&at);
			rf_stop(e);
			return pp_err_set(eb, PP_ERR_NOMEM, "cannot start Redfish threads");
		}
		m->th_started = 1;
	}
	pthread_attr_destroy(&at);
	*engine = e;
	return PP_OK;
}

const struct pp_driver pp_driver_redfish = {
	.name = "redfish",
	.match = rf_match,
	.configure = rf_configure,
	.close = rf_close,
	.start = rf_start,
	.stop = rf_stop,
};
