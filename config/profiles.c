/* profiles.c - device profiles: one file per device type (NAME.yaml) that
 * maps Modbus registers or SNMP OIDs to measurement fields, read with the
 * tables below and reported with the profile file's own positions. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

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

static const char *field_name(const struct pp_pfield *f)
{
	return f->name ? f->name : "?";
}

static int field_range(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_pfield *f = c->obj;
	struct fy_node *mx = yget(c->map, "max");
	if (f->min >= f->max)
		yproblem(c->w, mx ? mx : c->map, "field '%s': 'max' must be greater than 'min'",
			 field_name(f));
	if (f->scale == 0)
		yproblem(c->w, yget(c->map, "scale"), "field '%s': 'scale' must not be 0",
			 field_name(f));
	return 0;
}

static const struct ykey field_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_pfield, name),
	 .doc = "the metric field, unit in the name (power_w)"},
	{"unit", YT_STR, 0, YAT(struct pp_pfield, unit), .doc = "its unit"},
	{"scale", YT_NUM, YF_DEF, YAT(struct pp_pfield, scale), .lo = -1e12, .hi = 1e12, .def = 1,
	 .doc = "value = raw x scale + offset (not 0)"},
	{"offset", YT_NUM, 0, YAT(struct pp_pfield, offset), .lo = -1e12, .hi = 1e12,
	 .doc = "added after the scale"},
	{"min", YT_NUM, YF_DEF, YAT(struct pp_pfield, min), .lo = -1e300, .hi = 1e300,
	 .def = -1e300, .ddoc = "none", .doc = "the lowest valid value: below, dropped and counted"},
	{"max", YT_NUM, YF_DEF, YAT(struct pp_pfield, max), .lo = -1e300, .hi = 1e300,
	 .def = 1e300, .ddoc = "none", .doc = "the highest valid value (above `min`)"},
	{"every", YT_INT, YF_DEF, YAT(struct pp_pfield, every), .lo = 1, .hi = PP_FIELD_MAX_EVERY,
	 .def = 1, .doc = "read on the first and then 1 of every N polls of the device"},
	{"", YT_CHECK, .set = field_range},
};

static const struct yobj field_obj = {
	.what = "profile field", .title = "fields[] (both protocols)",
	.doc = "What every field of a profile has.", YKEYS(field_keys),
};

static const char *const vtypes[] = {"int16", "uint16", "int32", "uint32", "int64",
				     "uint64", "float32", "float64", "bit", NULL};
static const int vtype_regs[] = {1, 1, 2, 2, 4, 4, 2, 4, 1};

int pp_config_vtype_regs(enum pp_vtype t)
{
	return t >= PP_VT_INT16 && t <= PP_VT_BIT ? vtype_regs[t] : 1;
}

/* A coil or discrete input is a bit; a register a 16-bit word. */
static int modbus_type(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)v;
	struct pp_pfield *f = c->obj;
	if (!yok(c, k->name))
		f->vtype = f->func <= PP_MB_DISCRETE ? PP_VT_BIT : PP_VT_UINT16;
	return 0;
}

static int modbus_fits(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_pfield *f = c->obj;
	if (f->func <= PP_MB_DISCRETE && f->vtype != PP_VT_BIT)
		yproblem(c->w, yget(c->map, "type"), "coils and discrete inputs are single bits: "
			 "use 'type: bit' or leave 'type' out");
	if (f->reg + vtype_regs[f->vtype] > 65536)
		yproblem(c->w, yget(c->map, "register"), "'%s' at register %d runs past register "
			 "65535", vtypes[f->vtype], f->reg);
	return 0;
}

static int modbus_bit(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	struct pp_pfield *f = c->obj;
	if (f->func <= PP_MB_DISCRETE ||
	    (f->vtype != PP_VT_UINT16 && f->vtype != PP_VT_INT16 && f->vtype != PP_VT_BIT))
		yproblem(c->w, v, "'bit' selects a bit of one 16-bit holding or input register");
	f->vtype = PP_VT_BIT;
	return 0;
}

static const char *const mb_funcs[] = {"coil", "discrete", "holding", "input", NULL};
static const char *const mb_orders[] = {"ABCD", "CDAB", "BADC", "DCBA", NULL};

