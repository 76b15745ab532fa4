/* config_dev.c - devices, device profiles (separate files), outputs, API. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

#ifndef PP_DATADIR
#define PP_DATADIR "/usr/local/share/powerpark"
#endif

/* Index of s in a NULL-ended table, or -1 (reported with a suggestion). */
static int yenum(struct ywalk *w, struct fy_node *map, const char *key,
		 const char *const *tab, int *out)
{
	const char *s = NULL;
	if (ystr(w, map, key, &s) || !s)
		return -1;
	size_t n = 0;
	while (tab[n])
		n++;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, tab[i])) {
			*out = (int)i;
			return 0;
		}
	char dym[128], list[256] = "";
	for (size_t i = 0; i < n; i++) {
		strncat(list, tab[i], sizeof list - strlen(list) - 1);
		if (i + 1 < n)
			strncat(list, ", ", sizeof list - strlen(list) - 1);
	}
	yproblem(w, yget(map, key), "'%s': unknown value '%s'%s (expected one of: %s)", key, s,
		 ydym(dym, sizeof dym, s, tab, n), list);
	return -1;
}

static int is_numeric_oid(const char *s)
{
	if (*s == '.')
		s++;
	int dots = 0, digits = 0;
	for (; *s; s++) {
		if (isdigit((unsigned char)*s)) {
			digits++;
		} else if (*s == '.' && digits) {
			digits = 0;
			dots++;
		} else {
			return 0;
		}
	}
	return digits > 0 && dots >= 1;
}

static const char *const vtypes[] = {"int16", "uint16", "int32", "uint32", "int64",
				     "uint64", "float32", "float64", "bit", NULL};
static const int vtype_regs[] = {1, 1, 2, 2, 4, 4, 2, 4, 1};

