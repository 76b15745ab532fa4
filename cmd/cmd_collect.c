/* cmd_collect.c - `powerpark collect`: poll every device of a site and send
 * its metrics through the configured outputs (or print them, --stdout). */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "powerpark/clock.h"
#include "powerpark/collect.h"
#include "powerpark/config.h"
#include "powerpark/lineproto.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

struct stdout_sink {
	pthread_mutex_t mu;
	struct pp_buf buf;
	uint64_t bad;
};

static void to_stdout(void *ud, const struct pp_sample *s, size_t n)
{
	struct stdout_sink *o = ud;
	pthread_mutex_lock(&o->mu);
	for (size_t i = 0; i < n; i++) {
		struct pp_errbuf eb;
		if (pp_lineproto_encode(&o->buf, &s[i], 0, &eb))
			o->bad++;
	}
	fwrite(o->buf.data, 1, o->buf.len, stdout);
	o->buf.len = 0;
	pthread_mutex_unlock(&o->mu);
}

static void to_outputs(void *ud, const struct pp_sample *s, size_t n)
{
	if (pp_output_write(ud, s, n))
		pp_log(PP_LOG_WARN, "collect", "a sample could not be encoded (counted as dropped)");
}

/* Modbus worker threads at most (--workers); how often the outputs'
 * counters are written; how long the outputs may take to flush at the end. */
#define PP_CMD_MAX_WORKERS 256
#define PP_CMD_STATS_NS (10LL * 1000000000LL)
#define PP_CMD_FLUSH_MS 10000
#define PP_CMD_STDOUT_BUF (1 << 20) /* --stdout's buffer, flushed each tick */

int pp_cmd_collect(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Polls every Modbus and SNMP device of the site on its own interval and\n"
		"sends the readings (and a `device` health sample per poll) to the\n"
		"configured outputs, until SIGTERM or SIGINT; then flushes the outputs.\n"
		"Exits 4 when an output dropped points (lost for good: spool or queue\n"
		"full, disk full).\n";
	const char *file = NULL;
	struct pp_collect_opts opts = {0};
	int stdout_only = 0;
	const struct pp_opt o[] = {
		PP_STR("-c", &file, "FILE", "the site configuration", .flags = PP_OPT_REQUIRED),
		PP_FLAG("--once", &opts.once, "poll every device once, then exit (status 3 if any "
			"failed)"),
		PP_FLAG("--stdout", &stdout_only, "print line protocol to stdout instead of the "
			"outputs"),
		PP_INT("--workers", &opts.modbus_workers, 1, PP_CMD_MAX_WORKERS, "N",
		       "Modbus worker threads (default: min(devices, 64))"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"collect", about, o};
	int prc = pp_opts_parse(argc, argv, &cmd);
	if (prc >= 0)
		return prc;
	int to_out = !stdout_only;
	struct pp_config *cfg = pp_cmd_load(file, NULL, NULL);
	if (!cfg)
		return 1;
	int rc = 1;
	struct pp_errbuf eb;
	struct pp_output *set = NULL;
	struct pp_collect *c = NULL;
	struct stdout_sink so = {.mu = PTHREAD_MUTEX_INITIALIZER};
	pp_buf_init(&so.buf);
	if (to_out && pp_output_create(cfg->outputs, cfg->noutputs, cfg->site.name, &set, &eb)) {
		fprintf(stderr, "powerpark collect: %s\n", eb.msg);
		goto out;
	}
	/* 10,000 polls a second write some 40 MB/s: 4 KiB writes were a
	 * twentieth of the collector's time. Flushed each tick (below), and
	 * set before any thread writes. */
	static char obuf[PP_CMD_STDOUT_BUF];
	if (!to_out)
		setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (pp_collect_create(cfg, &opts, to_out ? to_outputs : to_stdout,
			      to_out ? (void *)set : (void *)&so, &c, &eb)) {
		fprintf(stderr, "powerpark collect: %s\n", eb.msg);
		goto out;
	}
	pp_cmd_catch_stop();
	if (pp_collect_start(c, &eb)) {
		fprintf(stderr, "powerpark collect: %s\n", eb.msg);
		goto out;
	}
	size_t n = pp_collect_ndevices(c);
	if (opts.once) {
		size_t up = pp_collect_wait_once(c);
		pp_collect_stop(c);
		for (size_t i = 0; i < n; i++) {
			struct pp_collect_devstats st;
			pp_collect_stats(c, i, &st);
			if (!st.up)
				fprintf(stderr, "powerpark collect: %s: %s\n", st.name, st.last_error);
		}
		fprintf(stderr, "powerpark collect: %zu of %zu devices answered\n", up, n);
		rc = up == n ? 0 : 3;
	} else {
		pp_log(PP_LOG_INFO, "collect", "polling %zu devices of site '%s'", n, cfg->site.name);
		int64_t next_stats = pp_clock_mono_ns();
		while (!pp_cmd_stop) {
			struct timespec ts = {0, PP_CMD_TICK_NS};
			nanosleep(&ts, NULL);
			if (!set) { /* --stdout: a big buffer, but no line waits long */
				pthread_mutex_lock(&so.mu);
				fflush(stdout);
				pthread_mutex_unlock(&so.mu);
			}
			if (set && pp_clock_mono_ns() >= next_stats) {
				next_stats += PP_CMD_STATS_NS;
				if (pp_output_write_stats(set, pp_clock_wall_ns()))
					pp_log(PP_LOG_WARN, "collect", "output stats not written");
			}
		}
		pp_log(PP_LOG_INFO, "collect", "stopping: flushing outputs");
		pp_collect_stop(c);
		rc = 0;
	}
out:
	pp_collect_destroy(c);
	if (set) {
		pp_output_stop(set, PP_CMD_FLUSH_MS);
		uint64_t lost = pp_output_lost(set);
		if (lost) {
			fprintf(stderr, "powerpark collect: %" PRIu64 " points were dropped by the "
					"outputs and are lost (see their `dropped` counter and the "
					"log)\n", lost);
			if (!rc)
				rc = PP_CMD_EXIT_LOST;
		}
		pp_output_destroy(set, 0);
	}
	fflush(stdout);
	pp_buf_free(&so.buf);
	pp_config_destroy(cfg);
	return rc;
}
