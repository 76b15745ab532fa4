/* collect.c - the collect engine: device tags from the power tree, the poll
 * schedule, range checks, health, and grouping readings into samples. The
 * protocol work lives in the drivers below (drivers/modbus.c, snmp.c); they
 * report each poll through the struct drv_sink this engine fills in. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"
#include "powerpark/clock.h"
#include "powerpark/collect.h"
#include "powerpark/units.h"
#include "powerpark/log.h"

#define PP_MAX_DEV_TAGS 8 /* location tags of one device (site ... device) */
#define PP_EMIT_STACK 96 /* readings of one poll grouped without malloc */
#define PP_EMIT_MEAS 128  /* a table's measurement name, "pdu_outlet" */

static const struct pp_driver *const drivers[] = {&pp_driver_modbus, &pp_driver_snmp,
						  &pp_driver_redfish};
#define NDRIVERS (sizeof drivers / sizeof drivers[0])

/* One device under collection, beside its driver's struct drv_dev (same
 * index): location tags, health and counters. The counters are guarded by
 * the collector's mutex. */
struct cdev {
	const struct pp_device *dev;
	struct pp_tag tags[PP_MAX_DEV_TAGS];
	size_t ntags;
	const char *proto_name;
	int polled_once;
	struct pp_collect_devstats st; /* name, up, counters, last good poll, last error */
	double poll_ms;
	struct pp_log_backoff lb;
};

struct pp_collect {
	const struct pp_config *cfg;
	struct pp_collect_opts opts;
	pp_collect_sink sink;
	void *ud;
	struct cdev *devs;
	struct drv_dev *ddevs;
	size_t n;
	struct drv_sink drv;   /* what the drivers report to */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t once_done;
	struct {
		const struct pp_driver *drv;
		void *engine;
		int started;
	} eng[NDRIVERS];
};

static void set_sink(struct pp_collect *c);

static void add_tag(struct cdev *d, const char *k, const char *v)
{
	if (d->ntags < PP_MAX_DEV_TAGS && v && *v) {
		d->tags[d->ntags].key = k;
		d->tags[d->ntags].val = v;
		d->ntags++;
	}
}

/* Tags that place a device: the rack it meters, or the plant equipment it
 * belongs to; always the site and the device's own name. */
static void locate(const struct pp_config *cfg, struct cdev *d)
{
	add_tag(d, "site", cfg->site.name);
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			for (size_t k = 0; k < cfg->halls[h].rows[r].nracks; k++) {
				const struct pp_rack *rk = &cfg->halls[h].rows[r].racks[k];
				if (rk->device != d->dev)
					continue;
				add_tag(d, "hall", cfg->halls[h].name);
				add_tag(d, "row", cfg->halls[h].rows[r].name);
				add_tag(d, "rack", rk->name);
				goto dev;
			}
	static const char *const kind[] = {"chiller", "tower", "drycooler", "cdu"};
	for (size_t p = 0; p < cfg->nplants; p++)
		for (size_t e = 0; e < cfg->plants[p].nequip; e++) {
			const struct pp_equip *q = &cfg->plants[p].equip[e];
			if (q->device != d->dev)
				continue;
			add_tag(d, "plant", cfg->plants[p].name);
			if (q->hall)
				add_tag(d, "hall", q->hall);
			add_tag(d, kind[q->kind], q->name);
			goto dev;
		}
	/* Placed by its own key (a UPS feeding a hall). */
	if (d->dev->hall)
		add_tag(d, "hall", d->dev->hall);
dev:
	add_tag(d, "device", d->dev->name);
}

