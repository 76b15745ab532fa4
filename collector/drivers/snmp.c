/* snmp.c - the SNMP driver (net-snmp): every agent from one thread through
 * the single-session asynchronous API, epoll for readiness and our own
 * schedule, so thousands of agents cost one core at most.
 *
 * One poll of an agent is one GET (scalars only) or a chain of GETBULKs:
 * the first carries the scalars as non-repeaters and every table column as
 * a repeater; later ones continue the columns that have not yet left their
 * subtree. v1 agents get GET/GETNEXT. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../collect_int.h"
#include "powerpark/buf.h"
#include "powerpark/clock.h"
#include "powerpark/fd.h"
#include "powerpark/snmp.h"
#include "snmp_usm.h"

#define MAX_REP 24      /* GETBULK max-repetitions to start with */
#define STR_SLOT 64     /* as_tag strings are cut to this */

static const oid sysuptime[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};

struct col {            /* one table column being walked */
	const struct pp_pfield *f;
	oid base[PP_OID_MAX];
	size_t baselen;
	oid cur[MAX_OID_LEN];
	size_t curlen;
	int done;
};

struct reading {        /* one value of this poll, resolved at the end */
	const struct pp_pfield *f;
	int rate;           /* the rate of a counter, not its value */
	char index[40];
	double v;
	int slot;           /* as_tag string slot, -1 for numbers */
};

struct prev {           /* a counter's last raw value, per row */
	const struct pp_pfield *f;
	char index[40];
	uint64_t raw;
	int64_t t_ns;
};

struct agent {
	struct cdev *d;
	struct engine *e;
	void *sess;
	int fd;
	int64_t reopen_at;
	int reopen_ms;
	/* what to ask */
	struct {
		const struct pp_pfield *f;
		oid o[PP_OID_MAX];
		size_t len;
		oid pred[PP_OID_MAX + 1]; /* asked for in GETBULK (see pred_oid) */
		size_t predlen;
	} *scalars;
	size_t nscalars;
	struct col *cols;
	size_t ncols;
	int has_counters;
	int maxrep;
	int asked_cols;     /* the request in flight walks columns */
	int want_close;     /* set in callbacks: the loop closes the session */
	/* SNMPv3 authPriv: a wrong priv_key is silence (the agent cannot decrypt
	 * and drops the request), so a timeout is followed by one authNoPriv GET:
	 * an authenticated answer to it proves the agent and auth key fine. */
	struct pp_usm_keys keys;
	int diag;           /* the next poll is that check */
	int diag_inflight;
	int priv_bad;       /* the check found the priv key wrong */
	int usm_ok;         /* this session's keys are the cached ones */
	unsigned char eid[32]; /* the agent's engine ID, as last seen */
	size_t eidlen;
	/* the poll in flight */
	int busy;
	int64_t started, ts, deadline, due;
	struct reading *rd;
	size_t nrd, caprd;
	char (*strs)[STR_SLOT];
	size_t nstrs, capstrs;
	struct cval *out;   /* the readings as handed to the core, reused */
	char (*names)[96];  /* rate field names */
	size_t capout, capnames;
	uint64_t uptime;    /* sysUpTime of this poll, ticks */
	int have_uptime;
	/* across polls */
	uint64_t last_uptime;
	int last_uptime_ok;
	struct prev *prev;
	size_t nprev, capprev;
};

struct engine {
	struct pp_collect *c;
	struct agent **a;
	size_t n;
	int ep;
	pthread_t th;
	volatile int stop;
	int64_t next_scan;
	netsnmp_large_fd_set fds;
	size_t once_left;
};

/* GETBULK's non-repeaters are GETNEXTs, so a scalar x.k is asked for by an
 * OID just before it: x.(k-1).4294967295 (x when k is 0). Nothing real sits
 * between the two; the answer is still checked to be x.k exactly. */
static size_t pred_oid(const oid *o, size_t n, oid *out)
{
	memcpy(out, o, n * sizeof *o);
	if (o[n - 1] == 0)
		return n - 1;
	out[n - 1] = o[n - 1] - 1;
	out[n] = 0xffffffffUL;
	return n + 1;
}

static const oid sysuptime_pred[] = {1, 3, 6, 1, 2, 1, 1, 3};

static int snmp_match(const struct pp_device *d)
{
	return d->proto == PP_PROTO_SNMP;
}