static const struct ykey modbus_keys[] = {
	{"function", YT_ENUM, YF_DEF, YAT(struct pp_pfield, func), .lo = PP_MB_COIL,
	 .def = PP_MB_HOLDING, .vals = mb_funcs, .doc = "the register space"},
	{"register", YT_INT, YF_REQ, YAT(struct pp_pfield, reg), .hi = 65535,
	 .doc = "the 0-based register or coil address"},
	{"type", YT_ENUM, YF_ANYWAY, YAT(struct pp_pfield, vtype), .vals = vtypes,
	 .set = modbus_type, .ddoc = "uint16; bit for coils and discrete inputs",
	 .doc = "how the registers hold the value"},
	{"order", YT_ENUM, YF_DEF, YAT(struct pp_pfield, order), .vals = mb_orders,
	 .doc = "the word and byte order of 32- and 64-bit values"},
	{"", YT_CHECK, .set = modbus_fits},
	{"bit", YT_INT, YF_DEF, YAT(struct pp_pfield, bit), .hi = 15, .def = -1, .ddoc = "none",
	 .set = modbus_bit, .doc = "one bit of a 16-bit holding or input register"},
};

static const struct yobj modbus_field_obj = {
	.what = "profile field", .title = "fields[] (protocol: modbus)",
	.doc = "A field of a Modbus profile.", YKEYS(modbus_keys), .base = &field_obj,
	.size = sizeof(struct pp_pfield), YPOS(struct pp_pfield, pos),
};

static int snmp_oid(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_pfield *f = c->obj;
	if (!is_numeric_oid(f->oid))
		yproblem(c->w, v, "'oid': expected a numeric OID like 1.3.6.1.2.1.33.1.4.4.1.4, "
			 "got '%s' (profiles use numeric OIDs; no MIB is read at run time)", f->oid);
	return 0;
}

static int snmp_as_tag(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_pfield *f = c->obj;
	if (f->as_tag && !f->table)
		yproblem(c->w, v, "'as_tag' needs 'table: true' (a column whose value tags its row)");
	return 0;
}

static int snmp_index_tag(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	if (!((const struct pp_pfield *)c->obj)->table)
		yproblem(c->w, v, "'index_tag' needs 'table: true'");
	return 0;
}

static int snmp_index_suffix(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	if (!((const struct pp_pfield *)c->obj)->table)
		yproblem(c->w, v, "'index_suffix' needs 'table: true'");
	return 0;
}

static int snmp_digits(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_pfield *f = c->obj;
	if (!is_numeric_oid(f->digits_oid))
		yproblem(c->w, v, "'digits_oid': expected a numeric OID, got '%s'", f->digits_oid);
	else if (f->counter || f->as_tag)
		yproblem(c->w, v, "'digits_oid' scales a plain number: not with 'counter' or 'as_tag'");
	return 0;
}

static const struct ykey snmp_field_keys[] = {
	{"oid", YT_STR, YF_REQ, YAT(struct pp_pfield, oid), .set = snmp_oid,
	 .doc = "the numeric, dotted OID (no MIB is read at run time)"},
	{"table", YT_BOOL, 0, YAT(struct pp_pfield, table),
	 .doc = "walk the column; the index becomes a tag"},
	{"counter", YT_BOOL, 0, YAT(struct pp_pfield, counter),
	 .doc = "a counter: also write a rate"},
	{"as_tag", YT_BOOL, 0, YAT(struct pp_pfield, as_tag), .set = snmp_as_tag,
	 .doc = "a table column whose value tags its row (needs `table`)"},
	{"index_tag", YT_STR, 0, YAT(struct pp_pfield, index_tag), .set = snmp_index_tag,
	 .doc = "the tag the table index goes to (needs `table`)"},
	{"index_suffix", YT_INT, YF_DEF, YAT(struct pp_pfield, index_suffix),
	 .hi = INT_MAX, .def = -1, .ddoc = "none", .set = snmp_index_suffix,
	 .doc = "only rows whose index ends in .N (a sensor type), tagged without it"},
	{"digits_oid", YT_STR, 0, YAT(struct pp_pfield, digits_oid), .set = snmp_digits,
	 .doc = "an OID (tables: a column, read at the same row) whose value d scales the value by 10^-d, before `scale`"},
};

static const struct yobj snmp_field_obj = {
	.what = "profile field", .title = "fields[] (protocol: snmp)",
	.doc = "A field of an SNMP profile.", YKEYS(snmp_field_keys), .base = &field_obj,
	.like = &modbus_field_obj, .size = sizeof(struct pp_pfield), YPOS(struct pp_pfield, pos),
};

/* The name a profile file gives itself is the one it is found by. */
static int profile_self(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	const struct pp_profile *p = c->obj;
	const char *pn = NULL;
	if (ystr(c->w, v, k->name, &pn))
		return -1;
	if (strcmp(pn, p->name))
		yproblem(c->w, v, "profile file says it is '%s' but is named '%s.yaml'", pn, p->name);
	return 0;
}