static void load_pfield(struct loader *L, struct ywalk *w, struct fy_node *n,
			struct pp_profile *p, struct pp_pfield *f)
{
	static const char *const mk[] = {"name", "function", "register", "type", "order", "bit",
					 "scale", "offset", "unit", "min", "max", NULL};
	static const char *const mr[] = {"name", "register", NULL};
	static const char *const sk[] = {"name", "oid", "table", "index_tag", "counter",
					 "as_tag", "scale", "offset", "unit", "min", "max", NULL};
	static const char *const sr[] = {"name", "oid", NULL};
	static const char *const funcs[] = {"coil", "discrete", "holding", "input", NULL};
	static const char *const orders[] = {"ABCD", "CDAB", "BADC", "DCBA", NULL};
	(void)L;
	struct pp_pos fb = {w->file, 1, 1};
	f->pos = ypos(w, n, fb);
	f->scale = 1;
	f->min = -1e300;
	f->max = 1e300;
	f->bit = -1;
	f->func = PP_MB_HOLDING;
	if (ykeys(w, n, "profile field", p->snmp ? sk : mk, p->snmp ? sr : mr))
		return;
	ystr(w, n, "name", &f->name);
	ystr(w, n, "unit", &f->unit);
	ynum(w, n, "scale", -1e12, 1e12, 0, &f->scale);
	ynum(w, n, "offset", -1e12, 1e12, 0, &f->offset);
	ynum(w, n, "min", -1e300, 1e300, 0, &f->min);
	ynum(w, n, "max", -1e300, 1e300, 0, &f->max);
	if (f->min >= f->max)
		yproblem(w, yget(n, "max") ? yget(n, "max") : n,
			 "field '%s': 'max' must be greater than 'min'", f->name ? f->name : "?");
	if (f->scale == 0)
		yproblem(w, yget(n, "scale"), "field '%s': 'scale' must not be 0",
			 f->name ? f->name : "?");
	if (p->snmp) {
		if (!ystr(w, n, "oid", &f->oid) && f->oid && !is_numeric_oid(f->oid))
			yproblem(w, yget(n, "oid"),
				 "'oid': expected a numeric OID like 1.3.6.1.2.1.33.1.4.4.1.4, "
				 "got '%s' (profiles use numeric OIDs; no MIB is read at run time)",
				 f->oid);
		ybool(w, n, "table", &f->table);
		ybool(w, n, "counter", &f->counter);
		ybool(w, n, "as_tag", &f->as_tag);
		if (f->as_tag && !f->table)
			yproblem(w, yget(n, "as_tag"), "'as_tag' needs 'table: true' (a column "
							"whose value tags its row)");
		ystr(w, n, "index_tag", &f->index_tag);
		if (f->index_tag && !f->table)
			yproblem(w, yget(n, "index_tag"), "'index_tag' needs 'table: true'");
		return;
	}
	int v = 2;
	if (yget(n, "function") && !yenum(w, n, "function", funcs, &v))
		f->func = (enum pp_mb_func)(v + 1);
	long reg = 0;
	if (!yint(w, n, "register", 0, 65535, &reg))
		f->reg = (int)reg;
	int t = f->func <= PP_MB_DISCRETE ? PP_VT_BIT : PP_VT_UINT16;
	if (yget(n, "type"))
		yenum(w, n, "type", vtypes, &t);
	f->vtype = (enum pp_vtype)t;
	int o = 0;
	if (yget(n, "order") && !yenum(w, n, "order", orders, &o))
		f->order = (enum pp_order)o;
	if (f->func <= PP_MB_DISCRETE && f->vtype != PP_VT_BIT)
		yproblem(w, yget(n, "type"), "coils and discrete inputs are single bits: "
					     "use 'type: bit' or leave 'type' out");
	if (f->reg + vtype_regs[f->vtype] > 65536)
		yproblem(w, yget(n, "register"), "'%s' at register %d runs past register 65535",
			 vtypes[f->vtype], f->reg);
	long bit = -1;
	if (yget(n, "bit") && !yint(w, n, "bit", 0, 15, &bit)) {
		if (f->func <= PP_MB_DISCRETE || (f->vtype != PP_VT_UINT16 && f->vtype != PP_VT_INT16 &&
						  f->vtype != PP_VT_BIT))
			yproblem(w, yget(n, "bit"),
				 "'bit' selects a bit of one 16-bit holding or input register");
		f->bit = (int)bit;
		f->vtype = PP_VT_BIT;
	}
}

static struct pp_profile *load_profile_file(struct loader *L, const char *name, const char *path)
{
	struct ywalk w = L->w;
	w.file = ystrdup(&L->w, path, strlen(path));
	w.nproblems = 0;
	struct pp_profile *p = yalloc(&L->w, sizeof *p);
	p->name = ystrdup(&L->w, name, strlen(name));
	p->file = w.file;
	struct fy_document *doc = yparse(&w, path, NULL, 0);
	struct fy_node *root = doc ? fy_document_root(doc) : NULL;
	static const char *const keys[] = {"profile", "protocol", "measurement", "source",
					   "fields", NULL};
	static const char *const req[] = {"protocol", "measurement", "fields", NULL};
	static const char *const protos[] = {"modbus", "snmp", NULL};
	if (root && !ykeys(&w, root, "profile", keys, req)) {
		const char *pn = NULL;
		if (!ystr(&w, root, "profile", &pn) && pn && strcmp(pn, name))
			yproblem(&w, yget(root, "profile"),
				 "profile file says it is '%s' but is named '%s.yaml'", pn, name);
		int pr = 0;
		if (!yenum(&w, root, "protocol", protos, &pr))
			p->snmp = pr == 1;
		ystr(&w, root, "measurement", &p->measurement);
		ystr(&w, root, "source", &p->source);
		struct fy_node *fs = yseq(&w, root, "fields");
		if (fs) {
			p->nfields = (size_t)fy_node_sequence_item_count(fs);
			if (!p->nfields)
				yproblem(&w, fs, "'fields': a profile needs at least one field");
			p->fields = yalloc(&L->w, p->nfields * sizeof *p->fields);
			void *it = NULL;
			struct fy_node *fn;
			size_t i = 0;
			while ((fn = fy_node_sequence_iterate(fs, &it))) {
				struct pp_pfield *f = &p->fields[i++];
				load_pfield(L, &w, fn, p, f);
				for (size_t k = 0; k + 1 < i && f->name; k++)
					if (p->fields[k].name && !strcmp(p->fields[k].name, f->name))
						yproblem(&w, fn, "duplicate field name '%s'", f->name);
			}
		}
	} else if (doc && !root) {
		struct pp_pos pos = {w.file, 1, 1};
		yproblem_at(&w, pos, "the profile file is empty");
	}
	if (doc)
		fy_document_destroy(doc);
	L->w.nproblems += w.nproblems;
	return p;
}

