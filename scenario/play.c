/* play.c - a scenario day played for a person: under the controller with
 * its dashboard served on the simulated clock, paced to a chosen speed,
 * with a progress line once a second; the baseline at full speed. What
 * `powerpark run` does twice (docs/run.md). */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "powerpark/api.h"
#include "powerpark/clock.h"
#include "powerpark/day.h"
#include "powerpark/log.h"

#define PLAY_DEFAULT_S 120 /* a day played in about two minutes by default */

/* The simulated time the dashboard's API answers at. One day plays at a
 * time in a process, so one clock will do. */
static _Atomic int64_t sim_clock_ns;

static int64_t sim_clock(void *ud)
{
	(void)ud;
	return atomic_load(&sim_clock_ns);
}

static void sleep_until(int64_t mono_ns)
{
	int64_t now = pp_clock_mono_ns();
	if (mono_ns <= now)
		return;
	struct timespec ts = {(time_t)((mono_ns - now) / 1000000000),
			      (long)((mono_ns - now) % 1000000000)};
	nanosleep(&ts, NULL);
}

/* A progress line is open on the terminal (written with \r, no \n yet). */
static atomic_int line_open;

/* Ends the open progress line, before a log line (pp_log_set_before) or
 * the summary. */
static void end_line(void)
{
	if (atomic_exchange(&line_open, 0)) {
		fputc('\n', stdout);
		fflush(stdout);
	}
}

/* On a terminal, one line a second rewritten in place; otherwise (a file,
 * a pipe) one plain line per simulated hour: the scenario's local clock
 * (its hour 0 is local midnight), the grid against its limit, what binds. */
static void progress(struct pp_day *d, int tty, int *last_hour)
{
	struct pp_day_now n;
	pp_day_now(d, &n);
	double local = fmod(n.t_h, 24);
	int hh = (int)local, mm = (int)((local - hh) * 60);
	if (!tty && (int)n.t_h == *last_hour)
		return;
	*last_hour = (int)n.t_h;
	printf("%s%02d:%02d  grid %6.2f / %6.2f MW  IT %6.2f MW  binding %-16.16s  caps %3.0f %%  "
	       "held %2d jobs (%5d GPUs)%s%s", tty ? "\r" : "", hh, mm, n.grid_kw / 1000,
	       n.limit_kw / 1000, n.it_kw / 1000, n.binding[0] ? n.binding : "none",
	       100 * n.cap_frac, n.held_jobs, n.held_gpus, n.tripped ? "  CHILLER TRIP" : "",
	       tty ? " " : "\n");
	if (tty)
		atomic_store(&line_open, 1);
	fflush(stdout);
}

/* The dashboard's API on the day's controller: on the address asked for,
 * else any free port (the demo must run where 8080 is taken). */
static struct pp_api *serve(const struct pp_config *cfg, struct pp_day *d, const char *listen)
{
	struct pp_errbuf eb;
	struct pp_api *api = NULL;
	if (!listen)
		listen = cfg->api.listen ? cfg->api.listen : "127.0.0.1:8080";
	if (pp_api_start(pp_day_ctl(d), &cfg->api, listen, NULL, NULL, &api, &eb)) {
		fprintf(stderr, "powerpark run: %s; trying another port\n", eb.msg);
		if (pp_api_start(pp_day_ctl(d), &cfg->api, "127.0.0.1:0", NULL, NULL, &api, &eb)) {
			fprintf(stderr, "powerpark run: %s\n", eb.msg);
			return NULL;
		}
	}
	pp_api_set_clock(api, sim_clock, NULL);
	return api;
}

int pp_day_play(const struct pp_config *cfg, const struct pp_day_play_opts *o, enum pp_policy pol,
		struct pp_output *set, volatile sig_atomic_t *stop, struct pp_day_result *res)
{
	struct pp_errbuf eb;
	struct pp_day *d = NULL;
	struct pp_api *api = NULL;
	int rc = 1;
	if (pp_day_create(cfg, pol, o->hours, &d, &eb)) {
		fprintf(stderr, "powerpark run: %s\n", eb.msg);
		return 1;
	}
	const struct pp_scenario *sc = cfg->scenario;
	double hours = o->hours > 0 ? o->hours : sc->hours;
	double speed = o->speed >= 0 ? o->speed : hours * 3600 / PLAY_DEFAULT_S;
	int live = pol == PP_POLICY_OPTIMAL;
	if (live) {
		if (!(api = serve(cfg, d, o->listen)))
			goto out;
		printf("powerpark run: dashboard on http://127.0.0.1:%d/  (%s, %.0f h at %s)\n",
		       pp_api_port(api), sc->name, hours,
		       speed > 0 ? (speed == 1 ? "real time" : "accelerated") : "full speed");
		fflush(stdout);
	}
	int64_t t0 = pp_clock_mono_ns(), last = 0, day0 = sc->start_s * 1000000000LL;
	int r, tty = isatty(STDOUT_FILENO), last_hour = -1;
	if (tty)
		pp_log_set_before(end_line);
	while ((r = pp_day_step(d, &eb)) != 0 && !*stop) {
		if (r < 0)
			pp_log(PP_LOG_ERROR, "run", "%s", eb.msg);
		int64_t now = pp_day_clock_ns(d);
		atomic_store(&sim_clock_ns, now);
		if (set && pp_day_write(d, set) && (now / 1000000000) % 300 == 0 &&
		    pp_output_write_stats(set, now))
			pp_log(PP_LOG_WARN, "run", "could not write the outputs' counters");
		if (!live)
			continue;
		if (speed > 0)
			sleep_until(t0 + (int64_t)((double)(now - day0) / speed));
		if (!o->quiet && pp_clock_mono_ns() - last >= 1000000000LL) {
			last = pp_clock_mono_ns();
			progress(d, tty, &last_hour);
		}
	}
	end_line();
	pp_log_set_before(NULL);
	pp_day_result(d, res);
	rc = *stop ? 130 : 0;
out:
	pp_api_stop(api);
	pp_day_destroy(d);
	return rc;
}

int64_t pp_day_play_clock(void)
{
	return atomic_load(&sim_clock_ns);
}
