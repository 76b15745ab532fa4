/* control_notes.c - the event log the dashboard lists (GET /v1/events): a
 * ring of the last PP_CTL_NOTES notable things with their times. Each cycle
 * compares what it sees with what the last one saw and notes the changes:
 * a chiller tripping or back, a plant's capacity falling or recovering,
 * shedding starting and ending, a grid limit event starting and ending, a
 * reading over a limit, racks or the site meter going stale and back, a
 * failed solve. Signals are noted as they arrive (control_signal.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"

#define NOTE_CAP_STEP 0.10   /* a plant's capacity change worth a note: this share */
#define NOTE_RACKS_NAMED 4   /* racks named in one stale note; the rest counted */

void pp_ctl_local_hm(const struct pp_ctl *c, int64_t t_s, char *buf, size_t len)
{
	double off = c->cfg->scenario ? c->cfg->scenario->utc_offset_h * 3600 : 0;
	int64_t s = t_s + (int64_t)off, day = 86400;
	s = ((s % day) + day) % day;
	snprintf(buf, len, "%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60));
}

void pp_ctl_note(struct pp_ctl *c, int64_t now_ns, const char *kind, const char *sev,
		 const char *fmt, ...)
{
	struct ctl_notes *nt = &c->notes;
	if (!nt->v && !(nt->v = calloc(PP_CTL_NOTES, sizeof *nt->v)))
		return; /* the log is for display; the loop goes on without it */
	struct pp_ctl_note *x = &nt->v[nt->at];
	x->seq = ++nt->seq;
	x->t_s = now_ns / PP_CTL_NS;
	x->kind = kind;
	x->severity = sev;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof x->text, fmt, ap);
	va_end(ap);
	nt->at = (nt->at + 1) % PP_CTL_NOTES;
	if (nt->n < PP_CTL_NOTES)
		nt->n++;
}

/* Chillers of plant p tripped or back since the last cycle, and its
 * capacity when it moved by NOTE_CAP_STEP or more since the last note. */
static void plants(struct pp_ctl *c, int64_t now_ns)
{
	struct ctl_notes *nt = &c->notes;
	for (size_t p = 0; p < c->cfg->nplants; p++) {
		const struct pp_plant *pc = &c->cfg->plants[p];
		const struct cplant *cp = &c->plants[p];
		uint64_t was = nt->tripped[p], now = cp->tripped;
		for (size_t q = 0, k = 0; q < pc->nequip && k < PP_CTL_MAX_CHILLERS; q++) {
			if (pc->equip[q].kind != PP_EQ_CHILLER)
				continue;
			uint64_t bit = 1ull << k++;
			if ((was ^ now) & bit)
				pp_ctl_note(c, now_ns, now & bit ? "trip" : "trip-cleared",
					    now & bit ? "fault" : "info", "plant %s: chiller %s %s",
					    pc->name, pc->equip[q].name,
					    now & bit ? "tripped (planned without it)" : "back");
		}
		nt->tripped[p] = now;
		double cap = cp->capacity_kw, last = nt->cap_kw[p];
		if (!isfinite(cap))
			continue;
		if (last > 0 && fabs(cap - last) >= NOTE_CAP_STEP * last)
			pp_ctl_note(c, now_ns, "capacity", cap < last ? "warn" : "info",
				    "plant %s: capacity %.0f -> %.0f kW (%d of %d chillers, N+%d kept)",
				    pc->name, last, cap, cp->chillers - __builtin_popcountll(now),
				    cp->chillers, pc->reserve);
		if (last <= 0 || fabs(cap - last) >= NOTE_CAP_STEP * last)
			nt->cap_kw[p] = cap;
	}
}

/* The grid limit in force: an event's start (with its end) and its end. */
static void limit(struct pp_ctl *c, int64_t now_ns)
{
	struct ctl_notes *nt = &c->notes;
	double lim = pp_ctl_limit_at(c, now_ns);
	int64_t now_s = now_ns / PP_CTL_NS;
	const struct cevent *in = NULL;
	for (size_t i = 0; i < c->grid.nev; i++) {
		const struct cevent *ev = &c->grid.ev[i];
		if (now_s >= ev->start_s && now_s < ev->end_s && ev->limit_kw == lim)
			in = ev;
	}
	const char *id = in ? in->id : "";
	if (nt->limit_kw > 0 ? lim != nt->limit_kw || strcmp(id, nt->limit_id) : in != NULL) {
		char until[16];
		if (in) {
			pp_ctl_local_hm(c, in->end_s, until, sizeof until);
			pp_ctl_note(c, now_ns, "limit", "warn",
				    "grid limit %.0f kW in force (%s %s) until %s", lim,
				    in->signalled_ns ? "signal" : "event", in->id, until);
		} else {
			pp_ctl_note(c, now_ns, "limit-ended", "info",
				    "grid limit back to %.0f kW (%s ended)", lim,
				    nt->limit_id[0] ? nt->limit_id : "event");
		}
	}
	nt->limit_kw = lim;
	snprintf(nt->limit_id, sizeof nt->limit_id, "%s", id);
}