struct pp_profile *config_profile(struct loader *L, const char *name, struct pp_pos pos,
				  int want_snmp)
{
	struct pp_config *c = L->cfg;
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i]->name, name))
			goto found;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.') {
			yproblem_at(&L->w, pos, "profile name '%s' may hold only letters, digits, "
						"'-', '_' and '.'", name);
			return NULL;
		}
	char path[4096];
	for (size_t i = 0; i < L->nppath; i++) {
		snprintf(path, sizeof path, "%s/%s.yaml", L->ppath[i], name);
		if (access(path, R_OK) == 0) {
			struct pp_profile *p = load_profile_file(L, name, path);
			struct pp_profile **np = yalloc(&L->w, (c->nprofiles + 1) * sizeof *np);
			if (c->nprofiles)
				memcpy(np, c->profiles, c->nprofiles * sizeof *np);
			np[c->nprofiles++] = p;
			c->profiles = np;
			goto found;
		}
	}
	{
		char where[1024] = "";
		for (size_t i = 0; i < L->nppath; i++) {
			strncat(where, L->ppath[i], sizeof where - strlen(where) - 1);
			if (i + 1 < L->nppath)
				strncat(where, ", ", sizeof where - strlen(where) - 1);
		}
		yproblem_at(&L->w, pos, "profile '%s' not found (looked for %s.yaml in: %s)", name,
			    name, where);
		return NULL;
	}
found:
	for (size_t i = 0; i < c->nprofiles; i++) {
		struct pp_profile *p = c->profiles[i];
		if (strcmp(p->name, name))
			continue;
		if (p->measurement && p->snmp != want_snmp)
			yproblem_at(&L->w, pos, "profile '%s' is for %s devices, but this device "
						"speaks %s", name, p->snmp ? "SNMP" : "Modbus",
				    want_snmp ? "SNMP" : "Modbus");
		return p;
	}
	return NULL;
}

static void add_ppath(struct loader *L, const char *dir, int relative)
{
	char buf[4096];
	if (relative && dir[0] != '/')
		snprintf(buf, sizeof buf, "%s/%s", L->base_dir, dir);
	else
		snprintf(buf, sizeof buf, "%s", dir);
	const char **np = realloc(L->ppath, (L->nppath + 1) * sizeof *np);
	if (!np)
		abort();
	L->ppath = np;
	L->ppath[L->nppath++] = ystrdup(&L->w, buf, strlen(buf));
}

