/* sim.c - the simulated park's state, physics, control socket and loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "powerpark/chiller.h"
#include "powerpark/clock.h"
#include "powerpark/gpu.h"
#include "powerpark/log.h"
#include "powerpark/net.h"
#include "sim_int.h"

double sim_elapsed(struct pp_sim *s)
{
	return s->opts.frozen ? 0 : (double)(pp_clock_mono_ns() - s->t0_mono) / 1e9;
}

double sim_noise(struct pp_sim *s, double rel)
{
	if (s->opts.frozen)
		return 1;
	s->rng = s->rng * 1103515245u + 12345u;
	double u = (double)((s->rng >> 8) & 0xffff) / 65535.0;
	return 1 + rel * (2 * u - 1);
}

/* Rack power in W: base load plus each GPU at min(cap, demand). A
 * swinging job wants its demand for the compute part (60 %) of each
 * period and swing_lo of TDP for the rest, all GPUs in step; a floor set
 * through power smoothing lifts the low phase (never above the cap). */
static double rack_w(struct pp_sim *s, const struct sim_rack *r)
{
	double want = r->demand * r->tdp_w;
	if (r->swing_hz > 0 && fmod(sim_elapsed(s) * r->swing_hz, 1.0) >= 0.6)
		want = r->swing_lo * r->tdp_w;
	double idle = r->idle_w;
	double g = want < r->cap_w ? want : r->cap_w;
	if (g < r->floor_w)
		g = r->floor_w < r->cap_w ? r->floor_w : r->cap_w;
	if (g < idle)
		g = idle;
	return (r->r->base_kw * 1000 + r->r->gpus * g) * sim_noise(s, 0.005);
}

static double hall_it_w(struct pp_sim *s, const char *hall)
{
	double w = 0;
	for (size_t i = 0; i < s->nracks; i++) {
		const struct pp_rack *r = s->racks[i].r;
		for (size_t h = 0; h < s->cfg->nhalls; h++) {
			const struct pp_hall *hl = &s->cfg->halls[h];
			if (strcmp(hl->name, hall))
				continue;
			for (size_t k = 0; k < hl->nrows; k++)
				if (r >= hl->rows[k].racks && r < hl->rows[k].racks + hl->rows[k].nracks)
					w += rack_w(s, &s->racks[i]);
		}
	}
	for (size_t h = 0; h < s->cfg->nhalls; h++)
		if (!strcmp(s->cfg->halls[h].name, hall))
			w += s->cfg->halls[h].base_kw * 1000;
	return w;
}

static double plant_heat_w(struct pp_sim *s, const struct pp_plant *p)
{
	double w = 0;
	for (size_t i = 0; i < p->nserves; i++)
		w += hall_it_w(s, p->serves[i]);
	return w;
}

static double site_it_w(struct pp_sim *s)
{
	double w = 0;
	for (size_t h = 0; h < s->cfg->nhalls; h++)
		w += hall_it_w(s, s->cfg->halls[h].name);
	return w;
}

int sim_table_rows(const struct sdev *d, const struct pp_pfield *f)
{
	(void)d;
	const char *t = f->index_tag ? f->index_tag : "";
	if (!strcmp(t, "line") || !strcmp(t, "phase"))
		return 3;
	if (!strcmp(t, "outlet"))
		return 16;
	return 4;
}

void sim_label(const struct sdev *d, const struct pp_pfield *f, int row, char *out, size_t len)
{
	snprintf(out, len, "%s-%s%d", d->dev->name, f->index_tag ? f->index_tag : "row", row);
}

static int has(const char *name, const char *part)
{
	return strstr(name, part) != NULL;
}

/* The reading of one field, from the device's place in the park. Field names
 * carry their unit (power_w, load_kw, ...), which is what the physics keys on;
 * a field the sim has no physics for reads the middle of its valid range. */
