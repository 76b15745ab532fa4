/* test_notes.c - the controller's event log (GET /v1/events): a chiller
 * trip and its clearing, the plant's capacity falling, a signalled limit
 * arriving, starting and ending, a rack going stale and back, shedding
 * starting and ending; newest first, each at the cycle's time, and the ring
 * bounded at PP_CTL_NOTES however much happens. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/config.h"
#include "ctl_fixture.h"
#include "powerpark/ctl.h"
#include "powerpark/log.h"
#include "pp_test.h"

#define NS PT_NS
#define T0 PT_T0
#define T0_S (PT_T0 / PT_NS)

/* Two racks in hall a, cooled by a plant of three chillers keeping one. */
static const char park[] =
	"            - {name: r1, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: r2, limit_kw: 20, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"cooling:\n"
	"  plants:\n"
	"    - name: p1\n"
	"      serves: [a]\n"
	"      reserve: 1\n"
	"      chillers:\n"
	"        - {name: ch1, model: doe2-centrifugal, capacity_kw: 450}\n"
	"        - {name: ch2, model: doe2-centrifugal, capacity_kw: 450}\n"
	"        - {name: ch3, model: doe2-centrifugal, capacity_kw: 450}\n";

struct fixture {
	struct pp_config *cfg;
	struct pp_ctl *ctl;
};

static int setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	return (f->ctl = pt_ctl(park, &f->cfg)) ? 0 : -1;
}

static void teardown(struct fixture *f)
{
	pp_ctl_destroy(f->ctl);
	pp_config_destroy(f->cfg);
}

static void alarm(struct pp_ctl *c, const char *chiller, int on, int64_t ts)
{
	struct pp_tag t[] = {{"plant", "p1"}, {"chiller", chiller}};
	struct pp_field f = {.key = "alarm", .type = PP_F_FLOAT, .v.f = on};
	struct pp_sample s = {"chiller", t, 2, &f, 1, ts, 1};
	int breach = 0;
	pp_ctl_ingest(c, &s, 1, ts, &breach);
}

/* Both racks read, then a cycle, at ts. */
static int step(struct pp_ctl *c, int64_t ts)
{
	struct pp_errbuf eb;
	read_rack(c, "r1", 5000, ts);
	read_rack(c, "r2", 5000, ts);
	return pp_ctl_cycle(c, ts, 0, &eb) == PP_OK;
}

/* The newest entry of kind (static), or NULL. */
static const struct pp_ctl_note *find(const struct pp_ctl_notes *n, const char *kind)
{
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->v[i].kind, kind))
			return &n->v[i];
	return NULL;
}

static void t_trip_logged(void)
{
	struct fixture f;
	if (setup(&f)) {
		PT_CHECK(0, "setup");
		return;
	}
	PT_CHECK(step(f.ctl, T0), "first cycle");
	struct pp_ctl_notes n;
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK && n.n == 0, "nothing to note at the start (%zu)",
		 n.n);
	pp_ctl_notes_free(&n);
	alarm(f.ctl, "ch2", 1, T0 + 5 * NS);
	PT_CHECK(step(f.ctl, T0 + 5 * NS), "cycle after the trip");
	PT_CHECK(step(f.ctl, T0 + 6 * NS), "a cycle more: nothing new");
	alarm(f.ctl, "ch2", 0, T0 + 9 * NS);
	PT_CHECK(step(f.ctl, T0 + 9 * NS), "cycle after it cleared");
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK, "notes");
	const struct pp_ctl_note *trip = find(&n, "trip"), *back = find(&n, "trip-cleared");
	const struct pp_ctl_note *cap = find(&n, "capacity");
	PT_CHECK(trip && trip->t_s == T0_S + 5 && !strcmp(trip->severity, "fault") &&
			 strstr(trip->text, "ch2") && strstr(trip->text, "p1"),
		 "the trip, at its cycle's time, a fault, naming the chiller: %s",
		 trip ? trip->text : "none");
	PT_CHECK(back && back->t_s == T0_S + 9 && !strcmp(back->severity, "info"),
		 "its clearing");
	PT_CHECK(cap && strstr(cap->text, "capacity"), "the plant's capacity moved: %s",
		 cap ? cap->text : "none");
	PT_CHECK(n.n == 4 && n.total == 4, "trip, fall, back, rise: %zu noted", n.n);
	for (size_t i = 1; i < n.n; i++)
		PT_CHECK(n.v[i - 1].seq > n.v[i].seq && n.v[i - 1].t_s >= n.v[i].t_s,
			 "newest first");
	pp_ctl_notes_free(&n);
	teardown(&f);
}