static enum pp_err snmp_configure(struct pp_collect *c, struct cdev *d, struct pp_errbuf *eb)
{
	(void)c;
	const struct pp_profile *p = d->dev->profile;
	struct agent *a = calloc(1, sizeof *a);
	if (!a)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->drv = a;
	a->d = d;
	a->fd = -1;
	a->maxrep = MAX_REP;
	a->scalars = calloc(p->nfields, sizeof *a->scalars);
	a->cols = calloc(p->nfields, sizeof *a->cols);
	if (!a->scalars || !a->cols)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < p->nfields; i++) {
		const struct pp_pfield *f = &p->fields[i];
		unsigned long o[PP_OID_MAX];
		size_t n = pp_snmp_parse_oid(f->oid, o);
		if (!n)
			return pp_err_set(eb, PP_ERR_CONFIG, "%s: field '%s': bad OID '%s'", p->file,
				       f->name, f->oid);
		if (f->table) {
			struct col *cl = &a->cols[a->ncols++];
			cl->f = f;
			memcpy(cl->base, o, n * sizeof *o);
			cl->baselen = n;
		} else {
			memcpy(a->scalars[a->nscalars].o, o, n * sizeof *o);
			a->scalars[a->nscalars].len = n;
			a->scalars[a->nscalars].predlen =
				pred_oid(o, n, a->scalars[a->nscalars].pred);
			a->scalars[a->nscalars++].f = f;
		}
		a->has_counters |= f->counter;
	}
	return PP_OK;
}

static void close_sess(struct agent *a)
{
	if (a->sess) {
		if (a->fd >= 0 && a->e)
			epoll_ctl(a->e->ep, EPOLL_CTL_DEL, a->fd, NULL);
		snmp_sess_close(a->sess);
		a->sess = NULL;
		a->fd = -1;
	}
	a->usm_ok = 0;
}

static void sa_close(struct cdev *d)
{
	struct agent *a = d->drv;
	if (!a)
		return;
	close_sess(a);
	free(a->scalars);
	free(a->cols);
	free(a->rd);
	free(a->strs);
	free(a->prev);
	free(a->out);
	free(a->names);
	free(a);
	d->drv = NULL;
}

static int auth_proto(const char *name, oid **o, size_t *len)
{
	static const struct {
		const char *n;
		oid *o;
	} t[] = {{"MD5", usmHMACMD5AuthProtocol},         {"SHA", usmHMACSHA1AuthProtocol},
		 {"SHA-224", usmHMAC128SHA224AuthProtocol}, {"SHA-256", usmHMAC192SHA256AuthProtocol},
		 {"SHA-384", usmHMAC256SHA384AuthProtocol}, {"SHA-512", usmHMAC384SHA512AuthProtocol}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcmp(name, t[i].n)) {
			*o = t[i].o;
			*len = 10;
			return 0;
		}
	return -1;
}

static int priv_proto(const char *name, oid **o, size_t *len)
{
	if (!strcmp(name, "DES")) {
		*o = usmDESPrivProtocol;
		*len = 10;
	} else if (!strcmp(name, "AES")) {
		*o = usmAESPrivProtocol;
		*len = 10;
	} else if (!strcmp(name, "AES-192")) {
		*o = usmAES192PrivProtocol;
		*len = 9;
	} else if (!strcmp(name, "AES-256")) {
		*o = usmAES256PrivProtocol;
		*len = 9;
	} else {
		return -1;
	}
	return 0;
}

static int on_response(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic);

/* The other device that reads the same v3 user at the same engine, for
 * the conflict message. */
static const char *same_user(const struct agent *a)
{
	for (size_t i = 0; i < a->e->n; i++) {
		const struct agent *b = a->e->a[i];
		if (b != a && b->usm_ok && b->eidlen == a->eidlen &&
		    !memcmp(b->eid, a->eid, a->eidlen) &&
		    !strcmp(b->d->dev->snmp.user, a->d->dev->snmp.user))
			return b->d->dev->name;
	}
	return NULL;
}

/* Opens the agent's session. v3 learns the engine ID here (a synchronous
 * probe bounded by the device's timeout), which is why reopening backs off. */
