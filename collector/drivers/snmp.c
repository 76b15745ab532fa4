/* snmp.c - the SNMP driver (net-snmp): every agent from one thread through
 * the single-session asynchronous API, epoll for readiness and our own
 * schedule, so thousands of agents cost one core at most.
 *
 * One poll of an agent is one GET (scalars only) or a chain of GETBULKs:
 * the first carries the scalars as non-repeaters and every table column as
 * a repeater; later ones continue the columns that have not yet left their
 * subtree. v1 agents get GET/GETNEXT. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "powerpark/clock.h"
#include "powerpark/log.h"
#include "powerpark/fd.h"
#include "snmp_int.h"

#define PP_SNMP_MAX_EVENTS 256 /* epoll events taken per wait */
#define PP_SNMP_MAX_FDS 65536  /* the fd set net-snmp reads from */
#define PP_SNMP_MAX_WAIT_MS 1000 /* the loop looks at its schedule at least this often */
#define PP_SNMP_GATHER_NS 1000000L /* answers gathered per wake-up while they flow */
/* Our deadline is set just before net-snmp's send sets its own expiry: a
 * millisecond later, so that at our deadline net-snmp's has passed too (else
 * snmp_sess_timeout finds nothing to expire and the timeout comes a whole
 * timeout late). */
#define PP_SNMP_SLACK_NS 1000000L
/* Polls due within this are started together, a little early: one wake-up
 * of the loop (and of a peer on this host) for several. At 2,500 polls a
 * second their starts were 0.4 ms apart, and waking up was a third of the
 * collector's CPU. */
#define PP_SNMP_EARLY_NS 2000000L

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

static const oid sysuptime_pred[PP_SNMP_SYSUPTIME_LEN - 1] = {1, 3, 6, 1, 2, 1, 1, 3};

static int snmp_match(const struct pp_device *d)
{
	return d->proto == PP_PROTO_SNMP;
}

static enum pp_err snmp_configure(struct drv_dev *devs, size_t i, struct pp_errbuf *eb)
{
	struct drv_dev *d = &devs[i];
	const struct pp_profile *p = d->dev->profile;
	struct agent *a = calloc(1, sizeof *a);
	if (!a)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	d->ctx = a;
	a->d = d;
	a->fd = -1;
	a->maxrep = PP_SNMP_MAX_REP;
	a->scalars = calloc(2 * p->nfields, sizeof *a->scalars); /* and digits_oid */
	a->cols = calloc(2 * p->nfields, sizeof *a->cols); /* a digits column each, at most */
	if (!a->scalars || !a->cols)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k < p->nfields; k++) {
		const struct pp_pfield *f = &p->fields[k];
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
			if (f->digits_oid) { /* its decimal digits: a column walked beside it */
				struct col *dc = &a->cols[a->ncols++];
				dc->f = f;
				dc->digits = 1;
				if (!(dc->baselen = pp_snmp_parse_oid(f->digits_oid, dc->base)))
					return pp_err_set(eb, PP_ERR_CONFIG, "%s: field '%s': bad OID '%s'",
						       p->file, f->name, f->digits_oid);
			}
		} else {
			for (int dg = 0; dg <= (f->digits_oid != NULL); dg++) {
				if (dg && !(n = pp_snmp_parse_oid(f->digits_oid, o)))
					return pp_err_set(eb, PP_ERR_CONFIG, "%s: field '%s': bad OID '%s'",
						       p->file, f->name, f->digits_oid);
				memcpy(a->scalars[a->nscalars].o, o, n * sizeof *o);
				a->scalars[a->nscalars].len = n;
				a->scalars[a->nscalars].predlen =
					pred_oid(o, n, a->scalars[a->nscalars].pred);
				a->scalars[a->nscalars].digits = dg;
				a->scalars[a->nscalars++].f = f;
			}
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
	a->disc = PP_DISC_NONE;
	a->fast = 0;
}

