/* backend_cmd.c - two backends without a driver: a configured command run
 * with the cap (e.g. "nvidia-smi -i {gpu} -pl {cap}", or a site's own
 * tool), and the simulated park's control socket (`powerpark sim`). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "powerpark/net.h"

/* --- command ----------------------------------------------------------- */

struct cmdb {
	char *tmpl;
};

static enum pp_err cmd_open(void **ctx, const char *arg, const char *node, int gpus,
			    struct pp_errbuf *eb)
{
	(void)node;
	(void)gpus;
	if (!arg || !strstr(arg, "{cap}"))
		return pp_err_set(eb, PP_ERR_ARG, "command backend: the command must contain {cap} "
					       "(and may contain {gpu}), e.g. "
					       "'nvidia-smi -i {gpu} -pl {cap}'");
	struct cmdb *b = calloc(1, sizeof *b);
	if (!b || !(b->tmpl = strdup(arg))) {
		free(b);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	*ctx = b;
	return PP_OK;
}

static enum pp_err cmd_set(void *ctx, int gpu, double w, struct pp_errbuf *eb)
{
	const struct cmdb *b = ctx;
	char line[1024];
	size_t o = 0;
	for (const char *p = b->tmpl; *p && o + 32 < sizeof line;) {
		if (!strncmp(p, "{cap}", 5)) {
			o += (size_t)snprintf(line + o, sizeof line - o, "%.0f", w);
			p += 5;
		} else if (!strncmp(p, "{gpu}", 5)) {
			o += (size_t)snprintf(line + o, sizeof line - o, "%d", gpu);
			p += 5;
		} else {
			line[o++] = *p++;
		}
	}
	line[o] = 0;
	int st = system(line);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
		return pp_err_set(eb, PP_ERR_IO, "command '%s' failed (status %d)", line,
			       st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return PP_OK;
}

static enum pp_err unknown(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	(void)ctx;
	(void)gpu;
	(void)w;
	return pp_err_set(eb, PP_ERR_ARG, "not readable through this backend");
}

static enum pp_err no_range(void *ctx, int gpu, double *lo, double *hi, struct pp_errbuf *eb)
{
	(void)lo;
	return unknown(ctx, gpu, hi, eb);
}

static int given_count(void *ctx)
{
	(void)ctx;
	return -1;
}

static void cmd_close(void *ctx)
{
	struct cmdb *b = ctx;
	if (b)
		free(b->tmpl);
	free(b);
}

const struct pp_backend pp_backend_command = {"command", cmd_open,    no_range, cmd_set,
					      unknown,	 unknown,     given_count, cmd_close,
					      NULL,	 NULL};

/* --- the simulated park ------------------------------------------------ */

struct simb {
	struct sockaddr_in sa;
	char rack[128];
};

static enum pp_err sim_open(void **ctx, const char *arg, const char *node, int gpus,
			    struct pp_errbuf *eb)
{
	(void)gpus;
	struct simb *b = calloc(1, sizeof *b);
	if (!b)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	enum pp_err e = pp_net_addr_parse("sim backend (the control HOST:PORT)", arg, &b->sa, eb);
	if (e) {
		free(b);
		return e;
	}
	snprintf(b->rack, sizeof b->rack, "%s", node);
	*ctx = b;
	return PP_OK;
}

/* One command, one answer line, on a fresh connection. */
static enum pp_err sim_ask(const struct simb *b, const char *cmd, char *ans, size_t len,
			   struct pp_errbuf *eb)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&b->sa, sizeof b->sa)) {
		if (fd >= 0)
			close(fd);
		return pp_err_set(eb, PP_ERR_NET, "sim control socket unreachable");
	}
	size_t n = strlen(cmd), got = 0;
	if (write(fd, cmd, n) != (ssize_t)n) {
		close(fd);
		return pp_err_set(eb, PP_ERR_NET, "sim control socket: write failed");
	}
	while (got + 1 < len) {
		ssize_t k = read(fd, ans + got, len - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		if (memchr(ans, '\n', got))
			break;
	}
	close(fd);
	ans[got] = 0;
	if (strncmp(ans, "ok", 2))
		return pp_err_set(eb, PP_ERR_IO, "sim: %s", got ? ans : "no answer");
	return PP_OK;
}

static enum pp_err sim_set(void *ctx, int gpu, double w, struct pp_errbuf *eb)
{
	(void)gpu; /* the sim caps a rack's GPUs together */
	const struct simb *b = ctx;
	char cmd[200], ans[256];
	snprintf(cmd, sizeof cmd, "cap %s %.1f\n", b->rack, w);
	return sim_ask(b, cmd, ans, sizeof ans, eb);
}

static enum pp_err sim_get(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	(void)gpu;
	const struct simb *b = ctx;
	char cmd[200], ans[256];
	snprintf(cmd, sizeof cmd, "get %s\n", b->rack);
	enum pp_err e = sim_ask(b, cmd, ans, sizeof ans, eb);
	if (e)
		return e;
	const char *p = strstr(ans, "cap_w=");
	if (!p)
		return pp_err_set(eb, PP_ERR_IO, "sim: no cap in '%s'", ans);
	*w = atof(p + 6);
	return PP_OK;
}

/* The sim keeps the floor per rack; its draw never falls at a rate (a
 * rack's job does not end in it), so only the floor is sent. */
static enum pp_err sim_smooth(void *ctx, int gpu, double floor_w, double ramp_w_per_s,
			      struct pp_errbuf *eb)
{
	(void)ramp_w_per_s;
	if (gpu != 0)
		return PP_OK; /* one floor for the rack's GPUs */
	const struct simb *b = ctx;
	char cmd[200], ans[256];
	snprintf(cmd, sizeof cmd, "floor %s %.1f\n", b->rack, floor_w);
	return sim_ask(b, cmd, ans, sizeof ans, eb);
}

static void sim_close(void *ctx)
{
	free(ctx);
}

const struct pp_backend pp_backend_sim = {"sim",   sim_open,    no_range,  sim_set,
					  sim_get, unknown,     given_count, sim_close,
					  NULL,    sim_smooth};