static int open_sess(struct agent *a, char *err, size_t errlen)
{
	const struct pp_device *dv = a->d->dev;
	netsnmp_session s;
	snmp_sess_init(&s);
	char peer[300];
	snprintf(peer, sizeof peer, "udp:%s", dv->address);
	s.peername = peer;
	s.timeout = (long)dv->timeout_ms * 1000;
	s.retries = dv->retries;
	s.callback = on_response;
	s.callback_magic = a;
	const struct pp_snmp_cred *cr = &dv->snmp;
	memset(&a->keys, 0, sizeof a->keys);
	if (cr->version == 3) {
		s.version = SNMP_VERSION_3;
		s.securityName = (char *)cr->user;
		s.securityNameLen = strlen(cr->user);
		s.securityLevel = cr->level == PP_SNMP_AUTHPRIV      ? SNMP_SEC_LEVEL_AUTHPRIV
				  : cr->level == PP_SNMP_AUTHNOPRIV ? SNMP_SEC_LEVEL_AUTHNOPRIV
								    : SNMP_SEC_LEVEL_NOAUTH;
		if (cr->level >= PP_SNMP_AUTHNOPRIV) {
			if (auth_proto(cr->auth_proto, &s.securityAuthProto, &s.securityAuthProtoLen))
				goto bad_proto;
			s.securityAuthKeyLen = USM_AUTH_KU_LEN;
			if (generate_Ku(s.securityAuthProto, (u_int)s.securityAuthProtoLen,
					(const u_char *)cr->auth_key, strlen(cr->auth_key),
					s.securityAuthKey, &s.securityAuthKeyLen) != SNMPERR_SUCCESS) {
				snprintf(err, errlen, "cannot derive the SNMPv3 auth key");
				return -1;
			}
			a->keys.auth_proto = s.securityAuthProto;
			a->keys.auth_proto_len = s.securityAuthProtoLen;
			a->keys.auth_len = s.securityAuthKeyLen;
			memcpy(a->keys.auth, s.securityAuthKey, s.securityAuthKeyLen);
		}
		if (cr->level == PP_SNMP_AUTHPRIV) {
			if (priv_proto(cr->priv_proto, &s.securityPrivProto, &s.securityPrivProtoLen))
				goto bad_proto;
			s.securityPrivKeyLen = USM_PRIV_KU_LEN;
			if (generate_Ku(s.securityAuthProto, (u_int)s.securityAuthProtoLen,
					(const u_char *)cr->priv_key, strlen(cr->priv_key),
					s.securityPrivKey, &s.securityPrivKeyLen) != SNMPERR_SUCCESS) {
				snprintf(err, errlen, "cannot derive the SNMPv3 privacy key");
				return -1;
			}
			a->keys.priv_len = s.securityPrivKeyLen;
			memcpy(a->keys.priv, s.securityPrivKey, s.securityPrivKeyLen);
		}
	} else {
		s.version = cr->version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
		s.community = (u_char *)cr->community;
		s.community_len = strlen(cr->community);
	}
	a->sess = snmp_sess_open(&s);
	if (!a->sess) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_error(&s, &syserr, &liberr, &msg);
		snprintf(err, errlen, "%s%s", cr->version == 3 ? "SNMPv3 engine discovery: " : "",
			 msg ? msg : "cannot open session");
		free(msg);
		return -1;
	}
	netsnmp_transport *t = snmp_sess_transport(a->sess);
	if (t) /* epoll only: leave the low numbers to libmodbus's select() */
		t->sock = pp_fd_move_high(t->sock);
	a->fd = t ? t->sock : -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = a};
	if (a->fd < 0 || epoll_ctl(a->e->ep, EPOLL_CTL_ADD, a->fd, &ev)) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		snmp_sess_close(a->sess);
		a->sess = NULL;
		return -1;
	}
	return 0;
bad_proto:
	snprintf(err, errlen, "SNMPv3 protocol not supported by this net-snmp");
	return -1;
}

static void finish(struct agent *a, int ok, int timeout, int auth, const char *err);

static int send_next(struct agent *a, int first);

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
				snprintf(r->index, sizeof r->index, "%s", index);
				r->v = (double)delta * f->scale / ((double)(a->ts - p->t_ns) / 1e9);
			}
		}
	}
	if (!p) {
		if (pp_buf_array_grow(&a->prev, &a->capprev, a->nprev + 1, sizeof *a->prev))
			return;
		p = &a->prev[a->nprev++];
		p->f = f;
		snprintf(p->index, sizeof p->index, "%s", index);
	}
	p->raw = raw;
	p->t_ns = a->ts;
}