static double raw_value(struct pp_sim *s, struct sdev *d, const struct pp_pfield *f, int row)
{
	const char *n = f->name;
	double t = sim_elapsed(s);
	int rows = f->table ? sim_table_rows(d, f) : 1;
	double it_w;
	if (d->rack)
		it_w = rack_w(s, d->rack);
	else if (d->equip && d->plant)
		it_w = d->equip->kind == PP_EQ_CDU && d->equip->hall ? hall_it_w(s, d->equip->hall)
								      : plant_heat_w(s, d->plant);
	else
		it_w = site_it_w(s);
	if (d->equip && d->equip->kind == PP_EQ_CHILLER) {
		size_t nch = 0;
		for (size_t i = 0; i < d->plant->nequip; i++)
			nch += d->plant->equip[i].kind == PP_EQ_CHILLER;
		double load_kw = it_w / 1000 / (double)(nch ? nch : 1);
		double flow = d->equip->capacity_kw / (4.186 * 6.0);
		double sup = d->plant->chw_supply_c;
		if (has(n, "power")) {
			/* The models' chiller at the sim's fixed condenser water. */
			const struct pp_chiller_model *m = pp_chiller_find(d->equip->model);
			struct pp_chiller_out o;
			pp_chiller_eval(m ? m : pp_chiller_find("doe2-centrifugal"),
					d->equip->capacity_kw, load_kw, sup, 29.5, &o);
			return o.power_kw * sim_noise(s, 0.01);
		}
		if (has(n, "load"))
			return load_kw;
		if (has(n, "chw_supply"))
			return sup;
		if (has(n, "chw_return"))
			return sup + load_kw / (4.186 * flow);
		if (has(n, "cond_in"))
			return 29.5;
		if (has(n, "cond_out"))
			return 29.5 + load_kw * 1.17 / (4.186 * flow * 1.2);
		if (has(n, "flow"))
			return flow;
		if (has(n, "running"))
			return load_kw > 0;
		if (has(n, "alarm"))
			return 0;
	}
	if (d->equip && d->equip->kind == PP_EQ_CDU) {
		size_t ncdu = 0;
		for (size_t i = 0; i < d->plant->nequip; i++)
			ncdu += d->plant->equip[i].kind == PP_EQ_CDU && d->equip->hall &&
				d->plant->equip[i].hall && !strcmp(d->plant->equip[i].hall, d->equip->hall);
		double heat_kw = it_w / 1000 / (double)(ncdu ? ncdu : 1);
		double flow = d->equip->capacity_kw / (4.186 * 10.0);
		if (has(n, "heat"))
			return heat_kw;
		if (has(n, "supply"))
			return 32.0;
		if (has(n, "return"))
			return 32.0 + heat_kw / (4.186 * flow);
		if (has(n, "flow"))
			return flow;
		if (has(n, "pump"))
			return 0.012 * d->equip->capacity_kw;
	}
	double w = it_w;
	if (!d->rack && !d->equip && !strcmp(d->dev->profile->measurement, "meter"))
		w = (it_w + s->cfg->site.other_kw * 1000) * 1.25; /* cooling on top */
	w /= rows;
	double v_ll = d->rack ? 400 : 22900, v_ln = d->rack ? 230 : 22900 / sqrt(3);
	if (has(n, "energy_kwh"))
		return 1000 + w * t / 3.6e6;
	if (has(n, "power_kw"))
		return w / 1000;
	if (has(n, "power_w"))
		return w;
	if (has(n, "voltage_ll"))
		return v_ll;
	if (has(n, "voltage"))
		return v_ln;
	if (has(n, "current"))
		return w / (rows == 3 ? v_ln : v_ll * sqrt(3) * 0.98);
	if (has(n, "frequency"))
		return 60.0;
	if (has(n, "power_factor"))
		return 0.98;
	if (has(n, "load_pct"))
		return 55;
	if (has(n, "charge_pct"))
		return 100;
	if (has(n, "runtime_min"))
		return 15;
	if (has(n, "battery_status"))
		return 2; /* batteryNormal */
	(void)row;
	double lo = f->min > -1e299 ? f->min : 0, hi = f->max < 1e299 ? f->max : 2 * lo + 100;
	return (lo + hi) / 2;
}

