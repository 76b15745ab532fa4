/* snmp_int.h - what the SNMP driver's files share: an agent's state, the
 * engine that drives them all (snmp.c), and the reading of answers into
 * values (snmp_read.c, which calls nothing of snmp.c). */
#ifndef PP_SNMP_INT_H
#define PP_SNMP_INT_H

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <pthread.h>

#include "driver.h"
#include "powerpark/snmp.h"
#include "snmp_ber.h"
#include "snmp_usm.h"

#define PP_SNMP_MAX_REP 24              /* GETBULK max-repetitions to start with */
#define PP_SNMP_MAX_STR 64              /* as_tag strings are cut to this */
#define PP_SNMP_MAX_INDEX 40            /* a table row's index, as text */
#define PP_SNMP_MAX_COLS (PP_OID_MAX * 4) /* table columns one answer walks */
#define PP_SNMP_MAX_NAME 96             /* a rate's field name ("x_per_s") */
#define PP_SNMP_MAX_ENGINE_ID 32        /* an SNMPv3 engine ID, bytes */
#define PP_SNMP_SYSUPTIME_LEN 9
#define PP_SNMP_MAX_DIGITS 9            /* decimal digits a digits_oid column may give */
#define PP_SNMP_RX_BYTES 65536          /* an answer's datagram, at most (as net-snmp's) */
#define PP_SNMP_VB_BYTES (MAX_OID_LEN * 5 + 8) /* one NULL varbind of a request, at most */
#define PP_SNMP_MSG_BYTES 400           /* a request's header and community, at most */

/* sysUpTime.0: asked with every poll of an agent that has counters. */
extern const oid pp_snmp_sysuptime[PP_SNMP_SYSUPTIME_LEN];

struct col {            /* one table column being walked */
	const struct pp_pfield *f;
	oid base[PP_OID_MAX];
	size_t baselen;
	oid cur[MAX_OID_LEN];
	size_t curlen;
	int done;
	int digits;         /* f's digits_oid column, not f's own */
	/* Rows: walked this poll, and in the last whole poll (when learned).
	 * They size each step's GETBULK per column (see pick_cols). */
	int rows_seen, rows_last, learned;
	int asked;          /* due this poll */
	int sent;           /* in the request in flight */
};

struct reading {        /* one value of this poll, resolved at the end */
	const struct pp_pfield *f;
	int rate;           /* the rate of a counter, not its value */
	char index[PP_SNMP_MAX_INDEX];
	double v;
	int slot;           /* as_tag string slot, -1 for numbers */
	/* digits_oid: 1 for the raw value waiting for its row's decimal
	 * digits, 2 for those digits (neither is handed on as it is) */
	int digits;
};

struct prev {           /* a counter's last raw value, per row */
	const struct pp_pfield *f;
	char index[PP_SNMP_MAX_INDEX];
	uint64_t raw;
	int64_t t_ns;
};

struct engine;

struct agent {
	struct drv_dev *d;
	struct engine *e;
	void *sess;
	int fd;
	int64_t reopen_at;
	int reopen_ms;
	char last_error[PP_MAX_POLL_ERROR]; /* of the last failed poll */
	/* what to ask */
	struct {
		const struct pp_pfield *f;
		oid o[PP_OID_MAX];
		size_t len;
		oid pred[PP_OID_MAX + 1]; /* asked for in GETBULK (see pred_oid) */
		size_t predlen;
		int absent;         /* an SNMPv1 agent said noSuchName: asked no more */
		int idle;           /* not due this poll (the field's `every`) */
		int digits;         /* f's digits_oid, not f's own OID */
	} *scalars;
	size_t nscalars;
	struct col *cols;
	size_t ncols;
	int has_counters;
	/* The agent has no sysUpTime.0 (SNMPv1 then fails the whole GET that
	 * asks for it with noSuchName at varbind 1): it is asked no more, and
	 * counters' restarts are judged by their values alone. */
	int no_uptime;
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
	int keys_proven;    /* these keys have read this agent */
	int grace_used;     /* ... and one answered check since was let pass */
	int usm_ok;         /* this session's keys are the cached ones */
	/* A v3 session learns the engine ID by a discovery request of its own,
	 * in the loop like any other (see pp_usm_probe_pdu): needed, in flight,
	 * its report read (the loop then goes on with the poll). */
	enum { PP_DISC_NONE, PP_DISC_NEED, PP_DISC_SENT, PP_DISC_GOT } disc;
	unsigned char eid[PP_SNMP_MAX_ENGINE_ID]; /* the agent's engine ID, as last seen */
	size_t eidlen;
	uint64_t cycle;     /* polls started so far: which `every` fields are due */
	/* the poll in flight */
	int busy;
	int64_t started, ts, deadline, due;
	/* v1 and v2c: the request in flight, as sent (see snmp_fast.c) */
	int fast;
	long reqid;
	unsigned char *tx;
	size_t txlen, txcap;
	int tries_left;
	size_t hidx;        /* its place in the engine's timer heap */
	struct reading *rd;
	size_t nrd, caprd;
	char (*strs)[PP_SNMP_MAX_STR];
	size_t nstrs, capstrs;
	struct drv_val *out; /* the readings as handed to the engine, reused */
	char (*names)[PP_SNMP_MAX_NAME]; /* rate field names */
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
	const struct drv_sink *sink;
	struct agent **a;
	size_t n;
	int ep;
	pthread_t th;
	volatile int stop;
	/* Every agent once, keyed by its next moment (its deadline while a
	 * poll is in flight, else when it is due): a min-heap, so a loop
	 * pass costs log(n), not a scan of thousands of agents. */
	struct timer { int64_t key; struct agent *a; } *heap; /* keys inline: no pointer chase */
	netsnmp_large_fd_set fds;
	size_t once_left;
	/* What a request asks (names borrowed from its agent), and what the
	 * v1/v2c path writes and reads into: one loop, so one of each. */
	const oid **ask;
	size_t *asklen, askcap;
	unsigned char *wbuf, *rx;
	size_t wcap;
	struct pp_ber_vars vs;
	long next_reqid;
};