/* Turns one varbind into a reading of field f on row index. */
static void take(struct agent *a, const struct pp_pfield *f, const char *index,
		 const netsnmp_variable_list *v)
{
	struct pp_collect *c = a->e->c;
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
		char s[STR_SLOT];
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
			snprintf(r->index, sizeof r->index, "%s", index);
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
		pthread_mutex_lock(&c->mu);
		a->d->range_drops++;
		pthread_mutex_unlock(&c->mu);
		return;
	}
	double val;
	if (collect_scale(c, a->d, f, raw, &val))
		return;
	struct reading *r = new_reading(a);
	if (!r)
		return;
	r->f = f;
	snprintf(r->index, sizeof r->index, "%s", index);
	r->v = val;
	if (f->counter)
		counter_rate(a, f, index, craw, is32);
}

static int is_exception(const netsnmp_variable_list *v)
{
	return v->type == SNMP_NOSUCHOBJECT || v->type == SNMP_NOSUCHINSTANCE ||
	       v->type == SNMP_ENDOFMIBVIEW;
}

/* Handles the varbinds of one response; returns 1 when more requests follow. */
static int absorb(struct agent *a, netsnmp_pdu *pdu, int first)
{
	netsnmp_variable_list *v = pdu->variables;
	if (first) {
		if (a->has_counters && v) {
			if (v->type == ASN_TIMETICKS &&
			    !snmp_oid_compare(v->name, v->name_length, sysuptime, 9)) {
				a->uptime = (uint32_t)*v->val.integer;
				a->have_uptime = 1;
			}
			v = v->next_variable;
		}
		for (size_t i = 0; i < a->nscalars && v; i++, v = v->next_variable)
			if (!is_exception(v) &&
			    !snmp_oid_compare(v->name, v->name_length, a->scalars[i].o, a->scalars[i].len))
				take(a, a->scalars[i].f, "", v);
	}
	size_t active[PP_OID_MAX * 4], nact = 0;
	for (size_t i = 0; i < a->ncols; i++)
		if (!a->cols[i].done && nact < sizeof active / sizeof active[0])
			active[nact++] = i;
	if (!nact)
		return 0;
	if (!a->asked_cols)
		return 1;
	int progressed[PP_OID_MAX * 4] = {0};
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
		char index[40];
		pp_snmp_format_oid(v->name + cl->baselen, v->name_length - cl->baselen, index,
				   sizeof index);
		if (!is_exception(v))
			take(a, cl->f, index, v);
		memcpy(cl->cur, v->name, v->name_length * sizeof(oid));
		cl->curlen = v->name_length;
		progressed[j % nact] = 1;
	}
	int more = 0;
	for (size_t k = 0; k < nact; k++) {
		struct col *cl = &a->cols[active[k]];
		if (!progressed[k])
			cl->done = 1; /* an empty answer for it: nothing more there */
		more |= !cl->done;
	}
	return more;
}

/* The first answer on a v3 session shows the engine ID: only then can the
 * cached user be checked against this device's keys (see snmp_usm.h). */
static int usm_check(struct agent *a, netsnmp_pdu *pdu)
{
	const struct pp_snmp_cred *cr = &a->d->dev->snmp;
	a->eidlen = pdu->securityEngineIDLen < sizeof a->eid ? pdu->securityEngineIDLen : 0;
	memcpy(a->eid, pdu->securityEngineID, a->eidlen);
	if (pp_usm_matches(pdu, cr->user, &a->keys)) {
		a->usm_ok = 1;
		return 1;
	}
	const char *other = same_user(a);
	char err[300];
	snprintf(err, sizeof err, "SNMPv3 user '%s' of this agent is already in use with other "
		 "keys%s%s; net-snmp holds one key per agent and user, so one of the two configs "
		 "has a wrong auth_key or priv_key", cr->user, other ? " by device " : "",
		 other ? other : "");
	a->reopen_at = pp_clock_mono_ns();
	finish(a, 0, 0, 1, err);
	a->want_close = 1;
	return 0;
}

#define PRIV_BAD "SNMPv3 wrong priv_key or priv protocol: the agent answers this user's " \
		 "authenticated requests but drops its encrypted ones"