enum pp_err pp_collect_create(const struct pp_config *cfg, const struct pp_collect_opts *opts,
			      pp_collect_sink sink, void *ud, struct pp_collect **out,
			      struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_collect *c = calloc(1, sizeof *c);
	if (!c)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	c->cfg = cfg;
	if (opts)
		c->opts = *opts;
	c->sink = sink;
	c->ud = ud;
	set_sink(c);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->n = cfg->ndevices;
	c->devs = calloc(c->n ? c->n : 1, sizeof *c->devs);
	c->ddevs = calloc(c->n ? c->n : 1, sizeof *c->ddevs);
	if (!c->devs || !c->ddevs) {
		pp_collect_destroy(c);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < c->n; i++) {
		struct cdev *d = &c->devs[i];
		struct drv_dev *dd = &c->ddevs[i];
		d->dev = dd->dev = &cfg->devices[i];
		d->st.name = d->dev->name;
		dd->index = i;
		locate(cfg, d);
		for (size_t k = 0; k < NDRIVERS; k++)
			if (drivers[k]->match(d->dev))
				dd->driver = drivers[k];
		if (!dd->driver || (!d->dev->profile && d->dev->proto != PP_PROTO_REDFISH)) {
			pp_collect_destroy(c);
			return pp_err_set(eb, PP_ERR_ARG, "device '%s': no driver or profile",
				       d->dev->name);
		}
		d->proto_name = dd->driver->name;
		enum pp_err e = dd->driver->configure(c->ddevs, i, eb);
		if (e) {
			pp_collect_destroy(c);
			return e;
		}
	}
	*out = c;
	return PP_OK;
}

enum pp_err pp_collect_start(struct pp_collect *c, struct pp_errbuf *eb)
{
	struct drv_dev **list = malloc((c->n ? c->n : 1) * sizeof *list);
	if (!list)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k < NDRIVERS; k++) {
		size_t m = 0;
		for (size_t i = 0; i < c->n; i++)
			if (c->ddevs[i].driver == drivers[k])
				list[m++] = &c->ddevs[i];
		c->eng[k].drv = drivers[k];
		if (!m)
			continue;
		enum pp_err e = drivers[k]->start(&c->drv, list, m, &c->eng[k].engine, eb);
		if (e) {
			free(list);
			pp_collect_stop(c);
			return e;
		}
		c->eng[k].started = 1;
	}
	free(list);
	return PP_OK;
}

size_t pp_collect_wait_once(struct pp_collect *c)
{
	pthread_mutex_lock(&c->mu);
	while (c->once_done < c->n)
		pthread_cond_wait(&c->cv, &c->mu);
	size_t up = 0;
	for (size_t i = 0; i < c->n; i++)
		up += c->devs[i].st.up != 0;
	pthread_mutex_unlock(&c->mu);
	return up;
}

void pp_collect_stop(struct pp_collect *c)
{
	for (size_t k = 0; k < NDRIVERS; k++)
		if (c->eng[k].started) {
			c->eng[k].drv->stop(c->eng[k].engine);
			c->eng[k].started = 0;
			c->eng[k].engine = NULL;
		}
}

size_t pp_collect_ndevices(const struct pp_collect *c)
{
	return c->n;
}

void pp_collect_stats(struct pp_collect *c, size_t i, struct pp_collect_devstats *st)
{
	memset(st, 0, sizeof *st);
	if (i >= c->n)
		return;
	pthread_mutex_lock(&c->mu);
	*st = c->devs[i].st;
	pthread_mutex_unlock(&c->mu);
}

