/* sim_modbus.c - Modbus TCP gateways of the simulated park on libmodbus's
 * server side: one listener per address, the devices behind it by unit id
 * (an unknown unit gets exception 0x0B, as from a real gateway), registers
 * refreshed from the physical state on every request. */
#include <errno.h>
#include <modbus.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "powerpark/clock.h"
#include "powerpark/modbus.h"
#include "powerpark/buf.h"
#include "powerpark/log.h"
#include "sim_int.h"
#include "powerpark/net.h"

struct gateway;

struct client {
	struct sim_watch w;
	struct gateway *gw;
	int closed;
	struct client *next;
};

struct unit {
	struct sdev *d;
	modbus_mapping_t *map;
};

struct gateway {
	struct sim_watch w;       /* the listener */
	const char *address;
	modbus_t *ctx;
	struct unit *units;
	size_t nunits;
	struct client *clients;
};

struct pending {
	struct client *cl;
	struct unit *u;
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	int len;
	int64_t at;
};

struct mb_engine {
	struct gateway *gws;
	size_t n;
	struct pending *q;
	size_t nq, capq;
};

static void refresh(struct pp_sim *s, struct unit *u)
{
	const struct pp_profile *p = u->d->dev->profile;
	for (size_t i = 0; i < p->nfields; i++) {
		const struct pp_pfield *f = &p->fields[i];
		double v = sim_value(s, u->d, f, 0);
		double raw = (v - f->offset) / f->scale;
		switch (f->func) {
		case PP_MB_COIL: u->map->tab_bits[f->reg] = raw != 0; break;
		case PP_MB_DISCRETE: u->map->tab_input_bits[f->reg] = raw != 0; break;
		case PP_MB_HOLDING:
			pp_modbus_encode(&u->map->tab_registers[f->reg], f->vtype, f->order, f->bit, raw);
			break;
		default:
			pp_modbus_encode(&u->map->tab_input_registers[f->reg], f->vtype, f->order, f->bit,
					 raw);
			break;
		}
	}
}

static void close_client(struct pp_sim *s, struct client *cl)
{
	if (cl->closed)
		return;
	sim_watch_del(s, &cl->w);
	close(cl->w.fd);
	cl->closed = 1;
}

static void reply(struct pp_sim *s, struct client *cl, struct unit *u, const uint8_t *q, int len)
{
	struct gateway *gw = cl->gw;
	modbus_set_socket(gw->ctx, cl->w.fd);
	if (!u) {
		modbus_reply_exception(gw->ctx, q, MODBUS_EXCEPTION_GATEWAY_TARGET);
		return;
	}
	if (u->d->fault == PP_FAULT_EXCEPTION) {
		modbus_reply_exception(gw->ctx, q, (unsigned)u->d->fault_arg);
		return;
	}
	refresh(s, u);
	if (modbus_reply(gw->ctx, q, len, u->map) == -1 && errno != EMBXILADD)
		close_client(s, cl);
}

static void on_client(struct pp_sim *s, struct sim_watch *w)
{
	struct client *cl = (struct client *)w;
	struct gateway *gw = cl->gw;
	struct mb_engine *en = s->modbus;
	uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_set_socket(gw->ctx, w->fd);
	int len = modbus_receive(gw->ctx, q);
	if (len <= 0) {
		if (len < 0)
			close_client(s, cl);
		return;
	}
	int unit_id = q[6];
	struct unit *u = NULL;
	for (size_t i = 0; i < gw->nunits; i++)
		if (gw->units[i].d->dev->unit_id == unit_id)
			u = &gw->units[i];
	if (u) {
		u->d->requests++;
		switch (u->d->fault) {
		case PP_FAULT_SILENT: return;
		case PP_FAULT_RESET: close_client(s, cl); return;
		case PP_FAULT_DELAY:
			if (pp_buf_array_grow(&en->q, &en->capq, en->nq + 1, sizeof *en->q))
				return;
			struct pending *p = &en->q[en->nq++];
			p->cl = cl;
			p->u = u;
			memcpy(p->q, q, (size_t)len);
			p->len = len;
			p->at = pp_clock_mono_ns() + (int64_t)u->d->fault_arg * 1000000;
			return;
		default: break;
		}
	}
	reply(s, cl, u, q, len);
}

static void on_accept(struct pp_sim *s, struct sim_watch *w)
{
	struct gateway *gw = (struct gateway *)w;
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (fd >= FD_SETSIZE) {
		/* libmodbus waits with select(), which aborts on such a number:
		 * refuse this client rather than the whole park. */
		pp_log(PP_LOG_WARN, "sim", "gateway %s: client refused, descriptor %d is past "
					   "select()'s %d", gw->address, fd, FD_SETSIZE);
		close(fd);
		return;
	}
	struct client *cl = calloc(1, sizeof *cl);
	if (!cl) {
		close(fd);
		return;
	}
	cl->w.fd = fd;
	cl->w.on_ready = on_client;
	cl->gw = gw;
	cl->next = gw->clients;
	gw->clients = cl;
	if (sim_watch_add(s, &cl->w)) {
		close(fd);
		cl->closed = 1;
	}
}