static int on_response(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	(void)reqid;
	struct agent *a = magic;
	if (!a->busy || op == NETSNMP_CALLBACK_OP_RESEND || op == NETSNMP_CALLBACK_OP_CONNECT)
		return 1; /* a retry going out: not an answer */
	char err[160];
	const struct pp_snmp_cred *cr = &a->d->dev->snmp;
	int diag = a->diag_inflight;
	if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		if (cr->version == 3 && cr->level == PP_SNMP_AUTHPRIV && !diag) {
			a->diag = 1; /* silence at authPriv: is it the priv key? */
			if (a->priv_bad) {
				finish(a, 0, 0, 1, PRIV_BAD);
				return 1;
			}
		}
		snprintf(err, sizeof err, "timeout after %d ms x %d tries", a->d->dev->timeout_ms,
			 a->d->dev->retries + 1);
		a->priv_bad = 0;
		finish(a, 0, 1, 0, err);
		/* A v3 agent may come back with a new engine ID or boots: the next
		 * poll after a silent check opens a fresh session (its probe). */
		if (cr->version == 3 && !a->diag)
			a->want_close = 1;
		return 1;
	}
	if (diag && op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu &&
	    pdu->command == SNMP_MSG_RESPONSE) {
		/* Any authenticated answer, even authorizationError, clears the
		 * agent and the auth key: what failed is decryption. */
		a->priv_bad = 1;
		finish(a, 0, 0, 1, PRIV_BAD);
		pp_usm_forget(pdu, cr->user, &a->keys);
		a->reopen_at = 0;
		a->want_close = 1;
		return 1;
	}
	if (op == NETSNMP_CALLBACK_OP_SEC_ERROR ||
	    (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_REPORT)) {
		int rt = pdu ? snmpv3_get_report_type(pdu) : s->s_snmp_errno;
		snprintf(err, sizeof err, "SNMPv3 security error: %s (check user, auth_key and "
					  "priv_key)", snmp_api_errstring(rt));
		/* A stale engine time or ID is not the operator's fault: learn it again. */
		int resync = rt == SNMPERR_NOT_IN_TIME_WINDOW || rt == SNMPERR_UNKNOWN_ENG_ID;
		a->reopen_at = resync ? 0 : pp_clock_mono_ns();
		if (!resync)
			pp_usm_forget(pdu, cr->user, &a->keys);
		finish(a, 0, 0, !resync, err);
		a->want_close = 1; /* never inside net-snmp's own call */
		return 1;
	}
	if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || !pdu) {
		snprintf(err, sizeof err, "send failed (op %d): %s", op,
			 snmp_api_errstring(s->s_snmp_errno));
		finish(a, 0, 0, 0, err);
		a->want_close = 1;
		return 1;
	}
	if (cr->version == 3 && !a->usm_ok && !usm_check(a, pdu))
		return 1;
	if (pdu->errstat == SNMP_ERR_TOOBIG && a->maxrep > 1) {
		a->maxrep /= 2; /* ask for fewer rows at a time, from where we were */
		if (send_next(a, a->busy == 1))
			finish(a, 0, 0, 0, "send failed after tooBig");
		return 1;
	}
	if (pdu->errstat != SNMP_ERR_NOERROR) {
		snprintf(err, sizeof err, "agent error: %s (varbind %ld)",
			 snmp_errstring((int)pdu->errstat), pdu->errindex);
		finish(a, 0, 0, 0, err);
		return 1;
	}
	int first = a->busy == 1;
	a->busy = 2; /* later answers continue the walk */
	if (absorb(a, pdu, first)) {
		if (send_next(a, 0))
			finish(a, 0, 0, 0, "send failed");
		return 1;
	}
	finish(a, 1, 0, 0, NULL);
	return 1;
}