static void load_snmp(struct loader *L, struct fy_node *dn, struct pp_device *d)
{
	struct ywalk *w = &L->w;
	struct fy_node *s = ymap(w, dn, "snmp");
	static const char *const keys[] = {"version", "community", "user", "level", "auth",
					   "auth_key", "priv", "priv_key", NULL};
	static const char *const versions[] = {"1", "2c", "3", NULL};
	static const char *const levels[] = {"noAuthNoPriv", "authNoPriv", "authPriv", NULL};
	static const char *const auths[] = {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
					    "SHA-512", NULL};
	static const char *const privs[] = {"DES", "AES", "AES-192", "AES-256", NULL};
	struct pp_snmp_cred *c = &d->snmp;
	c->version = 2;
	c->community = "public";
	if (!s)
		return; /* absent: v2c "public"; wrong type: already reported */
	static const char *const req[] = {"version", NULL};
	if (ykeys(w, s, "snmp", keys, req))
		return;
	int v = 1;
	if (!yenum(w, s, "version", versions, &v))
		c->version = v + 1;
	ystr(w, s, "community", &c->community);
	if (c->version != 3) {
		const char *v3only[] = {"user", "level", "auth", "auth_key", "priv", "priv_key"};
		for (size_t i = 0; i < 6; i++)
			if (yget(s, v3only[i]))
				yproblem(w, yget(s, v3only[i]), "'%s' is for SNMPv3 only (version "
								"is %s)", v3only[i],
					 c->version == 1 ? "1" : "2c");
		return;
	}
	if (yget(s, "community"))
		yproblem(w, yget(s, "community"), "'community' is not used by SNMPv3; "
						  "give 'user' and keys");
	if (ystr(w, s, "user", &c->user) == 0 && !c->user)
		yproblem(w, s, "SNMPv3 needs 'user'");
	int lvl = 2;
	if (yget(s, "level"))
		yenum(w, s, "level", levels, &lvl);
	c->level = (enum pp_snmp_level)lvl;
	int a = 1, p = 1;
	if (yget(s, "auth"))
		yenum(w, s, "auth", auths, &a);
	if (yget(s, "priv"))
		yenum(w, s, "priv", privs, &p);
	c->auth_proto = auths[a];
	c->priv_proto = privs[p];
	ystr(w, s, "auth_key", &c->auth_key);
	ystr(w, s, "priv_key", &c->priv_key);
	const char *uname = c->user ? c->user : "?";
	if (c->level >= PP_SNMP_AUTHNOPRIV) {
		if (!c->auth_key)
			yproblem(w, s, "SNMPv3 user '%s' (%s) has no 'auth_key'", uname, levels[lvl]);
		else if (strlen(c->auth_key) < 8)
			yproblem(w, yget(s, "auth_key"),
				 "'auth_key' must be at least 8 characters (RFC 3414)");
	}
	if (c->level == PP_SNMP_AUTHPRIV) {
		if (!c->priv_key)
			yproblem(w, s, "SNMPv3 user '%s' (authPriv) has no 'priv_key'", uname);
		else if (strlen(c->priv_key) < 8)
			yproblem(w, yget(s, "priv_key"),
				 "'priv_key' must be at least 8 characters (RFC 3414)");
	}
}