double sim_value(struct pp_sim *s, struct sdev *d, const struct pp_pfield *f, int row)
{
	double v = raw_value(s, d, f, row);
	if (v < f->min)
		v = f->min;
	if (v > f->max)
		v = f->max;
	return v;
}

int sim_watch_add(struct pp_sim *s, struct sim_watch *w)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, w->fd, &ev);
}

void sim_watch_del(struct pp_sim *s, struct sim_watch *w)
{
	epoll_ctl(s->ep, EPOLL_CTL_DEL, w->fd, NULL);
}

/* --- the control socket: one text command per line ------------------- */

struct ctl_conn {
	struct sim_watch w;
	char buf[1024];
	size_t len;
};

static struct sim_rack *find_rack(struct pp_sim *s, const char *name)
{
	for (size_t i = 0; i < s->nracks; i++)
		if (!strcmp(s->racks[i].r->name, name))
			return &s->racks[i];
	return NULL;
}

/* cap RACK|* WATTS, demand RACK|* FRACTION, floor RACK|* WATTS, swing RACK|* HZ
 * LOW, get RACK, fault DEVICE KIND. */
static void ctl_command(struct pp_sim *s, char *line, char *out, size_t len)
{
	char cmd[16], who[128];
	double v = 0;
	int n = sscanf(line, "%15s %127s %lf", cmd, who, &v);
	if (n >= 2 && !strcmp(cmd, "get")) {
		struct sim_rack *r = find_rack(s, who);
		if (!r)
			snprintf(out, len, "error: no rack '%s'\n", who);
		else
			snprintf(out, len, "ok power_w=%.1f cap_w=%.1f demand=%.3f floor_w=%.1f\n",
				 rack_w(s, r), r->cap_w, r->demand, r->floor_w);
		return;
	}
	if (n >= 2 && !strcmp(cmd, "fault")) {
		/* fault DEVICE silent|none: a device that stops answering, for
		 * tests of what stale readings do downstream. */
		char kind[16] = "";
		if (sscanf(line, "%*s %*s %15s", kind) != 1 ||
		    (strcmp(kind, "silent") && strcmp(kind, "none")))
			snprintf(out, len, "error: expected 'fault DEVICE silent|none'\n");
		else if (pp_sim_fault(s, who, !strcmp(kind, "silent") ? PP_FAULT_SILENT
									: PP_FAULT_NONE, 0))
			snprintf(out, len, "error: no device '%s'\n", who);
		else
			snprintf(out, len, "ok fault %s %s\n", who, kind);
		return;
	}
	/* Each setter: its name, its valid range, the second value's (swing). */
	static const struct {
		const char *name, *what;
		double lo, hi, lo2, hi2;
	} set[] = {{"cap", "cap (0-5000 W)", 0, 5000, 0, 0},
		   {"demand", "demand (0-1.5)", 0, 1.5, 0, 0},
		   {"floor", "floor (0-5000 W)", 0, 5000, 0, 0},
		   {"swing", "swing (0-20 Hz, low phase 0-1.5 of TDP)", 0, 20, 0, 1.5}};
	size_t k = 0;
	while (k < sizeof set / sizeof *set && strcmp(set[k].name, cmd))
		k++;
	double v2 = 0;
	int two = k == 3;
	if (k == sizeof set / sizeof *set || n != 3 ||
	    (two && sscanf(line, "%*s %*s %*f %lf", &v2) != 1)) {
		snprintf(out, len, "error: expected 'cap RACK|* WATTS', 'demand RACK|* FRACTION', "
				   "'floor RACK|* WATTS', 'swing RACK|* HZ LOW' or 'get RACK'\n");
		return;
	}
	if (v < set[k].lo || v > set[k].hi || (two && (v2 < set[k].lo2 || v2 > set[k].hi2))) {
		snprintf(out, len, "error: %s out of range\n", set[k].what);
		return;
	}
	size_t hit = 0;
	for (size_t i = 0; i < s->nracks; i++)
		if (!strcmp(who, "*") || !strcmp(s->racks[i].r->name, who)) {
			struct sim_rack *r = &s->racks[i];
			if (k == 0)
				r->cap_w = v;
			else if (k == 1)
				r->demand = v;
			else if (k == 2)
				r->floor_w = v;
			else {
				r->swing_hz = v;
				r->swing_lo = v2;
			}
			hit++;
		}
	if (hit)
		snprintf(out, len, "ok %zu racks\n", hit);
	else
		snprintf(out, len, "error: no rack '%s'\n", who);
}