/* Sends the first request of a poll (first) or the next step of its walk. */
static int send_next(struct agent *a, int first)
{
	const struct pp_device *dv = a->d->dev;
	int v1 = dv->snmp.version == 1;
	size_t nact = 0;
	for (size_t i = 0; i < a->ncols; i++)
		nact += !a->cols[i].done;
	netsnmp_pdu *p;
	if (first && !nact)
		p = snmp_pdu_create(SNMP_MSG_GET);
	else if (v1)
		p = snmp_pdu_create(first && a->nscalars ? SNMP_MSG_GET : SNMP_MSG_GETNEXT);
	else
		p = snmp_pdu_create(SNMP_MSG_GETBULK);
	if (!p)
		return -1;
	if (first) {
		int bulk = p->command == SNMP_MSG_GETBULK;
		if (a->has_counters)
			snmp_add_null_var(p, bulk ? sysuptime_pred : sysuptime, bulk ? 8 : 9);
		for (size_t i = 0; i < a->nscalars; i++)
			snmp_add_null_var(p, bulk ? a->scalars[i].pred : a->scalars[i].o,
				bulk ? a->scalars[i].predlen : a->scalars[i].len);
	}
	if (p->command == SNMP_MSG_GETBULK) {
		p->non_repeaters = first ? (long)(a->nscalars + (size_t)a->has_counters) : 0;
		p->max_repetitions = a->maxrep;
	}
	if (p->command != SNMP_MSG_GET)
		for (size_t i = 0; i < a->ncols; i++)
			if (!a->cols[i].done)
				snmp_add_null_var(p, a->cols[i].cur, a->cols[i].curlen);
	/* v1 cannot mix GET and GETNEXT: its columns follow on the next step. */
	a->asked_cols = p->command != SNMP_MSG_GET;
	a->deadline = pp_clock_mono_ns() + (int64_t)dv->timeout_ms * 1000000;
	if (!snmp_sess_async_send(a->sess, p, on_response, a)) {
		snmp_free_pdu(p);
		return -1;
	}
	return 0;
}

/* The authNoPriv check that follows a silent authPriv poll (see diag). */
static int send_diag(struct agent *a)
{
	netsnmp_pdu *p = snmp_pdu_create(SNMP_MSG_GET);
	if (!p)
		return -1;
	snmp_add_null_var(p, sysuptime, 9);
	p->securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
	a->diag = 0;
	a->diag_inflight = 1;
	a->deadline = pp_clock_mono_ns() + (int64_t)a->d->dev->timeout_ms * 1000000;
	if (!snmp_sess_async_send(a->sess, p, on_response, a)) {
		snmp_free_pdu(p);
		return -1;
	}
	return 0;
}

static void start_poll(struct agent *a)
{
	a->started = pp_clock_mono_ns();
	a->ts = pp_clock_wall_ns();
	a->nrd = a->nstrs = 0;
	a->have_uptime = 0;
	for (size_t i = 0; i < a->ncols; i++) {
		struct col *cl = &a->cols[i];
		memcpy(cl->cur, cl->base, cl->baselen * sizeof(oid));
		cl->curlen = cl->baselen;
		cl->done = 0;
	}
	char err[160];
	if (!a->sess) {
		if (a->started < a->reopen_at) {
			snprintf(err, sizeof err, "%s", a->d->last_error[0] ? a->d->last_error
									    : "no session");
			a->busy = 1;
			finish(a, 0, 0, 0, err);
			return;
		}
		if (open_sess(a, err, sizeof err)) {
			a->reopen_ms = a->reopen_ms ? a->reopen_ms * 2 : a->d->dev->interval_ms;
			if (a->reopen_ms > 60000)
				a->reopen_ms = 60000;
			a->reopen_at = pp_clock_mono_ns() + (int64_t)a->reopen_ms * 1000000;
			a->busy = 1;
			finish(a, 0, strstr(err, "Timeout") != NULL, 0, err);
			return;
		}
		a->reopen_ms = 0;
	}
	a->busy = 1;
	if (a->diag ? send_diag(a) : send_next(a, 1)) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_sess_error(a->sess, &liberr, &syserr, &msg);
		snprintf(err, sizeof err, "send failed: %s", msg ? msg : "?");
		free(msg);
		finish(a, 0, strstr(err, "Timeout") != NULL, 0, err); /* a v3 probe */
		close_sess(a);
	}
}

/* Ends the poll in flight: emits what was read and schedules the next. */
static void finish(struct agent *a, int ok, int timeout, int auth, const char *err)
{
	struct engine *e = a->e;
	struct cdev *d = a->d;
	size_t n = ok ? a->nrd : 0;
	if (pp_buf_array_grow(&a->out, &a->capout, n, sizeof *a->out) ||
	    pp_buf_array_grow(&a->names, &a->capnames, n, sizeof *a->names))
		n = 0;
	struct cval *vals = a->out;
	for (size_t i = 0; i < n; i++) {
		struct reading *r = &a->rd[i];
		vals[i].f = r->f;
		vals[i].index = r->index;
		vals[i].v = r->v;
		vals[i].s = r->slot >= 0 ? a->strs[r->slot] : NULL;
		vals[i].name = NULL;
		if (r->rate) {
			snprintf(a->names[i], sizeof a->names[i], "%s_per_s", r->f->name);
			vals[i].name = a->names[i];
		}
	}
	if (ok && a->have_uptime) {
		a->last_uptime = a->uptime;
		a->last_uptime_ok = 1;
	}
	collect_done(e->c, d, a->ts, a->started, vals, n, ok, timeout, auth, err);
	a->busy = 0;
	a->diag_inflight = 0;
	if (ok)
		a->priv_bad = 0;
	if (e->c->opts.once) {
		e->once_left--;
		a->due = INT64_MAX;
		return;
	}
	a->due = collect_next_due(e->c, d, a->due, a->started);
	if (a->due < e->next_scan)
		e->next_scan = a->due;
}