void config_load_devices(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_config *c = L->cfg;
	struct fy_node *pp = yseq(w, root, "profile_path");
	if (pp) {
		void *it = NULL;
		struct fy_node *n;
		while ((n = fy_node_sequence_iterate(pp, &it))) {
			const char *d = yscalar(w, n);
			if (d && *d)
				add_ppath(L, d, 1);
			else
				yproblem(w, n, "'profile_path': expected folder names");
		}
	}
	add_ppath(L, "profiles", 1);
	add_ppath(L, "conf/profiles", 0);
	add_ppath(L, PP_DATADIR "/profiles", 0);

	struct fy_node *devs = yseq(w, root, "devices");
	if (!devs)
		return;
	c->ndevices = (size_t)fy_node_sequence_item_count(devs);
	c->devices = yalloc(w, c->ndevices * sizeof *c->devices);
	static const char *const keys[] = {"name", "protocol", "address", "unit_id", "interval_ms",
					   "timeout_ms", "retries", "baud", "profile", "snmp",
					   "max_regs", "max_gap", "pause_after_connect_ms",
					   "pause_between_ms", NULL};
	static const char *const req[] = {"name", "protocol", "address", "profile", NULL};
	static const char *const protos[] = {"modbus-tcp", "modbus-rtu", "snmp", NULL};
	void *it = NULL;
	struct fy_node *dn;
	size_t i = 0;
	while ((dn = fy_node_sequence_iterate(devs, &it))) {
		struct pp_device *d = &c->devices[i++];
		d->pos = P(L, dn);
		d->interval_ms = 1000;
		d->timeout_ms = 500;
		d->retries = 1;
		d->baud = 19200;
		d->unit_id = 1;
		d->max_regs = 125;
		d->max_gap = 8;
		if (ykeys(w, dn, "device", keys, req)) {
			d->name = "";
			yname_add(L, &L->devices, "device", "", d->pos);
			continue;
		}
		if (ystr(w, dn, "name", &d->name) || !d->name)
			d->name = "";
		/* every device gets a slot so indexes match c->devices */
		yname_add(L, &L->devices, "device", d->name, P(L, yget(dn, "name")));
		int pr = 0;
		int proto_ok = !yenum(w, dn, "protocol", protos, &pr);
		d->proto = (enum pp_proto)pr;
		ystr(w, dn, "address", &d->address);
		long v;
		v = d->interval_ms;
		if (!yint(w, dn, "interval_ms", 10, 86400000L, &v))
			d->interval_ms = (int)v;
		v = d->timeout_ms;
		if (!yint(w, dn, "timeout_ms", 1, 600000L, &v))
			d->timeout_ms = (int)v;
		v = d->retries;
		if (!yint(w, dn, "retries", 0, 10, &v))
			d->retries = (int)v;
		if (d->timeout_ms * (d->retries + 1) > d->interval_ms && yget(dn, "timeout_ms"))
			yproblem(w, yget(dn, "timeout_ms"),
				 "timeout_ms x (retries + 1) = %d ms exceeds interval_ms %d: the "
				 "device could never be read on time",
				 d->timeout_ms * (d->retries + 1), d->interval_ms);
		if (!proto_ok)
			continue;
		if (d->proto == PP_PROTO_SNMP) {
			if (yget(dn, "unit_id"))
				yproblem(w, yget(dn, "unit_id"), "'unit_id' is for Modbus devices");
			load_snmp(L, dn, d);
		} else {
			if (yget(dn, "snmp"))
				yproblem(w, yget(dn, "snmp"), "'snmp' is for SNMP devices");
			v = 1;
			if (yget(dn, "unit_id") && !yint(w, dn, "unit_id", 0, 247, &v))
				d->unit_id = (int)v;
			v = d->max_regs;
			if (!yint(w, dn, "max_regs", 1, 125, &v))
				d->max_regs = (int)v;
			v = d->max_gap;
			if (!yint(w, dn, "max_gap", 0, 124, &v))
				d->max_gap = (int)v;
			v = 0;
			if (!yint(w, dn, "pause_after_connect_ms", 0, 60000, &v))
				d->pause_connect_ms = (int)v;
			v = 0;
			if (!yint(w, dn, "pause_between_ms", 0, 60000, &v))
				d->pause_between_ms = (int)v;
			v = d->baud;
			if (d->proto == PP_PROTO_MODBUS_RTU &&
			    !yint(w, dn, "baud", 300, 4000000, &v))
				d->baud = (int)v;
		}
		if (d->address && d->proto != PP_PROTO_MODBUS_RTU) {
			const char *colon = strrchr(d->address, ':');
			char *end = NULL;
			long port = colon ? strtol(colon + 1, &end, 10) : 0;
			if (!colon || colon == d->address || !end || *end || port < 1 || port > 65535)
				yproblem(w, yget(dn, "address"),
					 "'address': expected host:port (e.g. 127.0.0.1:502), got '%s'",
					 d->address);
		} else if (d->address && d->address[0] != '/') {
			yproblem(w, yget(dn, "address"),
				 "'address': a Modbus RTU device is a serial port path like "
				 "/dev/ttyUSB0, got '%s'", d->address);
		}
		if (!ystr(w, dn, "profile", &d->profile_name) && d->profile_name)
			d->profile = config_profile(L, d->profile_name, P(L, yget(dn, "profile")),
						    d->proto == PP_PROTO_SNMP);
	}
}