static void ctl_read(struct pp_sim *s, struct sim_watch *w)
{
	struct ctl_conn *c = (struct ctl_conn *)w;
	ssize_t k = read(w->fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
	if (k <= 0) {
		sim_watch_del(s, w);
		close(w->fd);
		free(c);
		return;
	}
	c->len += (size_t)k;
	char *nl;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		*nl = '\0';
		char out[256];
		ctl_command(s, c->buf, out, sizeof out);
		if (write(w->fd, out, strlen(out)) < 0)
			break;
		size_t used = (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof c->buf - 1)
		c->len = 0; /* an over-long line: dropped */
}

static void ctl_accept(struct pp_sim *s, struct sim_watch *w)
{
	int fd = accept(w->fd, NULL, NULL);
	if (fd < 0)
		return;
	struct ctl_conn *c = calloc(1, sizeof *c);
	if (!c) {
		close(fd);
		return;
	}
	c->w.fd = fd;
	c->w.on_ready = ctl_read;
	if (sim_watch_add(s, &c->w)) {
		close(fd);
		free(c);
	}
}

static int ctl_open(struct pp_sim *s, struct pp_errbuf *eb)
{
	const char *addr = s->opts.control ? s->opts.control : "127.0.0.1:0";
	struct sockaddr_in sa;
	enum pp_err pe = pp_net_addr_parse("--control", addr, &sa, eb);
	if (pe)
		return pe;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	socklen_t sl = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return pp_err_set(eb, PP_ERR_IO, "control socket %s: %s", addr, strerror(e));
	}
	char host[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
	snprintf(s->ctl_addr, sizeof s->ctl_addr, "%s:%u", host, ntohs(sa.sin_port));
	s->ctl.fd = fd;
	s->ctl.on_ready = ctl_accept;
	return sim_watch_add(s, &s->ctl) ? pp_err_set(eb, PP_ERR_IO, "epoll: %s", strerror(errno))
					 : PP_OK;
}

/* --- life cycle --------------------------------------------------------- */

enum pp_err pp_sim_create(const struct pp_config *cfg, const struct pp_sim_opts *opts,
			  struct pp_sim **out, struct pp_errbuf *eb)
{
	*out = NULL;
	struct pp_sim *s = calloc(1, sizeof *s);
	if (!s)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	s->cfg = cfg;
	if (opts)
		s->opts = *opts;
	s->rng = s->opts.seed ? s->opts.seed : 12345u;
	s->t0_mono = pp_clock_mono_ns();
	s->ctl.fd = -1;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	size_t nr = 0;
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			nr += cfg->halls[h].rows[r].nracks;
	s->racks = calloc(nr ? nr : 1, sizeof *s->racks);
	s->devs = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *s->devs);
	enum pp_err e;
	if (s->ep < 0 || !s->racks || !s->devs) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t h = 0; h < cfg->nhalls; h++)
		for (size_t r = 0; r < cfg->halls[h].nrows; r++)
			for (size_t k = 0; k < cfg->halls[h].rows[r].nracks; k++) {
				struct sim_rack *sr = &s->racks[s->nracks++];
				sr->r = &cfg->halls[h].rows[r].racks[k];
				/* The config checked the model name against models/. */
				const struct pp_gpu_model *g = pp_gpu_find(sr->r->gpu_model);
				sr->tdp_w = g ? g->cap_max_w : 700;
				sr->idle_w = g ? g->idle_w : 0.12 * sr->tdp_w;
				sr->cap_w = sr->tdp_w;
				/* A steady mix: most racks busy, a few lighter. */
				sr->demand = 0.70 + 0.05 * (double)(s->nracks % 5);
			}
	s->ndevs = cfg->ndevices;
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		d->dev = &cfg->devices[i];
		for (size_t k = 0; k < s->nracks; k++)
			if (s->racks[k].r->device == d->dev)
				d->rack = &s->racks[k];
		for (size_t p = 0; p < cfg->nplants; p++)
			for (size_t q = 0; q < cfg->plants[p].nequip; q++)
				if (cfg->plants[p].equip[q].device == d->dev) {
					d->equip = &cfg->plants[p].equip[q];
					d->plant = &cfg->plants[p];
				}
	}
	if ((e = ctl_open(s, eb)) || (e = sim_snmp_open(s, eb)) || (e = sim_modbus_open(s, eb)))
		goto fail;
	*out = s;
	return PP_OK;