static void sa_close(struct drv_dev *d)
{
	struct agent *a = d->ctx;
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
	free(a->tx);
	free(a);
	d->ctx = NULL;
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

/* Opens the agent's session. A v3 one is opened without net-snmp's probe
 * (it waits for the answer, and every other agent with it): the poll sends
 * a discovery first (see disc). */
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
	if (cr->version == 3) {
		if (pp_usm_security(cr, &s, &a->keys, err, errlen))
			return -1;
		s.flags |= SNMP_FLAGS_DONT_PROBE;
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
		snprintf(err, errlen, "%s", msg ? msg : "cannot open session");
		free(msg);
		return -1;
	}
	if (cr->version == 3) { /* the open clears the flag: a send would probe */
		snmp_sess_session(a->sess)->flags |= SNMP_FLAGS_DONT_PROBE;
		a->disc = PP_DISC_NEED;
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
	/* v1 and v2c: our own requests on this socket (else net-snmp's) */
	a->fast = cr->version != 3 && !snmp_fast_open(a);
	return 0;
}

static void finish(struct agent *a, int ok, int timeout, int auth, const char *err);

static int send_next(struct agent *a, int first);

static int send_diag(struct agent *a);

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

/* The discovery's answer: its report (net-snmp keeps the engine ID from it
 * once this callback returns, so the loop goes on, in disc_done), or none.
 * A report is handed over twice (as a security error, then as received):
 * the second is let pass. */
static void disc_answer(struct agent *a, int op, netsnmp_pdu *pdu)
{
	if (a->disc == PP_DISC_GOT)
		return;
	if (pdu && pdu->command == SNMP_MSG_REPORT) {
		a->disc = PP_DISC_GOT;
		return;
	}
	char err[PP_MAX_POLL_ERROR];
	int timeout = op == NETSNMP_CALLBACK_OP_TIMED_OUT;
	if (timeout)
		snprintf(err, sizeof err, "SNMPv3 engine discovery: timeout after %d ms x %d tries",
			 a->d->dev->timeout_ms, a->d->dev->retries + 1);
	else
		snprintf(err, sizeof err, "SNMPv3 engine discovery: answered without a report (op %d)",
			 op);
	a->disc = PP_DISC_NEED; /* the session stays: the next poll asks again */
	finish(a, 0, timeout, 0, err);
}

/* The poll goes on once the discovery's report is read: the user is made
 * from this device's keys for that engine, then the poll's own request. */
static void disc_done(struct agent *a)
{
	int r = pp_usm_learned(snmp_sess_session(a->sess));
	a->disc = r > 0 ? PP_DISC_NONE : PP_DISC_NEED;
	if (r <= 0)
		finish(a, 0, 0, 0, r ? "SNMPv3 engine discovery: cannot create the user"
				     : "SNMPv3 engine discovery: the report carries no engine ID");
	else if (a->diag ? send_diag(a) : send_next(a, 1)) {
		finish(a, 0, 0, 0, "send failed after the engine discovery");
		a->want_close = 1;
	}
}

#define PRIV_BAD "SNMPv3 wrong priv_key or priv protocol: the agent answers this user's " \
		 "authenticated requests but drops its encrypted ones"

static int on_response(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
	(void)reqid;
	struct agent *a = magic;
	if (!a->busy || op == NETSNMP_CALLBACK_OP_RESEND || op == NETSNMP_CALLBACK_OP_CONNECT)
		return 1; /* a retry going out: not an answer */
	if (a->disc == PP_DISC_SENT || a->disc == PP_DISC_GOT) {
		disc_answer(a, op, pdu);
		return 1;
	}
	char err[PP_MAX_POLL_ERROR];
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
		 * agent and the auth key: what failed is decryption. Unless these
		 * keys have read this agent before and this is the first such
		 * check since: then the silent poll more likely met an agent that
		 * was down (a reboot), and it was logged as a wrong priv_key just
		 * before every recovery. The next silent poll says it again. */
		if (!pp_usm_matches(pdu, cr->user, &a->keys)) {
			/* The process's cached user holds another device's keys:
			 * this device is the victim of a clash, not of its key. */
			usm_check(a, pdu);
			return 1;
		}
		if (a->keys_proven && !a->grace_used) {
			a->grace_used = 1;
			finish(a, 0, 0, 0, "the agent answers again (authNoPriv); reading at authPriv "
					   "next");
			a->reopen_at = 0;
			a->want_close = 1;
			return 1;
		}
		a->priv_bad = 1;
		finish(a, 0, 0, 1, PRIV_BAD);
		pp_usm_forget(pdu, cr->user, &a->keys);
		/* It held the cached user with its wrong key: it steps aside for
		 * two intervals, so that a device of the same agent and user with
		 * the right keys takes the cache (else the two could take turns
		 * at it for good, and neither read). */
		a->reopen_at = pp_clock_mono_ns() + 2LL * a->d->dev->interval_ms * 1000000;
		a->want_close = 1;
		return 1;
	}
	if (op == NETSNMP_CALLBACK_OP_SEC_ERROR ||
	    (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu && pdu->command == SNMP_MSG_REPORT)) {
		int rt = pdu ? snmpv3_get_report_type(pdu) : s ? s->s_snmp_errno : SNMPERR_GENERR;
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
			 snmp_api_errstring(s ? s->s_snmp_errno : SNMPERR_GENERR));
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
	/* SNMPv1 refuses a whole request for one name it lacks (v2c answers
	 * noSuchObject for that one alone): the name is asked no more and the
	 * step is sent again. */
	if (pdu->errstat == SNMP_ERR_NOSUCHNAME && cr->version == 1 && snmp_v1_lacks(a, pdu->errindex)) {
		if (send_next(a, a->busy == 1))
			finish(a, 0, 0, 0, "send failed after noSuchName");
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
	if (snmp_absorb(a, pdu, first)) {
		if (send_next(a, 0))
			finish(a, 0, 0, 0, "send failed");
		return 1;
	}
	finish(a, 1, 0, 0, NULL);
	return 1;
}

/* Sends the first request of a poll (first) or the next step of its walk. */
/* Puts name o (len arcs, borrowed: the agent's) at e->ask[*n]. */
static void ask(struct engine *e, size_t *n, const oid *o, size_t len)
{
	e->ask[*n] = o;
	e->asklen[(*n)++] = len;
}

/* Sends e->ask's n names as one request through net-snmp (v3). */
static int pdu_send(struct agent *a, int cmd, long nonrep, long maxrep, size_t n)
{
	netsnmp_pdu *p = snmp_pdu_create(cmd);
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		snmp_add_null_var(p, a->e->ask[i], a->e->asklen[i]);
	if (cmd == SNMP_MSG_GETBULK) {
		p->non_repeaters = nonrep;
		p->max_repetitions = maxrep;
	}
	if (!snmp_sess_async_send(a->sess, p, on_response, a)) {
		snmp_free_pdu(p);
		return -1;
	}
	return 0;
}

/* Sends the first request of a poll (first) or the next step of its walk. */
static int send_next(struct agent *a, int first)
{
	struct engine *e = a->e;
	const struct pp_device *dv = a->d->dev;
	int v1 = dv->snmp.version == 1;
	size_t nact = 0, nget = (size_t)(a->has_counters && !a->no_uptime);
	for (size_t i = 0; i < a->ncols; i++)
		nact += !a->cols[i].done;
	for (size_t i = 0; i < a->nscalars; i++)
		nget += (size_t)snmp_scalar_asked(a, i);
	int cmd = first && !nact ? SNMP_MSG_GET
		  /* v1: a GET of the scalars first, when any is asked this poll */
		  : v1 ? (first && nget ? SNMP_MSG_GET : SNMP_MSG_GETNEXT)
		       : SNMP_MSG_GETBULK;
	int bulk = cmd == SNMP_MSG_GETBULK;
	size_t need = 1 + a->nscalars + a->ncols, n = 0;
	if (need > e->askcap) {
		const oid **o = realloc(e->ask, need * sizeof *o);
		if (o)
			e->ask = o;
		size_t *l = realloc(e->asklen, need * sizeof *l);
		if (l)
			e->asklen = l;
		if (!o || !l)
			return -1;
		e->askcap = need;
	}
	if (first) {
		if (a->has_counters && !a->no_uptime)
			ask(e, &n, bulk ? sysuptime_pred : pp_snmp_sysuptime,
			    bulk ? PP_SNMP_SYSUPTIME_LEN - 1 : PP_SNMP_SYSUPTIME_LEN);
		for (size_t i = 0; i < a->nscalars; i++)
			if (snmp_scalar_asked(a, i))
				ask(e, &n, bulk ? a->scalars[i].pred : a->scalars[i].o,
				    bulk ? a->scalars[i].predlen : a->scalars[i].len);
	}
	int rep = cmd == SNMP_MSG_GET ? 0 : snmp_pick_cols(a, bulk);
	for (size_t i = 0; i < a->ncols; i++)
		if (cmd == SNMP_MSG_GET)
			a->cols[i].sent = 0;
		else if (a->cols[i].sent)
			ask(e, &n, a->cols[i].cur, a->cols[i].curlen);
	/* v1 cannot mix GET and GETNEXT: its columns follow on the next step. */
	a->asked_cols = cmd != SNMP_MSG_GET;
	a->deadline = pp_clock_mono_ns() + (int64_t)dv->timeout_ms * 1000000 + PP_SNMP_SLACK_NS;
	long nonrep = bulk && first ? (long)nget : 0, maxrep = bulk ? rep : 0;
	return a->fast ? snmp_fast_send(a, cmd, nonrep, maxrep, n)
		       : pdu_send(a, cmd, nonrep, maxrep, n);
}

/* The authNoPriv check that follows a silent authPriv poll (see diag). */
static int send_diag(struct agent *a)
{
	netsnmp_pdu *p = snmp_pdu_create(SNMP_MSG_GET);
	if (!p)
		return -1;
	snmp_add_null_var(p, pp_snmp_sysuptime, PP_SNMP_SYSUPTIME_LEN);
	p->securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
	a->diag = 0;
	a->diag_inflight = 1;
	a->deadline = pp_clock_mono_ns() + (int64_t)a->d->dev->timeout_ms * 1000000 +
		      PP_SNMP_SLACK_NS;
	if (!snmp_sess_async_send(a->sess, p, on_response, a)) {
		snmp_free_pdu(p);
		return -1;
	}
	return 0;
}

/* The engine-ID discovery that opens a v3 session's first poll. */
static int send_disc(struct agent *a)
{
	netsnmp_pdu *p = pp_usm_probe_pdu();
	if (!p)
		return -1;
	a->disc = PP_DISC_SENT;
	a->deadline = pp_clock_mono_ns() + (int64_t)a->d->dev->timeout_ms * 1000000 +
		      PP_SNMP_SLACK_NS;
	if (!snmp_sess_async_send(a->sess, p, on_response, a)) {
		snmp_free_pdu(p);
		a->disc = PP_DISC_NEED;
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
	/* A profile has a field of every poll (config), so some are asked. */
	uint64_t cycle = a->cycle++;
	for (size_t i = 0; i < a->nscalars; i++)
		a->scalars[i].idle = !snmp_field_due(a->scalars[i].f, cycle);
	for (size_t i = 0; i < a->ncols; i++) {
		struct col *cl = &a->cols[i];
		memcpy(cl->cur, cl->base, cl->baselen * sizeof(oid));
		cl->curlen = cl->baselen;
		cl->done = !snmp_field_due(cl->f, cycle); /* not due: walked to its end */
		cl->asked = !cl->done;
		cl->rows_seen = 0;
	}
	char err[PP_MAX_POLL_ERROR];
	if (!a->sess) {
		if (a->started < a->reopen_at) {
			snprintf(err, sizeof err, "%s", a->last_error[0] ? a->last_error : "no session");
			a->busy = 1;
			finish(a, 0, 0, 0, err);
			return;
		}
		if (open_sess(a, err, sizeof err)) {
			a->reopen_ms = a->reopen_ms ? a->reopen_ms * 2 : a->d->dev->interval_ms;
			if (a->reopen_ms > PP_DRV_MAX_BACKOFF_MS)
				a->reopen_ms = PP_DRV_MAX_BACKOFF_MS;
			a->reopen_at = pp_clock_mono_ns() + (int64_t)a->reopen_ms * 1000000;
			a->busy = 1;
			finish(a, 0, strstr(err, "Timeout") != NULL, 0, err);
			return;
		}
		a->reopen_ms = 0;
	}
	a->busy = 1;
	int r = a->disc == PP_DISC_NEED ? send_disc(a) : a->diag ? send_diag(a) : send_next(a, 1);
	if (r) {
		/* net-snmp may have reported the failure through on_response,
		 * which ended the poll: one poll, one report. */
		if (a->busy && a->fast) {
			snprintf(err, sizeof err, "send failed: %s", strerror(errno));
			finish(a, 0, 0, 0, err);
		} else if (a->busy) {
			int liberr = 0, syserr = 0;
			char *msg = NULL;
			snmp_sess_error(a->sess, &liberr, &syserr, &msg);
			snprintf(err, sizeof err, "send failed: %s", msg ? msg : "?");
			free(msg);
			finish(a, 0, strstr(err, "Timeout") != NULL, 0, err);
		}
		close_sess(a);
		a->want_close = 0; /* done here: a later session must not inherit it */
	}
}

/* Ends the poll in flight: emits what was read and schedules the next. */
static void finish(struct agent *a, int ok, int timeout, int auth, const char *err)
{
	struct engine *e = a->e;
	const struct drv_sink *sk = e->sink;
	const struct drv_val *vals = NULL;
	size_t n = ok ? snmp_values(a, &vals) : 0;
	if (ok && a->have_uptime) {
		a->last_uptime = a->uptime;
		a->last_uptime_ok = 1;
	}
	if (!ok) /* what the next poll says while the session stays closed */
		snprintf(a->last_error, sizeof a->last_error, "%s", err ? err : "error");
	struct drv_poll p = {a->ts, a->started, vals, n, ok, timeout, auth, err, 0};
	sk->done(sk->ud, a->d, &p);
	a->busy = 0;
	a->diag_inflight = 0;
	if (ok) {
		a->priv_bad = 0;
		a->keys_proven = 1;
		a->grace_used = 0;
		for (size_t i = 0; i < a->ncols; i++)
			if (a->cols[i].asked) {
				a->cols[i].rows_last = a->cols[i].rows_seen;
				a->cols[i].learned = 1;
			}
	}
	if (sk->once) {
		e->once_left--;
		a->due = INT64_MAX;
		return;
	}
	a->due = sk->next_due(sk->ud, a->d, a->due, a->started);
}

/* Starts a's poll when due, or times out its request in flight. A key
 * still in the past afterwards (a poll in flight without a session) is
 * pushed a millisecond on, so that the loop never spins on it. */
static void on_time(struct agent *a, int64_t now)
{
	if (!a->busy && a->due <= now + PP_SNMP_EARLY_NS)
		start_poll(a);
	else if (a->busy && a->sess && now >= a->deadline) {
		if (a->fast) /* retries, or reports a timeout */
			snmp_fast_timeout(a, on_response);
		else
			snmp_sess_timeout(a->sess);
		if (a->want_close) {
			a->want_close = 0;
			close_sess(a);
		}
		if (a->busy)
			a->deadline = now + (int64_t)a->d->dev->timeout_ms * 1000000 + PP_SNMP_SLACK_NS;
	}
	if (snmp_agent_key(a) <= now) {
		if (a->busy)
			a->deadline = now + 1000000;
		else
			a->due = now + 1000000;
	}
}

/* A malformed answer ends the poll (snmp_fast_read). */
static void fast_fail(struct agent *a, const char *err)
{
	finish(a, 0, 0, 0, err);
}

static void *loop(void *arg)
{
	struct engine *e = arg;
	struct epoll_event evs[PP_SNMP_MAX_EVENTS];
	int flowing = 0; /* the last wait found answers */
	while (!e->stop && !(e->sink->once && !e->once_left)) {
		int64_t now = pp_clock_mono_ns();
		if (e->n && (e->heap[0].key <= now ||
			     (!e->heap[0].a->busy && e->heap[0].key <= now + PP_SNMP_EARLY_NS))) {
			struct agent *a = e->heap[0].a;
			on_time(a, now);
			snmp_heap_fix(e, a);
			continue;
		}
		int64_t next = e->n ? e->heap[0].key : INT64_MAX;
		int64_t ms = next == INT64_MAX ? PP_SNMP_MAX_WAIT_MS : (next - now + 999999) / 1000000;
		int k = epoll_wait(e->ep, evs, PP_SNMP_MAX_EVENTS, 0);
		if (k == 0 && flowing) {
			/* Answers are coming: let a millisecond's worth gather, one
			 * wake-up for several (a wake-up per answer was a quarter of
			 * the CPU at 2,500 polls a second). Never past a timer. */
			int64_t ns = next - now < PP_SNMP_GATHER_NS ? next - now : PP_SNMP_GATHER_NS;
			struct timespec ts = {0, ns > 0 ? (long)ns : 0};
			nanosleep(&ts, NULL);
			k = epoll_wait(e->ep, evs, PP_SNMP_MAX_EVENTS, 0);
			flowing = k > 0;
			if (!k)
				continue;
		}
		if (k == 0)
			k = epoll_wait(e->ep, evs, PP_SNMP_MAX_EVENTS,
				       ms > PP_SNMP_MAX_WAIT_MS ? PP_SNMP_MAX_WAIT_MS : (int)ms);
		flowing |= k > 0;
		for (int i = 0; i < k; i++) {
			struct agent *a = evs[i].data.ptr;
			if (!a->sess)
				continue;
			if (a->fast) {
				snmp_fast_read(a, on_response, fast_fail);
			} else {
				NETSNMP_LARGE_FD_SET(a->fd, &e->fds);
				int fd = a->fd;
				snmp_sess_read2(a->sess, &e->fds);
				NETSNMP_LARGE_FD_CLR(fd, &e->fds);
			}
			if (a->disc == PP_DISC_GOT)
				disc_done(a);
			if (a->want_close) {
				a->want_close = 0;
				close_sess(a);
			}
			snmp_heap_fix(e, a);
		}
	}
	return NULL;
}

/* Frees what snmp_start built: its thread joined or never started. */
static void engine_free(struct engine *e)
{
	if (e->ep >= 0)
		close(e->ep);
	netsnmp_large_fd_set_cleanup(&e->fds);
	free(e->a);
	free(e->heap);
	free(e->ask);
	free(e->asklen);
	free(e->wbuf);
	free(e->rx);
	free(e->vs.v);
	free(e);
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
	engine_free(e);
}

static enum pp_err snmp_start(const struct drv_sink *s, struct drv_dev **devs, size_t n,
			      void **engine, struct pp_errbuf *eb)
{
	pp_snmp_init();
	pp_fd_raise_limit(); /* one socket per agent: make room for thousands */
	struct engine *e = calloc(1, sizeof *e);
	if (!e)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	*e = (struct engine){.sink = s, .n = n, .once_left = n};
	netsnmp_large_fd_set_init(&e->fds, PP_SNMP_MAX_FDS);
	e->ep = epoll_create1(EPOLL_CLOEXEC);
	e->a = calloc(n, sizeof *e->a); /* the devices' own contexts, borrowed */
	e->heap = calloc(n ? n : 1, sizeof *e->heap);
	e->rx = malloc(PP_SNMP_RX_BYTES);
	if (e->ep < 0 || !e->a || !e->heap || !e->rx) {
		engine_free(e);
		return pp_err_set(eb, PP_ERR_NOMEM, "cannot set up the SNMP engine");
	}
	int64_t now = pp_clock_mono_ns();
	for (size_t i = 0; i < n; i++) {
		struct agent *a = devs[i]->ctx;
		a->e = e;
		a->due = s->first_due(s->ud, devs[i], now);
		e->a[i] = a;
		e->heap[i] = (struct timer){snmp_agent_key(a), a};
		a->hidx = i;
	}
	for (size_t i = n / 2; i-- > 0;)
		snmp_heap_down(e, i);
	if (pthread_create(&e->th, NULL, loop, e)) {
		engine_free(e);
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