void pp_config_output_defaults(struct pp_output_conf *o)
{
	o->gzip = 1;
	o->batch_lines = 5000;
	o->batch_bytes = 1u << 20;
	o->flush_ms = 1000;
	o->timeout_ms = 5000;
	o->retry_max_ms = 30000;
	o->queue_batches = 64;
	o->spool_max_bytes = 1024ull << 20;
	o->rotate_bytes = 64ull << 20;
	o->keep = 10;
}

void config_load_outputs(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_config *c = L->cfg;
	struct fy_node *outs = yseq(w, root, "outputs");
	if (!outs)
		return;
	c->noutputs = (size_t)fy_node_sequence_item_count(outs);
	c->outputs = yalloc(w, c->noutputs * sizeof *c->outputs);
	static const char *const keys[] = {"name", "type", "url", "path", "unsigned", "gzip",
					   "batch_lines", "batch_bytes", "flush_ms", "timeout_ms",
					   "retry_max_ms", "queue_batches", "spool_dir",
					   "spool_max_mb", "rotate_mb", "keep", "token", NULL};
	static const char *const req[] = {"name", "type", NULL};
	static const char *const types[] = {"influxdb", "victoriametrics", "file", NULL};
	void *it = NULL;
	struct fy_node *on;
	size_t i = 0;
	while ((on = fy_node_sequence_iterate(outs, &it))) {
		struct pp_output_conf *o = &c->outputs[i++];
		o->pos = P(L, on);
		pp_config_output_defaults(o);
		if (ykeys(w, on, "output", keys, req))
			continue;
		if (!ystr(w, on, "name", &o->name) && o->name)
			yname_add(L, &L->outputs, "output", o->name, P(L, yget(on, "name")));
		int t = 0;
		if (yenum(w, on, "type", types, &t))
			continue;
		o->type = (enum pp_out_type)t;
		o->unsigned_ok = o->type == PP_OUT_VICTORIA || o->type == PP_OUT_FILE;
		ybool(w, on, "unsigned", &o->unsigned_ok);
		ybool(w, on, "gzip", &o->gzip);
		ystr(w, on, "token", &o->token);
		long v;
		v = 0;
		if (!yint(w, on, "batch_lines", 1, 10000000, &v) && v)
			o->batch_lines = (size_t)v;
		v = 0;
		if (!yint(w, on, "batch_bytes", 1024, 1L << 30, &v) && v)
			o->batch_bytes = (size_t)v;
		v = 0;
		if (!yint(w, on, "flush_ms", 1, 3600000, &v) && v)
			o->flush_ms = (int)v;
		v = 0;
		if (!yint(w, on, "timeout_ms", 1, 600000, &v) && v)
			o->timeout_ms = (int)v;
		v = 0;
		if (!yint(w, on, "retry_max_ms", 1, 3600000, &v) && v)
			o->retry_max_ms = (int)v;
		v = 0;
		if (!yint(w, on, "queue_batches", 1, 100000, &v) && v)
			o->queue_batches = (size_t)v;
		v = 0;
		if (!yint(w, on, "spool_max_mb", 1, 1L << 30, &v) && v)
			o->spool_max_bytes = (uint64_t)v << 20;
		v = 0;
		if (!yint(w, on, "rotate_mb", 1, 1L << 20, &v) && v)
			o->rotate_bytes = (uint64_t)v << 20;
		v = 0;
		if (!yint(w, on, "keep", 1, 100000, &v) && v)
			o->keep = (int)v;
		ystr(w, on, "spool_dir", &o->spool_dir);
		if (o->type == PP_OUT_FILE) {
			if (!ystr(w, on, "path", &o->path) && !o->path)
				yproblem(w, on, "output '%s': a file output needs 'path'",
					 o->name ? o->name : "?");
			if (yget(on, "url"))
				yproblem(w, yget(on, "url"), "'url' is for HTTP outputs");
		} else {
			if (!ystr(w, on, "url", &o->url) && !o->url)
				yproblem(w, on, "output '%s': needs 'url' (e.g. "
						"http://127.0.0.1:8086/write?db=powerpark)",
					 o->name ? o->name : "?");
			else if (o->url && strncmp(o->url, "http://", 7) &&
				 strncmp(o->url, "https://", 8))
				yproblem(w, yget(on, "url"), "'url': expected http:// or https://, "
							     "got '%s'", o->url);
			if (o->type == PP_OUT_INFLUXDB && o->unsigned_ok)
				yproblem(w, yget(on, "unsigned"),
					 "InfluxDB 1.x rejects unsigned ('u') fields; leave "
					 "'unsigned' off for an influxdb output");
		}
	}
}