void pp_collect_destroy(struct pp_collect *c)
{
	if (!c)
		return;
	pp_collect_stop(c);
	for (size_t i = 0; i < c->n && c->ddevs; i++)
		if (c->ddevs[i].driver && c->ddevs[i].ctx)
			c->ddevs[i].driver->close(&c->ddevs[i]);
	free(c->devs);
	free(c->ddevs);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* --- what the drivers report to (struct drv_sink) ---------------------- */

static int64_t first_due(void *ud, const struct drv_dev *dd, int64_t now_ns)
{
	struct pp_collect *c = ud;
	if (c->opts.once)
		return now_ns;
	/* Knuth's multiplicative hash of the index: a stable, even spread. */
	uint64_t h = (uint64_t)(dd->index + 1) * 2654435761u;
	int64_t iv = (int64_t)dd->dev->interval_ms * 1000000;
	return now_ns + (int64_t)(h % (uint64_t)iv);
}

static int64_t next_due(void *ud, struct drv_dev *dd, int64_t due, int64_t started_ns)
{
	struct pp_collect *c = ud;
	int64_t iv = (int64_t)dd->dev->interval_ms * 1000000;
	/* Late: started more than a tenth of the interval after its slot. */
	uint64_t late = started_ns - due > iv / 10 ? 1 : 0;
	int64_t next = due + iv;
	int64_t now = pp_clock_mono_ns();
	if (next <= now) {
		/* Keep the original phase: skip whole slots that are already gone. */
		int64_t missed = (now - next) / iv + 1;
		next += missed * iv;
		late += (uint64_t)missed;
	}
	if (late) {
		pthread_mutex_lock(&c->mu);
		c->devs[dd->index].st.late += late;
		pthread_mutex_unlock(&c->mu);
	}
	return next;
}

static void range_drop(void *ud, struct drv_dev *dd)
{
	struct pp_collect *c = ud;
	pthread_mutex_lock(&c->mu);
	c->devs[dd->index].st.range_drops++;
	pthread_mutex_unlock(&c->mu);
}

static int scale(void *ud, struct drv_dev *dd, const struct pp_pfield *f, double raw,
		 double *out)
{
	/* At the scale's resolution: a 0.1 Hz register's 599 is 59.9. */
	double v = pp_units_scaled(raw, f->scale, f->offset);
	if (v == v && v >= f->min && v <= f->max) {
		*out = v;
		return 0;
	}
	range_drop(ud, dd);
	pp_log(PP_LOG_DEBUG, dd->driver->name, "%s: %s = %g outside [%g, %g], dropped",
	       dd->dev->name, f->name, v, f->min, f->max);
	return -1;
}

/* The table a value's row belongs to: "" for scalars, else its index tag.
 * Two tables of one profile (a PDU's phases and outlets) share index
 * numbers, so a row is the pair (table, index). */
static const char *row_table(const struct drv_val *v)
{
	if (!*v->index)
		return "";
	return v->f->index_tag ? v->f->index_tag : "index";
}

static int same_row(const struct drv_val *a, const struct drv_val *b)
{
	return !strcmp(a->index, b->index) && !strcmp(row_table(a), row_table(b));
}

/* "measurement_tag" into buf (len bytes), cut to fit; returns buf. Per
 * row of every poll, where snprintf showed in the profile. */
static const char *join_meas(char *buf, size_t len, const char *m, const char *tag)
{
	size_t a = strlen(m), b = strlen(tag);
	if (a > len - 1)
		a = len - 1;
	memcpy(buf, m, a);
	if (a + 1 < len) {
		buf[a++] = '_';
		if (b > len - 1 - a)
			b = len - 1 - a;
		memcpy(buf + a, tag, b);
		a += b;
	}
	buf[a] = '\0';
	return buf;
}

/* A hash of a value's row (table, index), so that grouping a PDU's 60
 * readings into its 20 rows compares integers, not strings, but for the
 * one check that confirms a match. */
static uint32_t row_hash(const struct drv_val *v)
{
	uint32_t h = 2166136261u;
	for (const char *p = row_table(v); *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = v->index; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

/* Emits one sample per table row (and one for the scalars), rows in the
 * order their first value came. */
static void emit_values(struct pp_collect *c, struct cdev *d, int64_t ts_ns,
			const struct drv_val *vals, size_t n)
{
	const struct pp_profile *p = d->dev->profile;
	/* A poll's readings fit on the stack but for huge tables, and its
	 * rows go to the sink in one call (one lock, one write, not twenty). */
	size_t tcap = n * (d->ntags + 2);
	struct pp_field fs[PP_EMIT_STACK];
	struct pp_tag ts[PP_EMIT_STACK * (PP_MAX_DEV_TAGS + 2)];
	struct pp_sample ss[PP_EMIT_STACK];
	char ms[PP_EMIT_STACK][PP_EMIT_MEAS];
	uint32_t hs[PP_EMIT_STACK];
	size_t rs[PP_EMIT_STACK], frs[PP_EMIT_STACK];
	int heap = n > PP_EMIT_STACK;
	struct pp_field *fields = heap ? malloc(n * sizeof *fields) : fs;
	struct pp_tag *tags = heap ? malloc(tcap * sizeof *tags) : ts;
	struct pp_sample *smp = heap ? malloc(n * sizeof *smp) : ss;
	char(*mbuf)[PP_EMIT_MEAS] = heap ? malloc(n * sizeof *mbuf) : ms;
	uint32_t *hash = heap ? malloc(n * sizeof *hash) : hs;
	size_t *row = heap ? malloc(n * sizeof *row) : rs, *first = heap ? malloc(n * sizeof *first) : frs;
	size_t nrows = 0, nsmp = 0, nf = 0, nt = 0;
	if (!fields || !tags || !smp || !mbuf || !hash || !row || !first)
		goto out;
	for (size_t i = 0; i < n; i++) {
		hash[i] = row_hash(&vals[i]);
		size_t r = 0;
		while (r < nrows && (hash[first[r]] != hash[i] || !same_row(&vals[first[r]], &vals[i])))
			r++;
		if (r == nrows)
			first[nrows++] = i;
		row[i] = r;
	}
	for (size_t r = 0; r < nrows; r++) {
		const char *idx = vals[first[r]].index;
		struct pp_sample *sm = &smp[nsmp];
		*sm = (struct pp_sample){p->measurement, &tags[nt], d->ntags, &fields[nf], 0, ts_ns, 1};
		memcpy(&tags[nt], d->tags, d->ntags * sizeof *tags);
		struct pp_tag *tg = &tags[nt];
		for (size_t k = first[r]; k < n; k++) {
			if (row[k] != r)
				continue;
			const struct pp_pfield *f = vals[k].f;
			if (*idx && sm->ntags == d->ntags) {
				const char *it = f->index_tag ? f->index_tag : "index";
				sm->measurement = join_meas(mbuf[nsmp], PP_EMIT_MEAS, p->measurement, it);
				tg[sm->ntags].key = it;
				tg[sm->ntags++].val = idx;
			}
			if (f->as_tag) {
				tg[sm->ntags].key = f->name;
				tg[sm->ntags++].val = vals[k].s ? vals[k].s : "";
				continue;
			}
			struct pp_field *fl = &fields[nf + sm->nfields++];
			fl->key = vals[k].name ? vals[k].name : f->name;
			fl->type = PP_F_FLOAT;
			fl->v.f = vals[k].v;
		}
		if (!sm->nfields)
			continue;
		nf += sm->nfields;
		nt += sm->ntags;
		nsmp++;
	}
	if (nsmp)
		c->sink(c->ud, smp, nsmp);
out:
	if (heap) {
		free(fields);
		free(tags);
		free(smp);
		free(mbuf);
		free(hash);
		free(row);
		free(first);
	}
}

/* A sample a driver built (drv_sink.emit): the device's tags first. */
static void emit_built(void *ud, struct drv_dev *dd, const char *meas, const struct pp_tag *tags,
		       size_t ntags, const struct pp_field *fields, size_t nfields, int64_t ts_ns)
{
	struct pp_collect *c = ud;
	struct cdev *d = &c->devs[dd->index];
	struct pp_tag *t = malloc((d->ntags + ntags + 1) * sizeof *t);
	if (!t)
		return;
	memcpy(t, d->tags, d->ntags * sizeof *t);
	memcpy(t + d->ntags, tags, ntags * sizeof *t);
	struct pp_sample s = {meas, t, d->ntags + ntags, fields, nfields, ts_ns, 1};
	c->sink(c->ud, &s, 1);
	free(t);
}

/* Ends one poll: emits its readings as samples grouped by table row, then
 * the device's health sample. */
static void poll_done(void *ud, struct drv_dev *dd, const struct drv_poll *p)
{
	struct pp_collect *c = ud;
	struct cdev *d = &c->devs[dd->index];
	struct pp_collect_devstats *st = &d->st;
	const char *err = p->err ? p->err : "error";
	if (p->n)
		emit_values(c, d, p->ts_ns, p->vals, p->n);
	int64_t now = pp_clock_mono_ns();
	pthread_mutex_lock(&c->mu);
	st->polls++;
	d->poll_ms = (double)(now - p->started_mono_ns) / 1e6;
	int was_up = st->up, first = !d->polled_once;
	st->up = p->ok;
	if (p->ok) {
		st->ok++;
		st->last_ok_ns = p->ts_ns;
	} else {
		st->errors++;
		st->timeouts += p->timeout != 0;
		st->auth_errors += p->auth != 0;
		snprintf(st->last_error, sizeof st->last_error, "%s", err);
	}
	if (p->failed_parts)
		snprintf(st->last_error, sizeof st->last_error, "%s", err);
	struct pp_field f[10] = {
		{"up", PP_F_INT, {.i = p->ok}},
		{"polls", PP_F_UINT, {.u = st->polls}},
		{"errors", PP_F_UINT, {.u = st->errors}},
		{"timeouts", PP_F_UINT, {.u = st->timeouts}},
		{"late", PP_F_UINT, {.u = st->late}},
		{"range_drops", PP_F_UINT, {.u = st->range_drops}},
		{"auth_errors", PP_F_UINT, {.u = st->auth_errors}},
		{"poll_ms", PP_F_FLOAT, {.f = d->poll_ms}},
		{"failed_blocks", PP_F_UINT, {.u = (uint64_t)p->failed_parts}},
		{"last_ok_s", PP_F_FLOAT, {.f = (double)st->last_ok_ns / 1e9}},
	};
	size_t nf = st->last_ok_ns ? 10 : 9;
	uint64_t suppressed = 0;
	int log_it = 0;
	if (p->ok) {
		if (!was_up && !first)
			suppressed = pp_log_backoff_reset(&d->lb);
	} else {
		log_it = pp_log_backoff_hit(&d->lb, now);
	}
	if (!d->polled_once) {
		d->polled_once = 1;
		c->once_done++;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	struct pp_tag t[PP_MAX_DEV_TAGS + 1];
	memcpy(t, d->tags, d->ntags * sizeof *t);
	t[d->ntags].key = "proto";
	t[d->ntags].val = d->proto_name;
	struct pp_sample s = {"device", t, d->ntags + 1, f, nf, p->ts_ns, 1};
	c->sink(c->ud, &s, 1);
	if (log_it)
		pp_log(PP_LOG_WARN, d->proto_name, "%s (%s): %s [%" PRIu64 " failed polls in a row]",
		       d->dev->name, d->dev->address, err, d->lb.count);
	else if (suppressed)
		pp_log(PP_LOG_INFO, d->proto_name, "%s (%s): answering again after %" PRIu64
		       " failed polls", d->dev->name, d->dev->address, suppressed);
}

static void set_sink(struct pp_collect *c)
{
	c->drv = (struct drv_sink){
		.ud = c,
		.once = c->opts.once,
		.modbus_workers = c->opts.modbus_workers,
		.first_due = first_due,
		.next_due = next_due,
		.scale = scale,
		.range_drop = range_drop,
		.emit = emit_built,
		.done = poll_done,
	};
}