static int profile_fields(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_profile *p = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	size_t n = (size_t)fy_node_sequence_item_count(v);
	if (!n)
		yproblem(c->w, v, "'fields': a profile needs at least one field");
	p->fields = yalloc(c->w, (n + 1) * sizeof *p->fields);
	void *it = NULL;
	struct fy_node *fn;
	while ((fn = fy_node_sequence_iterate(v, &it))) {
		struct pp_pfield *f = &p->fields[p->nfields++];
		yread(c, p->snmp ? &snmp_field_obj : &modbus_field_obj, fn, f);
		if (f->as_tag && f->every > 1) /* its rows' tags would come and go */
			yproblem(c->w, yget(fn, "every"), "field '%s': an 'as_tag' column tags its "
				 "rows on every poll: no 'every'", field_name(f));
		for (size_t i = 0; i + 1 < p->nfields && f->name; i++)
			if (p->fields[i].name && !strcmp(p->fields[i].name, f->name))
				yproblem(c->w, fn, "duplicate field name '%s'", f->name);
	}
	/* Each poll reads something, so that it tells whether the device is up. */
	size_t every_poll = 0;
	for (size_t i = 0; i < p->nfields; i++)
		every_poll += p->fields[i].every <= 1;
	if (n && !every_poll)
		yproblem(c->w, v, "'fields': at least one field must be read every poll "
			 "(leave 'every' out of one), or a poll could not tell the device is up");
	return 0;
}

/* A profile maps registers or OIDs whatever the transport, so it may name
 * its protocol as its devices do (modbus-tcp, modbus-rtu) or plainly. */
static const char *const profile_protocols[] = {"modbus", "snmp", "modbus-tcp", "modbus-rtu",
						NULL};

static int profile_protocol(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const char *s = yscalar(c->w, v);
	int i = 0;
	while (s && profile_protocols[i] && strcmp(s, profile_protocols[i]))
		i++;
	if (!s || !profile_protocols[i]) {
		ypick_problem(c->w, v, "protocol", profile_protocols, 4);
		return -1;
	}
	((struct pp_profile *)c->obj)->snmp = i == 1;
	return 0;
}

static const struct ykey profile_keys[] = {
	{"profile", YT_CUSTOM, 0, .set = profile_self, .tdoc = "string",
	 .doc = "the profile's name: that of its file, NAME.yaml"},
	{"protocol", YT_CUSTOM, YF_REQ, .set = profile_protocol,
	 .tdoc = "modbus (or modbus-tcp, modbus-rtu) or snmp",
	 .doc = "the protocol of the devices it maps"},
	{"measurement", YT_STR, YF_REQ, YAT(struct pp_profile, measurement),
	 .doc = "the measurement its points are written to"},
	{"source", YT_STR, 0, YAT(struct pp_profile, source),
	 .doc = "the document the map follows"},
	{"fields", YT_CUSTOM, YF_REQ, .set = profile_fields,
	 .tdoc = "list of `fields[]`, at least one", .doc = "the fields"},
};

const struct yobj config_profile_obj = {
	.what = "profile",
	.doc = "A device profile, NAME.yaml on the profile path (conf/profiles/).",
	YKEYS(profile_keys),
};

/* The field tables, for the reference (keys.c prints them after the
 * profile's own). */
const struct yobj *const config_field_objs[] = {&field_obj, &modbus_field_obj,
						&snmp_field_obj, NULL};

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
	if (root) {
		yread_top(&w, L, &config_profile_obj, root, p);
	} else if (doc) {
		struct pp_pos pos = {w.file, 1, 1};
		yproblem_at(&w, pos, "the profile file is empty");
	}
	if (doc)
		fy_document_destroy(doc);
	L->w.nproblems += w.nproblems;
	return p;
}

/* The profile called name, loaded already or found on the path. */
static struct pp_profile *find_profile(struct loader *L, const char *name, struct pp_pos pos)
{
	struct pp_config *c = L->cfg;
	for (size_t i = 0; i < c->nprofiles; i++)
		if (!strcmp(c->profiles[i]->name, name))
			return c->profiles[i];
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
			return p;
		}
	}
	char where[1024];
	pp_diag_join(where, sizeof where, L->ppath, L->nppath);
	yproblem_at(&L->w, pos, "profile '%s' not found (looked for %s.yaml in: %s)", name, name,
		    where);
	return NULL;
}

struct pp_profile *config_profile(struct loader *L, const char *name, struct pp_pos pos,
				  int want_snmp)
{
	struct pp_profile *p = find_profile(L, name, pos);
	if (p && p->measurement && p->snmp != want_snmp)
		yproblem_at(&L->w, pos, "profile '%s' is for %s devices, but this device speaks %s",
			    name, p->snmp ? "SNMP" : "Modbus", want_snmp ? "SNMP" : "Modbus");
	return p;
}
