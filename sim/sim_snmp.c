/* sim_snmp.c - SNMP agents (v1/v2c) of the simulated park on net-snmp's own
 * transport and PDU code: one UDP server session per device address, GET,
 * GETNEXT and GETBULK over a sorted table of the device's OIDs. SNMPv3 is
 * left to real agents (snmpd), which the tests use for it. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/fd.h"
#include "powerpark/log.h"
#include "powerpark/snmp.h"
#include "sim_int.h"

#define PP_SIM_MAX_VARBINDS 400 /* in one GETBULK answer */
#define PP_SIM_MAX_REPEATERS 64 /* GETBULK columns walked at once */
#define PP_SIM_MAX_OID (PP_OID_MAX + 8) /* a served OID: a field's and its row */

struct entry {
	oid name[PP_SIM_MAX_OID];
	size_t len;
	const struct pp_pfield *f;  /* NULL: a system scalar */
	int row;
	int sys;                    /* 1 sysDescr, 3 sysUpTime */
};

struct sagent {
	struct sim_watch w;
	struct pp_sim *s;
	struct sdev *d;
	void *sess;
	struct entry *e;
	size_t n;
};

struct delayed {
	netsnmp_pdu *pdu;
	struct sagent *a;
	int64_t at;
};

struct snmp_engine {
	struct sagent *agents;
	size_t n;
	struct delayed *q;
	size_t nq, capq;
	netsnmp_large_fd_set fds;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	return snmp_oid_compare(a->name, a->len, b->name, b->len);
}

static int build_table(struct sagent *a)
{
	const struct pp_profile *p = a->d->dev->profile;
	size_t n = 2;
	for (size_t i = 0; i < p->nfields; i++)
		n += p->fields[i].table ? (size_t)sim_table_rows(a->d, &p->fields[i]) : 1;
	a->e = calloc(n, sizeof *a->e);
	if (!a->e)
		return -1;
	static const oid sysdescr[] = {1, 3, 6, 1, 2, 1, 1, 1, 0}, up[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
	memcpy(a->e[0].name, sysdescr, sizeof sysdescr);
	a->e[0].len = 9;
	a->e[0].sys = 1;
	memcpy(a->e[1].name, up, sizeof up);
	a->e[1].len = 9;
	a->e[1].sys = 3;
	a->n = 2;
	for (size_t i = 0; i < p->nfields; i++) {
		const struct pp_pfield *f = &p->fields[i];
		unsigned long o[PP_OID_MAX];
		size_t len = pp_snmp_parse_oid(f->oid, o);
		int rows = f->table ? sim_table_rows(a->d, f) : 1;
		for (int r = 1; r <= rows && len; r++) {
			struct entry *e = &a->e[a->n++];
			memcpy(e->name, o, len * sizeof *o);
			e->len = len;
			if (f->table)
				e->name[e->len++] = (oid)r;
			e->f = f;
			e->row = f->table ? r : 0;
		}
	}
	qsort(a->e, a->n, sizeof *a->e, entry_cmp);
	/* Two fields on one OID would make GETNEXT loop: keep the first. */
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!k || entry_cmp(&a->e[k - 1], &a->e[i]))
			a->e[k++] = a->e[i];
	a->n = k;
	return 0;
}

/* An answer being built: appending through its tail keeps a 60-varbind
 * answer linear (snmp_pdu_add_variable walks the whole list each time). */
struct reply {
	netsnmp_variable_list **tail;
};

static void put(struct reply *r, const oid *name, size_t len, u_char type, const void *val,
		size_t vlen)
{
	netsnmp_variable_list *v = snmp_varlist_add_variable(r->tail, name, len, type, val, vlen);
	if (v)
		r->tail = &v->next_variable;
}

static void add_value(struct sagent *a, struct reply *r, const oid *name, size_t len,
		      const struct entry *e)
{
	struct pp_sim *s = a->s;
	if (e->sys == 1) {
		char descr[160];
		snprintf(descr, sizeof descr, "powerpark sim: %s (%s)", a->d->dev->name,
			 a->d->dev->profile->name);
		put(r, name, len, ASN_OCTET_STR, descr, strlen(descr));
		return;
	}
	if (e->sys == 3) {
		/* Real time even when frozen: counters' rates need a running clock. */
		long ticks = (long)((pp_clock_mono_ns() - s->t0_mono) / 10000000);
		put(r, name, len, ASN_TIMETICKS, &ticks, sizeof ticks);
		return;
	}
	const struct pp_pfield *f = e->f;
	if (f->as_tag) {
		char lab[64];
		sim_label(a->d, f, e->row, lab, sizeof lab);
		put(r, name, len, ASN_OCTET_STR, lab, strlen(lab));
		return;
	}
	double v = sim_value(s, a->d, f, e->row);
	double raw = nearbyint((v - f->offset) / f->scale);
	if (f->counter) {
		unsigned long c = (unsigned long)fmod(fmax(raw, 0), 4294967296.0);
		put(r, name, len, ASN_COUNTER, &c, sizeof c);
	} else if (f->min >= 0) {
		unsigned long g = (unsigned long)fmin(fmax(raw, 0), 4294967295.0);
		put(r, name, len, ASN_GAUGE, &g, sizeof g);
	} else {
		long i = (long)fmin(fmax(raw, -2147483648.0), 2147483647.0);
		put(r, name, len, ASN_INTEGER, &i, sizeof i);
	}
}