/* Racks read before that went stale, and back: one note each way a cycle. */
static void racks(struct pp_ctl *c, int64_t now_ns, int back)
{
	char names[PP_CTL_REASON_MAX] = "";
	size_t len = 0;
	int n = 0;
	for (size_t i = 0; i < c->nracks; i++) {
		struct crack *r = &c->racks[i];
		int down = r->meas_ns && r->stale;
		if (back ? !(r->noted_stale && !down) : !(down && !r->noted_stale))
			continue;
		r->noted_stale = !back;
		if (n++ < NOTE_RACKS_NAMED && len < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
						len ? ", " : "", r->cfg->name);
	}
	if (!n)
		return;
	char more[32] = "";
	if (n > NOTE_RACKS_NAMED)
		snprintf(more, sizeof more, " and %d more", n - NOTE_RACKS_NAMED);
	if (back)
		pp_ctl_note(c, now_ns, "fresh", "info", "read again: %s%s", names, more);
	else
		pp_ctl_note(c, now_ns, "stale", "fault",
			    "no fresh reading from %s%s (planned at their worst)", names, more);
}

void pp_ctl_notes_cycle(struct pp_ctl *c, int64_t now_ns)
{
	struct ctl_notes *nt = &c->notes;
	if (c->solve_failed != nt->failed)
		pp_ctl_note(c, now_ns, c->solve_failed ? "solve-failed" : "solve-ok",
			    c->solve_failed ? "fault" : "info", "%s",
			    c->solve_failed ? "no assignment keeps every limit: all GPUs at their floor"
					    : "the solver found an assignment again");
	nt->failed = c->solve_failed;
	if (c->st.shedding != nt->shedding) {
		if (c->st.shedding)
			pp_ctl_note(c, now_ns, "shedding", "shed",
				    "shedding: work paused to keep %s", c->binding[0] ? c->binding
										: "the limits");
		else
			pp_ctl_note(c, now_ns, "shedding-ended", "info", "shedding ended");
	}
	nt->shedding = c->st.shedding;
	int breach = c->st.breaches != nt->breaches;
	if (breach && !nt->breach)
		pp_ctl_note(c, now_ns, "breach", "fault",
			    "a reading over a limit: solved at once (binding %s)",
			    c->binding[0] ? c->binding : "none");
	else if (!breach && nt->breach)
		pp_ctl_note(c, now_ns, "breach-ended", "info", "readings under every limit again");
	nt->breach = breach;
	nt->breaches = c->st.breaches;
	plants(c, now_ns);
	limit(c, now_ns);
	racks(c, now_ns, 0);
	racks(c, now_ns, 1);
	int ms = c->grid.meas_ns && pp_ctl_meter_stale(c, now_ns);
	if (ms != nt->meter_stale)
		pp_ctl_note(c, now_ns, ms ? "meter-stale" : "meter-fresh", ms ? "fault" : "info",
			    "%s", ms ? "the site meter's reading is stale" : "the site meter reads again");
	nt->meter_stale = ms;
}

void pp_ctl_notes_free(struct pp_ctl_notes *n)
{
	free(n->v);
	free(n->ahead);
	memset(n, 0, sizeof *n);
}

static int by_start(const void *a, const void *b)
{
	const struct pp_ctl_ahead *x = a, *y = b;
	return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

enum pp_err pp_ctl_notes(struct pp_ctl *c, int64_t now_ns, struct pp_ctl_notes *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&c->mu);
	const struct ctl_notes *nt = &c->notes;
	const struct ctl_grid *g = &c->grid;
	out->v = calloc(nt->n + 1, sizeof *out->v);
	out->ahead = calloc(g->nev + 1, sizeof *out->ahead);
	if (!out->v || !out->ahead) {
		pp_ctl_notes_free(out);
		pthread_mutex_unlock(&c->mu);
		return PP_ERR_NOMEM;
	}
	for (size_t i = 0; i < nt->n; i++)
		out->v[i] = nt->v[(nt->at + PP_CTL_NOTES - 1 - i) % PP_CTL_NOTES];
	out->n = nt->n;
	out->total = nt->seq;
	for (size_t i = 0; i < g->nev; i++) {
		const struct cevent *ev = &g->ev[i];
		if (ev->end_s <= now_ns / PP_CTL_NS)
			continue;
		struct pp_ctl_ahead *a = &out->ahead[out->nahead++];
		snprintf(a->id, sizeof a->id, "%s", ev->id);
		a->start_s = ev->start_s;
		a->end_s = ev->end_s;
		a->limit_kw = ev->limit_kw;
		a->signalled = ev->signalled_ns != 0;
	}
	pthread_mutex_unlock(&c->mu);
	qsort(out->ahead, out->nahead, sizeof *out->ahead, by_start);
	return PP_OK;
}