static void *loop(void *arg)
{
	struct engine *e = arg;
	struct epoll_event evs[256];
	while (!e->stop && !(e->c->opts.once && !e->once_left)) {
		int64_t now = pp_clock_mono_ns();
		if (now >= e->next_scan) {
			int64_t next = now + 1000000000LL;
			for (size_t i = 0; i < e->n; i++) {
				struct agent *a = e->a[i];
				if (!a->busy && a->due <= now)
					start_poll(a);
				if (a->busy && a->sess && now >= a->deadline) {
					snmp_sess_timeout(a->sess); /* retries, or reports a timeout */
					if (a->want_close) {
						a->want_close = 0;
						close_sess(a);
					}
					if (a->busy)
						a->deadline = now + (int64_t)a->d->dev->timeout_ms * 1000000;
				}
				int64_t t = a->busy ? a->deadline : a->due;
				if (t < next)
					next = t;
			}
			e->next_scan = next;
			continue;
		}
		int ms = (int)((e->next_scan - now + 999999) / 1000000);
		int k = epoll_wait(e->ep, evs, 256, ms > 1000 ? 1000 : ms);
		for (int i = 0; i < k; i++) {
			struct agent *a = evs[i].data.ptr;
			if (!a->sess)
				continue;
			NETSNMP_LARGE_FD_SET(a->fd, &e->fds);
			int fd = a->fd;
			snmp_sess_read2(a->sess, &e->fds);
			NETSNMP_LARGE_FD_CLR(fd, &e->fds);
			if (a->want_close) {
				a->want_close = 0;
				close_sess(a);
			}
		}
	}
	return NULL;
}

static void snmp_stop(void *engine)
{
	struct engine *e = engine;
	if (!e)
		return;
	e->stop = 1;
	pthread_join(e->th, NULL);
	for (size_t i = 0; i < e->n; i++)
		close_sess(e->a[i]);
	close(e->ep);
	netsnmp_large_fd_set_cleanup(&e->fds);
	free(e->a);
	free(e);
}

static enum pp_err snmp_start(struct pp_collect *c, struct cdev **devs, size_t n, void **engine,
			      struct pp_errbuf *eb)
{
	pp_snmp_init();
	pp_fd_raise_limit(); /* one socket per agent: make room for thousands */
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	e->c = c;
	e->n = n;
	e->once_left = n;
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	e->a = calloc(n, sizeof *e->a); /* the devices' own contexts, borrowed */
	if (e->ep < 0 || !e->a) {
		if (e->ep >= 0)
			close(e->ep);
		free(e->a);
		free(e);
		return pp_err_set(eb, PP_ERR_NOMEM, "cannot set up the SNMP engine");
	}
	netsnmp_large_fd_set_init(&e->fds, 65536);
	int64_t now = pp_clock_mono_ns();
	for (size_t i = 0; i < n; i++) {
		struct agent *a = devs[i]->drv;
		a->e = e;
		a->due = collect_first_due(c, (size_t)(devs[i] - c->devs), now);
		e->a[i] = a;
	}
	e->next_scan = now;
	if (pthread_create(&e->th, NULL, loop, e)) {
		close(e->ep);
		netsnmp_large_fd_set_cleanup(&e->fds);
		free(e->a);
		free(e);
		return pp_err_set(eb, PP_ERR_NOMEM, "cannot start the SNMP thread");
	}
	*engine = e;
	return PP_OK;
}

const struct pp_driver pp_driver_snmp = {
	.name = "snmp",
	.match = snmp_match,
	.configure = snmp_configure,
	.close = sa_close,
	.start = snmp_start,
	.stop = snmp_stop,
};