/* Index of the first entry after (next) or equal to (!next) name; n if none. */
static size_t find(const struct sagent *a, const oid *name, size_t len, int next)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = snmp_oid_compare(a->e[mid].name, a->e[mid].len, name, len);
		if (c < 0 || (next && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!next && lo < a->n && snmp_oid_compare(a->e[lo].name, a->e[lo].len, name, len))
		return a->n;
	return lo;
}

/* Adds entry i (i < a->n) or, past the end, endOfMibView at name (v2c);
 * returns i, or a->n at the end. */
static size_t add_at(struct sagent *a, struct reply *r, size_t i, const oid *name, size_t len,
		     int v1)
{
	if (i >= a->n) {
		if (!v1)
			put(r, name, len, SNMP_ENDOFMIBVIEW, NULL, 0);
		return a->n;
	}
	add_value(a, r, a->e[i].name, a->e[i].len, &a->e[i]);
	return i;
}

/* Adds the successor of name; returns its entry's index, a->n at the end. */
static size_t add_next(struct sagent *a, struct reply *r, const oid *name, size_t len, int v1)
{
	return add_at(a, r, find(a, name, len, 1), name, len, v1);
}

/* GETBULK's repeaters: each column's successor found once by search, then
 * walked entry by entry (the table is sorted, the next OID is the next
 * entry). */
static void bulk(struct sagent *a, struct reply *rp, netsnmp_variable_list *v, long maxrep,
		 size_t total)
{
	size_t nrep = 0, at[PP_SIM_MAX_REPEATERS], len[PP_SIM_MAX_REPEATERS];
	const oid *last[PP_SIM_MAX_REPEATERS]; /* each column's last name: where it ends */
	for (netsnmp_variable_list *w = v; w && nrep < PP_SIM_MAX_REPEATERS; w = w->next_variable) {
		last[nrep] = w->name;
		len[nrep++] = w->name_length;
	}
	for (long rep = 0; rep < maxrep && nrep; rep++) {
		int any = 0;
		for (size_t k = 0; k < nrep && total < PP_SIM_MAX_VARBINDS; k++, total++) {
			if (!rep)
				at[k] = find(a, last[k], len[k], 1);
			else if (at[k] < a->n)
				at[k]++;
			if (add_at(a, rp, at[k], last[k], len[k], 0) < a->n) {
				last[k] = a->e[at[k]].name;
				len[k] = a->e[at[k]].len;
				any = 1;
			}
		}
		if (!any || total >= PP_SIM_MAX_VARBINDS)
			break;
	}
}

static void answer(struct sagent *a, netsnmp_pdu *req)
{
	struct snmp_engine *en = a->s->snmp;
	const struct pp_snmp_cred *cr = &a->d->dev->snmp;
	if (req->community_len != strlen(cr->community) ||
	    memcmp(req->community, cr->community, req->community_len))
		return; /* a wrong community gets silence, as from real agents */
	int v1 = req->version == SNMP_VERSION_1;
	if (a->d->fault == PP_FAULT_SILENT)
		return;
	a->d->requests++;
	netsnmp_pdu *r = snmp_clone_pdu(req);
	if (!r)
		return;
	snmp_free_varbind(r->variables);
	r->variables = NULL;
	struct reply rp = {&r->variables};
	r->command = SNMP_MSG_RESPONSE;
	r->errstat = SNMP_ERR_NOERROR;
	r->errindex = 0;
	long idx = 0;
	if (req->command == SNMP_MSG_GET) {
		for (netsnmp_variable_list *v = req->variables; v; v = v->next_variable) {
			idx++;
			size_t i = find(a, v->name, v->name_length, 0);
			if (i < a->n) {
				add_value(a, &rp, v->name, v->name_length, &a->e[i]);
			} else if (v1) {
				r->errstat = SNMP_ERR_NOSUCHNAME;
				r->errindex = idx;
				break;
			} else {
				put(&rp, v->name, v->name_length, SNMP_NOSUCHINSTANCE, NULL, 0);
			}
		}
	} else if (req->command == SNMP_MSG_GETNEXT) {
		for (netsnmp_variable_list *v = req->variables; v; v = v->next_variable) {
			idx++;
			if (add_next(a, &rp, v->name, v->name_length, v1) >= a->n && v1) {
				r->errstat = SNMP_ERR_NOSUCHNAME;
				r->errindex = idx;
				break;
			}
		}
	} else if (req->command == SNMP_MSG_GETBULK) {
		long nonrep = req->non_repeaters < 0 ? 0 : req->non_repeaters;
		long maxrep = req->max_repetitions < 0 ? 0 : req->max_repetitions;
		netsnmp_variable_list *v = req->variables;
		for (long i = 0; i < nonrep && v; i++, v = v->next_variable)
			add_next(a, &rp, v->name, v->name_length, 0);
		bulk(a, &rp, v, maxrep, (size_t)nonrep);
	} else {
		r->errstat = v1 ? SNMP_ERR_GENERR : SNMP_ERR_NOTWRITABLE;
		r->errindex = 1;
	}
	if (a->d->fault == PP_FAULT_DELAY) {
		if (pp_buf_array_grow(&en->q, &en->capq, en->nq + 1, sizeof *en->q)) {
			snmp_free_pdu(r);
			return;
		}
		en->q[en->nq++] = (struct delayed){r, a, pp_clock_mono_ns() +
							     (int64_t)a->d->fault_arg * 1000000};
		return;
	}
	if (!snmp_sess_send(a->sess, r))
		snmp_free_pdu(r);
}