static int map_unit(struct unit *u)
{
	const struct pp_profile *p = u->d->dev->profile;
	int n[5] = {0};
	for (size_t i = 0; i < p->nfields; i++) {
		const struct pp_pfield *f = &p->fields[i];
		int end = f->reg + (f->func <= PP_MB_DISCRETE ? 1 : pp_config_vtype_regs(f->vtype));
		if (end > n[f->func])
			n[f->func] = end;
	}
	u->map = modbus_mapping_new(n[PP_MB_COIL], n[PP_MB_DISCRETE], n[PP_MB_HOLDING],
				    n[PP_MB_INPUT]);
	return u->map ? 0 : -1;
}

enum pp_err sim_modbus_open(struct pp_sim *s, struct pp_errbuf *eb)
{
	struct mb_engine *en = calloc(1, sizeof *en);
	if (!en)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	s->modbus = en;
	en->gws = calloc(s->ndevs ? s->ndevs : 1, sizeof *en->gws);
	if (!en->gws)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		if (d->dev->proto == PP_PROTO_MODBUS_RTU) {
			d->skip_why = "Modbus RTU: the sim serves Modbus TCP only";
			continue;
		}
		if (d->dev->proto != PP_PROTO_MODBUS_TCP)
			continue;
		struct gateway *gw = NULL;
		for (size_t k = 0; k < en->n && !gw; k++)
			if (!strcmp(en->gws[k].address, d->dev->address))
				gw = &en->gws[k];
		if (!gw) {
			gw = &en->gws[en->n++];
			gw->address = d->dev->address;
			gw->w.fd = -1;
			gw->units = calloc(s->ndevs, sizeof *gw->units);
			char host[256];
			const char *port;
			if (!gw->units)
				return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
			if (pp_net_hostport_split(d->dev->address, host, sizeof host, &port))
				return pp_err_set(eb, PP_ERR_CONFIG, "device '%s': bad address '%s'",
					       d->dev->name, d->dev->address);
			gw->ctx = modbus_new_tcp_pi(host, port);
			int fd = gw->ctx ? modbus_tcp_pi_listen(gw->ctx, PP_SIM_BACKLOG) : -1;
			if (fd < 0)
				return pp_err_set(eb, PP_ERR_IO, "device '%s': cannot serve Modbus TCP on "
							      "%s: %s", d->dev->name, d->dev->address,
					       modbus_strerror(errno));
			gw->w.fd = fd;
			gw->w.on_ready = on_accept;
			if (sim_watch_add(s, &gw->w))
				return pp_err_set(eb, PP_ERR_IO, "epoll add failed");
		}
		for (size_t k = 0; k < gw->nunits; k++)
			if (gw->units[k].d->dev->unit_id == d->dev->unit_id)
				return pp_err_set(eb, PP_ERR_CONFIG, "devices '%s' and '%s' share %s unit %d",
					       gw->units[k].d->dev->name, d->dev->name, gw->address,
					       d->dev->unit_id);
		struct unit *u = &gw->units[gw->nunits++];
		u->d = d;
		if (map_unit(u))
			return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		d->served = 1;
		d->proto = u;
	}
	return PP_OK;
}

void sim_modbus_tick(struct pp_sim *s)
{
	struct mb_engine *en = s->modbus;
	if (!en || !en->nq)
		return;
	int64_t now = pp_clock_mono_ns();
	size_t k = 0;
	for (size_t i = 0; i < en->nq; i++) {
		struct pending *p = &en->q[i];
		if (p->at > now) {
			en->q[k++] = *p;
			continue;
		}
		if (!p->cl->closed)
			reply(s, p->cl, p->u, p->q, p->len);
	}
	en->nq = k;
}

void sim_modbus_describe(struct pp_sim *s, struct pp_json *j)
{
	struct mb_engine *en = s->modbus;
	pp_json_arr(j);
	for (size_t i = 0; en && i < en->n; i++) {
		struct gateway *gw = &en->gws[i];
		pp_json_obj(j);
		pp_json_kstr(j, "address", gw->address);
		pp_json_key(j, "units");
		pp_json_arr(j);
		for (size_t k = 0; k < gw->nunits; k++) {
			const struct pp_device *dv = gw->units[k].d->dev;
			pp_json_obj(j);
			pp_json_kstr(j, "device", dv->name);
			pp_json_kint(j, "unit", dv->unit_id);
			pp_json_kstr(j, "profile", dv->profile->name);
			pp_json_end(j);
		}
		pp_json_end(j);
		pp_json_end(j);
	}
	pp_json_end(j);
}

void sim_modbus_close(struct pp_sim *s)
{
	struct mb_engine *en = s->modbus;
	if (!en)
		return;
	for (size_t i = 0; i < en->n; i++) {
		struct gateway *gw = &en->gws[i];
		for (struct client *cl = gw->clients, *nx; cl; cl = nx) {
			nx = cl->next;
			if (!cl->closed)
				close(cl->w.fd);
			free(cl);
		}
		for (size_t k = 0; k < gw->nunits; k++)
			modbus_mapping_free(gw->units[k].map);
		free(gw->units);
		if (gw->w.fd >= 0)
			close(gw->w.fd);
		if (gw->ctx)
			modbus_free(gw->ctx);
	}
	free(en->gws);
	free(en->q);
	free(en);
	s->modbus = NULL;
}