fail:
	pp_sim_destroy(s);
	return e;
}

enum pp_err pp_sim_fault(struct pp_sim *s, const char *device, enum pp_sim_fault_kind k, int arg)
{
	for (size_t i = 0; i < s->ndevs; i++)
		if (!strcmp(s->devs[i].dev->name, device)) {
			s->devs[i].fault = k;
			s->devs[i].fault_arg = arg;
			return PP_OK;
		}
	return PP_ERR_ARG;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void pp_sim_describe(struct pp_sim *s, FILE *f)
{
	fprintf(f, "{\"site\":");
	json_str(f, s->cfg->site.name);
	fprintf(f, ",\"control\":\"%s\",\"frozen\":%s,\"snmp\":[", s->ctl_addr,
		s->opts.frozen ? "true" : "false");
	int first = 1;
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		if (!d->served || d->dev->proto != PP_PROTO_SNMP)
			continue;
		fprintf(f, "%s{\"device\":", first ? "" : ",");
		json_str(f, d->dev->name);
		fprintf(f, ",\"address\":");
		json_str(f, d->dev->address);
		fprintf(f, ",\"version\":\"%s\",\"community\":", d->dev->snmp.version == 1 ? "1" : "2c");
		json_str(f, d->dev->snmp.community);
		fprintf(f, ",\"profile\":");
		json_str(f, d->dev->profile->name);
		fputc('}', f);
		first = 0;
	}
	fprintf(f, "],\"modbus\":");
	sim_modbus_describe(s, f);
	fprintf(f, ",\"skipped\":[");
	first = 1;
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		if (d->served)
			continue;
		fprintf(f, "%s{\"device\":", first ? "" : ",");
		json_str(f, d->dev->name);
		fprintf(f, ",\"why\":");
		json_str(f, d->skip_why ? d->skip_why : "not served");
		fputc('}', f);
		first = 0;
	}
	fprintf(f, "]}\n");
	fflush(f);
}

void pp_sim_run(struct pp_sim *s, volatile int *stop)
{
	struct epoll_event evs[256];
	while (!*stop) {
		int k = epoll_wait(s->ep, evs, 256, 5);
		for (int i = 0; i < k; i++) {
			struct sim_watch *w = evs[i].data.ptr;
			w->on_ready(s, w);
		}
		sim_snmp_tick(s);
		sim_modbus_tick(s);
	}
}

void pp_sim_destroy(struct pp_sim *s)
{
	if (!s)
		return;
	sim_snmp_close(s);
	sim_modbus_close(s);
	if (s->ctl.fd >= 0)
		close(s->ctl.fd);
	if (s->ep >= 0)
		close(s->ep);
	free(s->racks);
	free(s->devs);
	free(s);
}