void config_load_api(struct loader *L, struct fy_node *root)
{
	struct ywalk *w = &L->w;
	struct pp_api_conf *a = &L->cfg->api;
	a->listen = "127.0.0.1:8080";
	struct fy_node *api = ymap(w, root, "api");
	static const char *const keys[] = {"listen", "tokens", "tls_cert", "tls_key", NULL};
	if (!api || ykeys(w, api, "api", keys, NULL))
		return;
	ystr(w, api, "listen", &a->listen);
	ystr(w, api, "tls_cert", &a->tls_cert);
	ystr(w, api, "tls_key", &a->tls_key);
	if (!a->tls_cert != !a->tls_key)
		yproblem(w, api, "'tls_cert' and 'tls_key' go together: give both or neither");
	if (a->listen && !strrchr(a->listen, ':'))
		yproblem(w, yget(api, "listen"), "'listen': expected host:port, got '%s'",
			 a->listen);
	struct fy_node *toks = yseq(w, api, "tokens");
	if (!toks)
		return;
	a->ntokens = (size_t)fy_node_sequence_item_count(toks);
	a->tokens = yalloc(w, a->ntokens * sizeof *a->tokens);
	static const char *const tk[] = {"name", "token", "scopes", NULL};
	static const char *const tr[] = {"name", "token", "scopes", NULL};
	static const char *const scopes[] = {"read", "write", "lease", "admin", NULL};
	void *it = NULL;
	struct fy_node *tn;
	size_t i = 0;
	while ((tn = fy_node_sequence_iterate(toks, &it))) {
		struct pp_api_token *t = &a->tokens[i++];
		if (ykeys(w, tn, "api token", tk, tr))
			continue;
		if (!ystr(w, tn, "name", &t->name) && t->name)
			yname_add(L, &L->tokens, "api token", t->name, P(L, yget(tn, "name")));
		if (!ystr(w, tn, "token", &t->token) && t->token && strlen(t->token) < 16)
			yproblem(w, yget(tn, "token"), "'token' must be at least 16 characters");
		struct fy_node *sc = yseq(w, tn, "scopes");
		void *si = NULL;
		struct fy_node *sn;
		while (sc && (sn = fy_node_sequence_iterate(sc, &si))) {
			const char *s = yscalar(w, sn);
			size_t k;
			for (k = 0; s && scopes[k]; k++)
				if (!strcmp(s, scopes[k]))
					break;
			if (!s || !scopes[k]) {
				char dym[128];
				yproblem(w, sn, "unknown scope '%s'%s (expected read, write, lease "
						"or admin)", s ? s : "?",
					 s ? ydym(dym, sizeof dym, s, scopes, 4) : "");
				continue;
			}
			t->scopes |= 1u << k;
		}
	}
}