static void t_signal_logged(void)
{
	struct fixture f;
	if (setup(&f)) {
		PT_CHECK(0, "setup");
		return;
	}
	PT_CHECK(step(f.ctl, T0), "first cycle");
	struct pp_ctl_event_req q = {"dr1", 900, 1, T0_S + 60, T0_S + 120};
	struct pp_ctl_event_ans a;
	struct pp_errbuf eb;
	PT_CHECK(pp_ctl_grid_event(f.ctl, &q, T0 + 10 * NS, &a, &eb) == PP_OK, "signal");
	struct pp_ctl_notes n;
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK && n.n == 1 && !strcmp(n.v[0].kind, "signal") &&
			 strstr(n.v[0].text, "dr1") && strstr(n.v[0].text, "900 kW"),
		 "the signal noted as it arrives: %s", n.n ? n.v[0].text : "none");
	PT_CHECK(n.nahead == 1 && !strcmp(n.ahead[0].id, "dr1") && n.ahead[0].start_s == T0_S + 60 &&
			 n.ahead[0].limit_kw == 900 && n.ahead[0].signalled,
		 "and listed ahead before it starts");
	pp_ctl_notes_free(&n);
	PT_CHECK(pp_ctl_notes(f.ctl, T0 + 130 * NS, &n) == PP_OK && n.nahead == 0,
		 "not ahead once it ended");
	pp_ctl_notes_free(&n);
	PT_CHECK(step(f.ctl, T0 + 30 * NS) && step(f.ctl, T0 + 60 * NS) && step(f.ctl, T0 + 61 * NS) &&
			 step(f.ctl, T0 + 120 * NS),
		 "cycles through it");
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK, "notes");
	const struct pp_ctl_note *on = find(&n, "limit"), *off = find(&n, "limit-ended");
	PT_CHECK(on && on->t_s == T0_S + 60 && strstr(on->text, "900 kW") && strstr(on->text, "until"),
		 "its start, with its end: %s", on ? on->text : "none");
	PT_CHECK(off && off->t_s == T0_S + 120 && strstr(off->text, "1000 kW"),
		 "its end, with the contract's limit back: %s", off ? off->text : "none");
	PT_CHECK(n.n == 3, "signal, start, end: %zu noted", n.n);
	pp_ctl_notes_free(&n);
	teardown(&f);
}

static void t_stale_and_shedding_logged(void)
{
	struct fixture f;
	if (setup(&f)) {
		PT_CHECK(0, "setup");
		return;
	}
	struct pp_errbuf eb;
	PT_CHECK(step(f.ctl, T0), "first cycle");
	read_rack(f.ctl, "r1", 5000, T0 + 10 * NS);
	PT_CHECK(pp_ctl_cycle(f.ctl, T0 + 10 * NS, 0, &eb) == PP_OK, "r2 unread for 10 s");
	PT_CHECK(step(f.ctl, T0 + 11 * NS), "r2 read again");
	struct pp_ctl_notes n;
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK, "notes");
	const struct pp_ctl_note *st = find(&n, "stale"), *fr = find(&n, "fresh");
	PT_CHECK(st && strstr(st->text, "r2") && !strstr(st->text, "r1") && !strcmp(st->severity, "fault"),
		 "r2 went stale: %s", st ? st->text : "none");
	PT_CHECK(fr && fr->t_s == T0_S + 11 && strstr(fr->text, "r2"), "and back");
	pp_ctl_notes_free(&n);
	/* 11 kW of grid for about 12.5 kW of racks at their floors (bases,
	 * unexplained power, cooling): work is paused; as the racks go on
	 * reading 5 kW their unexplained power grows until no caps can hold
	 * the grid and the solve fails (every GPU at its floor). */
	struct pp_ctl_event_req q = {"cut", 11, 1, T0_S + 20, T0_S + 40};
	struct pp_ctl_event_ans a;
	PT_CHECK(pp_ctl_grid_event(f.ctl, &q, T0 + 12 * NS, &a, &eb) == PP_OK, "signal");
	for (int s = 20; s <= 42; s += 2)
		step(f.ctl, T0 + s * NS);
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK, "notes");
	const struct pp_ctl_note *sh = find(&n, "shedding"), *se = find(&n, "shedding-ended");
	const struct pp_ctl_note *sf = find(&n, "solve-failed"), *so = find(&n, "solve-ok");
	PT_CHECK(sh && !strcmp(sh->severity, "shed") && sh->t_s == T0_S + 20,
		 "shedding noted as the limit starts: %s", sh ? sh->text : "none");
	PT_CHECK(sf && !strcmp(sf->severity, "fault") && sf->t_s > T0_S + 20, "the failed solve");
	PT_CHECK(se && so && se->t_s == T0_S + 40 && so->t_s == T0_S + 40,
		 "both end with the limit");
	pp_ctl_notes_free(&n);
	teardown(&f);
}

/* However much happens the log keeps PP_CTL_NOTES, the newest, in order. */
static void t_ring_bounded(void)
{
	struct fixture f;
	if (setup(&f)) {
		PT_CHECK(0, "setup");
		return;
	}
	int rounds = PP_CTL_NOTES; /* two trips' worth of notes a round */
	for (int i = 0; i < rounds; i++) {
		alarm(f.ctl, "ch1", i % 2 == 0, T0 + i * NS);
		step(f.ctl, T0 + i * NS);
	}
	struct pp_ctl_notes n;
	PT_CHECK(pp_ctl_notes(f.ctl, T0, &n) == PP_OK, "notes");
	PT_CHECK(n.n == PP_CTL_NOTES && n.total > PP_CTL_NOTES, "kept %zu of %llu", n.n,
		 (unsigned long long)n.total);
	PT_CHECK(n.n && n.v[0].seq == n.total && n.v[0].t_s == T0_S + rounds - 1,
		 "the newest first");
	int order = 1;
	for (size_t i = 1; i < n.n; i++)
		order &= n.v[i].seq + 1 == n.v[i - 1].seq;
	PT_CHECK(order, "no gap, no repeat");
	pp_ctl_notes_free(&n);
	teardown(&f);
}

int main(void)
{
	pp_log_set_level(PP_LOG_ERROR);
	PT_RUN(t_trip_logged);
	PT_RUN(t_signal_logged);
	PT_RUN(t_stale_and_shedding_logged);
	PT_RUN(t_ring_bounded);
	return PT_DONE("test_notes");
}
