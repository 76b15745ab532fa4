/* cmd_send.c - `powerpark send -c FILE [FILE.lp ...]`: line protocol from
 * stdin or files, checked by the strict parser, through the configured
 * outputs (with their spools). Replays `.lp` files and feeds tests. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "powerpark/catalog.h"
#include "powerpark/clock.h"
#include "powerpark/config.h"
#include "powerpark/lineproto.h"
#include "powerpark/log.h"
#include "powerpark/output.h"

/* Bytes read at a time (a longer line grows the buffer), and the wait for
 * delivery at the end (--drain-ms): by default and at the most. */
#define PP_CMD_SEND_CHUNK (1u << 20)
#define PP_CMD_DRAIN_MS 60000
#define PP_CMD_MAX_DRAIN_MS (1000 * PP_CMD_MAX_WAIT_S)

struct sendstate {
	struct pp_output *set;
	struct pp_lineproto_result r;
	enum pp_lineproto_precision prec;
	size_t line_base, bad, points;
	const char *src;
};

/* Parses complete lines in [p, p+len) and writes them. */
static int feed(struct sendstate *st, const char *p, size_t len)
{
	if (pp_lineproto_parse(p, len, st->prec, pp_clock_wall_ns(), &st->r))
		return -1;
	for (size_t i = 0; i < st->r.nerrors; i++)
		fprintf(stderr, "%s:%zu: rejected: %s\n", st->src, st->line_base + st->r.errors[i].line,
			st->r.errors[i].reason);
	st->bad += st->r.nbad;
	size_t nl = 0;
	for (size_t i = 0; i < len; i++)
		nl += p[i] == '\n';
	st->line_base += nl;
	st->points += st->r.nsamples;
	if (st->r.nsamples && pp_output_write(st->set, st->r.samples, st->r.nsamples))
		fprintf(stderr, "%s: some points could not be encoded for an output\n", st->src);
	return 0;
}

static int pump(struct sendstate *st, int fd)
{
	size_t cap = PP_CMD_SEND_CHUNK, have = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -1;
	while (!pp_cmd_stop) {
		if (have == cap) { /* a very long line: grow */
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		char *last = memrchr(buf, '\n', have);
		if (!last)
			continue;
		size_t whole = (size_t)(last - buf) + 1;
		if (feed(st, buf, whole))
			break;
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	if (have && !pp_cmd_stop)
		feed(st, buf, have);
	free(buf);
	return 0;
}

int pp_cmd_send(int argc, char **argv)
{
	static const char about[] = /* --help, after the synopsis */
		"Reads InfluxDB line protocol from the files or stdin, rejects bad\n"
		"lines with their number and reason, and sends the rest through the\n"
		"outputs of the configuration (batching, retries, spool). At the end\n"
		"it waits up to --drain-ms for delivery; what is not delivered stays\n"
		"in the spool. SIGTERM/SIGINT stop reading and spool what is unsent.\n"
		"Exit status: 1 for bad lines or errors, 4 when an output dropped\n"
		"points (lost for good: spool or queue full, disk full), else 0.\n";
	static const char *const precisions[] = {"ns", "us", "ms", "s", NULL};
	static const enum pp_lineproto_precision prec[] = {PP_PREC_NS, PP_PREC_US, PP_PREC_MS,
							   PP_PREC_S};
	const char *cfgfile = NULL;
	int drain_ms = PP_CMD_DRAIN_MS, p = 0, nfiles = 0;
	struct sendstate st = {.src = "<stdin>"};
	const struct pp_opt opts[] = {
		PP_STR("-c", &cfgfile, "FILE", "the configuration with the outputs",
		       .flags = PP_OPT_REQUIRED),
		PP_CHOICE("--precision", &p, precisions, "ns|us|ms|s",
			  "of the timestamps read (default ns)"),
		PP_DURI("--drain-ms", &drain_ms, "ms", 0, PP_CMD_MAX_DRAIN_MS, "N",
			"the wait for delivery at the end (default 60000)"),
		PP_ARGS("FILE.lp", &nfiles, "files to read (- is stdin; default stdin)"),
		PP_OPT_END};
	const struct pp_opts_cmd cmd = {"send", about, opts};
	int rc = pp_opts_parse(argc, argv, &cmd);
	if (rc >= 0)
		return rc;
	st.prec = prec[p];
	struct pp_config *cfg = pp_cmd_load(cfgfile, NULL, NULL);
	if (!cfg)
		return 1;
	if (!cfg->noutputs) {
		fprintf(stderr, "%s: no outputs configured\n", cfgfile);
		pp_config_destroy(cfg);
		return 1;
	}
	struct pp_errbuf eb;
	if (pp_output_create(cfg->outputs, cfg->noutputs, cfg->site.name, &st.set, &eb)) {
		fprintf(stderr, "powerpark send: %s\n", eb.msg);
		pp_config_destroy(cfg);
		return 1;
	}
	pp_cmd_catch_stop();
	rc = 0;
	pp_lineproto_result_init(&st.r);
	if (!nfiles)
		pump(&st, 0);
	for (int i = 1; i <= nfiles && !pp_cmd_stop; i++) {
		int fd = !strcmp(argv[i], "-") ? 0 : open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		st.src = argv[i];
		st.line_base = 0;
		pump(&st, fd);
		if (fd)
			close(fd);
	}
	pp_lineproto_result_free(&st.r);
	pp_output_flush(st.set);
	/* at EOF wait up to drain_ms for delivery; on a signal not at all: the
	 * spool keeps what is unsent for the next start */
	pp_output_stop(st.set, pp_cmd_stop ? 0 : drain_ms);
	for (size_t i = 0;; i++) {
		struct pp_output_stats os;
		const char *name = pp_output_get_stats(st.set, i, &os);
		if (!name)
			break;
		fprintf(stderr,
			"output %s: queued %" PRIu64 ", sent %" PRIu64 ", retried %" PRIu64
			", spooled %" PRIu64 ", dropped %" PRIu64 ", rejected %" PRIu64
			", spool %" PRIu64 " bytes\n",
			name, os.queued, os.sent, os.retried, os.spooled, os.dropped, os.rejected,
			os.spool_bytes);
	}
	uint64_t lost = pp_output_lost(st.set);
	pp_output_destroy(st.set, 0);
	fprintf(stderr, "powerpark send: %zu points read, %zu bad lines%s\n", st.points, st.bad,
		pp_cmd_stop ? " (stopped by signal; unsent points are in the spool)" : "");
	if (lost)
		fprintf(stderr, "powerpark send: %" PRIu64 " points were dropped and are lost "
				"(spool or queue full, disk full, or unencodable; see `dropped` above "
				"and the log)\n", lost);
	pp_config_destroy(cfg);
	return rc ? rc : st.bad ? 1 : lost ? PP_CMD_EXIT_LOST : 0;
}
