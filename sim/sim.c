/* sim.c - the top of the simulated park: its life cycle, the control
 * socket, the description of what it serves, and the event loop. The
 * park's state and physics are below it (sim_park.c), the protocol
 * servers beside them (sim_modbus.c, sim_snmp.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/json.h"
#include "powerpark/log.h"
#include "powerpark/net.h"
#include "sim_int.h"

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
				 sim_rack_w(s, r), r->cap_w, r->demand, r->floor_w);
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
	s->pass++; /* the halls' cached draws are stale now */
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
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, PP_SIM_BACKLOG) ||
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
	enum pp_err e;
	if (s->ep < 0) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((e = sim_park_init(s, eb)) || (e = ctl_open(s, eb)) || (e = sim_snmp_open(s, eb)) ||
	    (e = sim_modbus_open(s, eb)))
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

/* One served SNMP agent, as `powerpark sim` describes it. */
static void describe_agent(struct pp_json *j, const struct sdev *d)
{
	pp_json_obj(j);
	pp_json_kstr(j, "device", d->dev->name);
	pp_json_kstr(j, "address", d->dev->address);
	pp_json_kstr(j, "version", d->dev->snmp.version == 1 ? "1" : "2c");
	pp_json_kstr(j, "community", d->dev->snmp.community);
	pp_json_kstr(j, "profile", d->dev->profile->name);
	pp_json_end(j);
}

void pp_sim_describe(struct pp_sim *s, FILE *f)
{
	struct pp_buf b;
	pp_buf_init(&b);
	struct pp_json j;
	pp_json_init(&j, &b);
	pp_json_obj(&j);
	pp_json_kstr(&j, "site", s->cfg->site.name);
	pp_json_kstr(&j, "control", s->ctl_addr);
	pp_json_kbool(&j, "frozen", s->opts.frozen);
	pp_json_key(&j, "snmp");
	pp_json_arr(&j);
	for (size_t i = 0; i < s->ndevs; i++)
		if (s->devs[i].served && s->devs[i].dev->proto == PP_PROTO_SNMP)
			describe_agent(&j, &s->devs[i]);
	pp_json_end(&j);
	pp_json_key(&j, "modbus");
	sim_modbus_describe(s, &j);
	pp_json_key(&j, "skipped");
	pp_json_arr(&j);
	for (size_t i = 0; i < s->ndevs; i++) {
		const struct sdev *d = &s->devs[i];
		if (d->served)
			continue;
		pp_json_obj(&j);
		pp_json_kstr(&j, "device", d->dev->name);
		pp_json_kstr(&j, "why", d->skip_why ? d->skip_why : "not served");
		pp_json_end(&j);
	}
	pp_json_end(&j);
	pp_json_end(&j);
	if (pp_json_done(&j) == PP_OK)
		fprintf(f, "%.*s\n", (int)b.len, b.data);
	fflush(f);
	pp_buf_free(&b);
}

void pp_sim_run(struct pp_sim *s, volatile int *stop)
{
	struct epoll_event evs[PP_SIM_MAX_EVENTS];
	while (!*stop) {
		int k = epoll_wait(s->ep, evs, PP_SIM_MAX_EVENTS, PP_SIM_TICK_MS);
		s->pass++;
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
	free(s->hall_w);
	free(s->hall_pass);
	free(s);
}