/* Whether scalar i is asked in this poll. */
static inline int snmp_scalar_asked(const struct agent *a, size_t i)
{
	return !a->scalars[i].absent && !a->scalars[i].idle;
}

/* Whether field f is due on poll number cycle (its `every`). */
static inline int snmp_field_due(const struct pp_pfield *f, uint64_t cycle)
{
	return f->every <= 1 || cycle % (uint64_t)f->every == 0;
}

/* snmp_sched.c: the moment agent a next needs the loop (its deadline while
 * a request is in flight, else when it is due); the engine's heap, put back
 * in order after a's moment changed (fix) or built bottom up (down, from
 * each index n/2-1 .. 0); and the columns the next GETBULK step walks
 * (their `sent` set), returning its max-repetitions (bulk: 0 for v1's
 * GETNEXT, which walks them all). */
int64_t snmp_agent_key(const struct agent *a);
void snmp_heap_fix(struct engine *e, struct agent *a);
void snmp_heap_down(struct engine *e, size_t i);
int snmp_pick_cols(struct agent *a, int bulk);

/* Takes the varbinds of one answer (borrowed) into a's readings: the
 * scalars and sysUpTime when first, then one step of each table column's
 * walk. Returns 1 when the walk asks for more, else 0. */
int snmp_absorb(struct agent *a, netsnmp_pdu *pdu, int first);

/* An SNMPv1 agent answered noSuchName at varbind idx (1-based) of the
 * request in flight: the first GET asks sysUpTime (with counters) and the
 * scalars not found absent, a walk's GETNEXT the columns not done. Marks
 * that name so it is not asked again (a column: walked to its end) and
 * returns 1; 0 when idx names nothing. */
int snmp_v1_lacks(struct agent *a, long idx);

/* snmp_fast.c: v1 and v2c without net-snmp's PDUs (see snmp_ber.h). The
 * session a->sess (opened by net-snmp, which resolved the address) lends
 * its socket: fast_open connects it to the agent, so that only the
 * agent's datagrams arrive (0; -1 leaves a on net-snmp's path). send
 * writes the e->ask names of n varbinds as one request and sends it
 * (-1 with errno); timeout resends it while tries are left, else tells cb
 * it timed out; read takes every datagram waiting and hands each answer
 * to the request in flight to cb (a malformed one ends the poll through
 * finish, with its reason). */
int snmp_fast_open(struct agent *a);
int snmp_fast_send(struct agent *a, int cmd, long nonrep, long maxrep, size_t n);
void snmp_fast_timeout(struct agent *a, snmp_callback cb);
void snmp_fast_read(struct agent *a, snmp_callback cb,
		    void (*fail)(struct agent *a, const char *err));

/* The poll's readings as the engine takes them, into *vals (a's storage,
 * valid until the next poll); returns how many (0 when out of memory). */
size_t snmp_values(struct agent *a, const struct drv_val **vals);

#endif