static int on_request(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
	(void)sess;
	(void)reqid;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu)
		answer(magic, pdu);
	return 1;
}

static void on_ready(struct pp_sim *s, struct sim_watch *w)
{
	struct snmp_engine *en = s->snmp;
	struct sagent *a = (struct sagent *)w;
	NETSNMP_LARGE_FD_SET(w->fd, &en->fds);
	snmp_sess_read2(a->sess, &en->fds);
	NETSNMP_LARGE_FD_CLR(w->fd, &en->fds);
}

enum pp_err sim_snmp_open(struct pp_sim *s, struct pp_errbuf *eb)
{
	pp_snmp_init();
	struct snmp_engine *en = calloc(1, sizeof *en);
	if (!en)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	s->snmp = en;
	netsnmp_large_fd_set_init(&en->fds, PP_SIM_MAX_FDS);
	en->agents = calloc(s->ndevs ? s->ndevs : 1, sizeof *en->agents);
	if (!en->agents)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sdev *d = &s->devs[i];
		if (d->dev->proto != PP_PROTO_SNMP)
			continue;
		if (d->dev->snmp.version == 3) {
			d->skip_why = "SNMPv3: use a real agent (snmpd) for v3";
			continue;
		}
		struct sagent *a = &en->agents[en->n];
		a->s = s;
		a->d = d;
		if (build_table(a))
			return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		if (!en->n)
			pp_fd_raise_limit();
		char spec[300];
		snprintf(spec, sizeof spec, "udp:%s", d->dev->address);
		netsnmp_transport *t = netsnmp_transport_open_server("powerpark-sim", spec);
		if (!t) {
			free(a->e);
			memset(a, 0, sizeof *a);
			return pp_err_set(eb, PP_ERR_IO, "device '%s': cannot serve SNMP on %s (address "
						      "in use or not local?)", d->dev->name,
				       d->dev->address);
		}
		netsnmp_session ss;
		snmp_sess_init(&ss);
		ss.version = SNMP_DEFAULT_VERSION;
		ss.callback = on_request;
		ss.callback_magic = a;
		ss.isAuthoritative = SNMP_SESS_AUTHORITATIVE;
		a->sess = snmp_sess_add(&ss, t, NULL, NULL);
		if (!a->sess) {
			free(a->e);
			memset(a, 0, sizeof *a);
			return pp_err_set(eb, PP_ERR_IO, "device '%s': net-snmp session failed",
				       d->dev->name);
		}
		t->sock = pp_fd_move_high(t->sock); /* libmodbus needs the low ones */
		a->w.fd = t->sock;
		a->w.on_ready = on_ready;
		en->n++;
		if (sim_watch_add(s, &a->w))
			return pp_err_set(eb, PP_ERR_IO, "epoll add failed");
		d->served = 1;
		d->proto = a;
	}
	return PP_OK;
}

void sim_snmp_tick(struct pp_sim *s)
{
	struct snmp_engine *en = s->snmp;
	if (!en || !en->nq)
		return;
	int64_t now = pp_clock_mono_ns();
	size_t k = 0;
	for (size_t i = 0; i < en->nq; i++) {
		struct delayed *q = &en->q[i];
		if (q->at <= now) {
			if (!snmp_sess_send(q->a->sess, q->pdu))
				snmp_free_pdu(q->pdu);
		} else {
			en->q[k++] = *q;
		}
	}
	en->nq = k;
}

void sim_snmp_close(struct pp_sim *s)
{
	struct snmp_engine *en = s->snmp;
	if (!en)
		return;
	for (size_t i = 0; i < en->nq; i++)
		snmp_free_pdu(en->q[i].pdu);
	free(en->q);
	for (size_t i = 0; i < en->n; i++) {
		if (en->agents[i].sess)
			snmp_sess_close(en->agents[i].sess);
		free(en->agents[i].e);
	}
	free(en->agents);
	netsnmp_large_fd_set_cleanup(&en->fds);
	free(en);
	s->snmp = NULL;
}
