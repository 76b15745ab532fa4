/* snmp_read.c - the readings of one SNMP poll: varbinds into values
 * (numbers, numbers sent as text, as_tag strings), the rates of counters
 * across polls, and the walk of table columns through GETBULK answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/log.h"
#include "snmp_int.h"

const oid pp_snmp_sysuptime[PP_SNMP_SYSUPTIME_LEN] = {1, 3, 6, 1, 2, 1, 1, 3, 0};


/* Copies a row index (cut to the field's size): snprintf costs too much
 * for what every reading of every poll does. */
static void copy_index(char dst[PP_SNMP_MAX_INDEX], const char *src)
{
	size_t n = strlen(src);
	if (n >= PP_SNMP_MAX_INDEX)
		n = PP_SNMP_MAX_INDEX - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct reading *new_reading(struct agent *a)
{
	if (pp_buf_array_grow(&a->rd, &a->caprd, a->nrd + 1, sizeof *a->rd))
		return NULL;
	struct reading *r = &a->rd[a->nrd++];
	memset(r, 0, sizeof *r);
	r->slot = -1;
	return r;
}

static int new_slot(struct agent *a)
{
	if (pp_buf_array_grow(&a->strs, &a->capstrs, a->nstrs + 1, sizeof *a->strs))
		return -1;
	return (int)a->nstrs++;
}

/* A counter's rate from its previous value on this row: Counter32 wraps at
 * 2^32; anything that goes down otherwise, or an agent whose sysUpTime went
 * back (a restart), starts a new baseline instead of a bogus rate. */
static void counter_rate(struct agent *a, const struct pp_pfield *f, const char *index,
			 uint64_t raw, int is32)
{
	struct prev *p = NULL;
	for (size_t i = 0; i < a->nprev && !p; i++)
		if (a->prev[i].f == f && !strcmp(a->prev[i].index, index))
			p = &a->prev[i];
	int restarted = a->have_uptime && a->last_uptime_ok && a->uptime < a->last_uptime;
	if (p && !restarted && a->ts > p->t_ns) {
		uint64_t delta;
		int ok = 1;
		if (raw >= p->raw)
			delta = raw - p->raw;
		else if (is32 && p->raw - raw > (1ULL << 31))
			delta = raw + (1ULL << 32) - p->raw;
		else
			ok = 0;
		if (ok) {
			struct reading *r = new_reading(a);
			if (r) {
				r->f = f;
				r->rate = 1;
				copy_index(r->index, index);
				r->v = (double)delta * f->scale / ((double)(a->ts - p->t_ns) / 1e9);
			}
		}
	}
	if (!p) {
		if (pp_buf_array_grow(&a->prev, &a->capprev, a->nprev + 1, sizeof *a->prev))
			return;
		p = &a->prev[a->nprev++];
		p->f = f;
		copy_index(p->index, index);
	}
	p->raw = raw;
	p->t_ns = a->ts;
}

/* Turns one varbind into a reading of field f on row index; digits: the
 * varbind is of f's digits_oid column. */
static void take(struct agent *a, const struct pp_pfield *f, const char *index,
		 const netsnmp_variable_list *v, int digits)
{
	double raw;
	uint64_t craw = 0;
	int is32 = 0, isnum = 1;
	switch (v->type) {
	case ASN_INTEGER:
		raw = (double)*v->val.integer;
		craw = (uint64_t)*v->val.integer;
		break;
	case ASN_COUNTER:
		is32 = 1;
		/* fallthrough */
	case ASN_GAUGE:
	case ASN_TIMETICKS:
	case ASN_UINTEGER:
		craw = (uint32_t)*v->val.integer;
		raw = (double)craw;
		break;
	case ASN_COUNTER64:
		craw = (uint64_t)v->val.counter64->high << 32 | v->val.counter64->low;
		raw = (double)craw;
		break;
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_FLOAT:
		raw = *v->val.floatVal;
		break;
	case ASN_OPAQUE_DOUBLE:
		raw = *v->val.doubleVal;
		break;
#endif
	case ASN_OCTET_STR: {
		char s[PP_SNMP_MAX_STR];
		size_t n = v->val_len < sizeof s - 1 ? v->val_len : sizeof s - 1;
		memcpy(s, v->val.string, n);
		s[n] = '\0';
		if (f->as_tag) {
			int slot = new_slot(a);
			struct reading *r = slot >= 0 ? new_reading(a) : NULL;
			if (!r)
				return;
			/* tag values: printable only */
			for (size_t i = 0; i < n; i++)
				if (s[i] < 0x20 || s[i] == 0x7f)
					s[i] = '_';
			memcpy(a->strs[slot], s, n + 1);
			r->f = f;
			r->slot = slot;
			copy_index(r->index, index);
			return;
		}
		/* Some agents report numbers as text ("12.5"). */
		char *end;
		raw = strtod(s, &end);
		if (end == s || *end)
			isnum = 0;
		break;
	}
	default:
		isnum = 0;
		raw = 0;
		break;
	}
	if (!isnum || f->as_tag) {
		a->e->sink->range_drop(a->e->sink->ud, a->d);
		return;
	}
	if (f->digits_oid) { /* scaled at the poll's end, by its row's digits */
		struct reading *r = new_reading(a);
		if (!r)
			return;
		r->f = f;
		r->digits = digits ? 2 : 1;
		copy_index(r->index, index);
		r->v = raw;
		return;
	}
	double val;
	if (a->e->sink->scale(a->e->sink->ud, a->d, f, raw, &val))
		return;
	struct reading *r = new_reading(a);
	if (!r)
		return;
	r->f = f;
	copy_index(r->index, index);
	r->v = val;
	if (f->counter)
		counter_rate(a, f, index, craw, is32);
}

/* A column with index_suffix N keeps the rows whose index ends in .N (a
 * Raritan sensor type) and tags them without it: "1.4" -> "1". */
static int row_wanted(const struct pp_pfield *f, const oid *idx, size_t n, char *index)
{
	if (f->index_suffix < 0)
		return 1;
	if (n < 2 || idx[n - 1] != (oid)f->index_suffix)
		return 0;
	char *dot = strrchr(index, '.');
	if (dot)
		*dot = '\0';
	return 1;
}

static int is_exception(const netsnmp_variable_list *v)
{
	return v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
	       v->type == SNMP_ENDOFMIBVIEW;
}

int snmp_absorb(struct agent *a, netsnmp_pdu *pdu, int first)
{
	netsnmp_variable_list *v = pdu->variables;
	if (first) {
		if (a->has_counters && !a->no_uptime && v) {
			if (v->type == ASN_TIMETICKS &&
			    !snmp_oid_compare(v->name, v->name_length, pp_snmp_sysuptime,
					      PP_SNMP_SYSUPTIME_LEN)) {
				a->uptime = (uint32_t)*v->val.integer;
				a->have_uptime = 1;
			}
			v = v->next_variable;
		}
		for (size_t i = 0; i < a->nscalars && v; i++) {
			if (!snmp_scalar_asked(a, i))
				continue; /* not asked */
			if (!is_exception(v) &&
			    !snmp_oid_compare(v->name, v->name_length, a->scalars[i].o, a->scalars[i].len))
				take(a, a->scalars[i].f, "", v, a->scalars[i].digits);
			v = v->next_variable;
		}
	}
	size_t active[PP_SNMP_MAX_COLS], nact = 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (!a->cols[i].done && a->cols[i].sent && nact < sizeof active / sizeof active[0])
			active[nact++] = i;
	int left = 0; /* columns that this step did not ask */
	for (size_t i = 0; i < a->ncols; i++)
		left |= !a->cols[i].done && !a->cols[i].sent;
	if (!nact)
		return left;
	if (!a->asked_cols)
		return 1;
	int progressed[PP_SNMP_MAX_COLS] = {0};
	for (size_t j = 0; v; v = v->next_variable, j++) {
		struct col *cl = &a->cols[active[j % nact]];
		if (cl->done)
			continue;
		if (v->type == SNMP_ENDOFMIBVIEW ||
		    netsnmp_oid_is_subtree(cl->base, cl->baselen, v->name, v->name_length) ||
		    snmp_oid_compare(v->name, v->name_length, cl->cur, cl->curlen) <= 0) {
			cl->done = 1; /* left its column (or went backwards: a broken agent) */
			continue;
		}
		char index[PP_SNMP_MAX_INDEX];
		pp_snmp_format_oid(v->name + cl->baselen, v->name_length - cl->baselen, index,
				   sizeof index);
		if (!is_exception(v) && row_wanted(cl->f, v->name + cl->baselen,
						   v->name_length - cl->baselen, index))
			take(a, cl->f, index, v, cl->digits);
		memcpy(cl->cur, v->name, v->name_length * sizeof(oid));
		cl->curlen = v->name_length;
		cl->rows_seen++;
		progressed[j % nact] = 1;
	}
	int more = left;
	for (size_t k = 0; k < nact; k++) {
		struct col *cl = &a->cols[active[k]];
		if (!progressed[k])
			cl->done = 1; /* an empty answer for it: nothing more there */
		more |= !cl->done;
	}
	return more;
}


/* A digits_oid value with its row's decimal digits d: raw x 10^-d, then
 * the field's scale and range; 0 when it is to be handed on. A row whose
 * digits did not come (or are no small count) is dropped and counted. */
static int resolve_digits(struct agent *a, struct reading *r)
{
	const struct reading *d = NULL;
	for (size_t k = 0; k < a->nrd && !d; k++)
		if (a->rd[k].digits == 2 && a->rd[k].f == r->f && !strcmp(a->rd[k].index, r->index))
			d = &a->rd[k];
	if (!d || d->v < 0 || d->v > PP_SNMP_MAX_DIGITS || d->v != (double)(int)d->v) {
		a->e->sink->range_drop(a->e->sink->ud, a->d);
		return -1;
	}
	/* The field with its scale over 10^d, so the value is written at the
	 * digits' resolution (1951 with 3 digits is 1.951, no float noise). */
	struct pp_pfield f = *r->f;
	double p10 = 1;
	for (int i = 0; i < (int)d->v; i++)
		p10 *= 10;
	f.scale /= p10;
	return a->e->sink->scale(a->e->sink->ud, a->d, &f, r->v, &r->v);
}

size_t snmp_values(struct agent *a, const struct drv_val **vals)
{
	size_t n = 0;
	*vals = a->out;
	if (pp_buf_array_grow(&a->out, &a->capout, a->nrd, sizeof *a->out) ||
	    pp_buf_array_grow(&a->names, &a->capnames, a->nrd, sizeof *a->names))
		return 0;
	*vals = a->out;
	for (size_t i = 0; i < a->nrd; i++) {
		struct reading *r = &a->rd[i];
		if (r->digits == 2 || (r->digits == 1 && resolve_digits(a, r)))
			continue;
		struct drv_val *v = &a->out[n++];
		v->f = r->f;
		v->index = r->index;
		v->v = r->v;
		v->s = r->slot >= 0 ? a->strs[r->slot] : NULL;
		v->name = NULL;
		if (r->rate) {
			snprintf(a->names[i], sizeof a->names[i], "%s_per_s", r->f->name);
			v->name = a->names[i];
		}
	}
	return n;
}

int snmp_v1_lacks(struct agent *a, long idx)
{
	if (idx < 1)
		return 0;
	size_t k = (size_t)idx - 1;
	const char *dev = a->d->dev->name;
	if (!a->asked_cols) {
		if (a->has_counters && !a->no_uptime) {
			if (k == 0) {
				a->no_uptime = 1;
				pp_log(PP_LOG_WARN, "snmp", "%s: the agent has no sysUpTime.0; counters' "
				       "restarts are judged by their values alone", dev);
				return 1;
			}
			k--;
		}
		for (size_t i = 0; i < a->nscalars; i++)
			if (snmp_scalar_asked(a, i) && k-- == 0) {
				a->scalars[i].absent = 1;
				pp_log(PP_LOG_WARN, "snmp", "%s: the agent has no %s (noSuchName): not "
				       "asked again", dev, a->scalars[i].f->name);
				return 1;
			}
		return 0;
	}
	for (size_t i = 0; i < a->ncols; i++)
		if (!a->cols[i].done && k-- == 0) {
			a->cols[i].done = 1; /* SNMPv1's end of the MIB view */
			return 1;
		}
	return 0;
}
