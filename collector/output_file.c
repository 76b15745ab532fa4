/* output_file.c - rotated local .lp files: the default when no store is
 * configured, and a record an operator can replay with `powerpark send`. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "powerpark/fd.h"
#include "powerpark/log.h"
#include "transport.h"

#define PP_FILE_MAX_PATH 4608 /* a directory of PATH_MAX and a file name */

struct fileout {
	char *dir;
	FILE *f;
	uint64_t size, rotate;
	int keep;
	unsigned serial;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes the oldest metrics-*.lp files beyond `keep`. Names sort by time. */
static void prune(struct fileout *fo)
{
	DIR *d = opendir(fo->dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, "metrics-", 8) || l < 4 || strcmp(de->d_name + l - 3, ".lp"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i + (size_t)fo->keep < n; i++) {
		char p[PP_FILE_MAX_PATH];
		snprintf(p, sizeof p, "%s/%s", fo->dir, names[i]);
		unlink(p);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int open_next(struct fileout *fo, struct pp_errbuf *eb)
{
	if (fo->f)
		fclose(fo->f);
	fo->f = NULL;
	if (pp_fd_mkdirs(fo->dir, 0755)) {
		pp_err_set(eb, PP_ERR_IO, "%s: %s", fo->dir, strerror(errno));
		return -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char p[PP_FILE_MAX_PATH];
	snprintf(p, sizeof p, "%s/metrics-%04d%02d%02dT%02d%02d%02d-%06u.lp", fo->dir,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 fo->serial++ % 1000000);
	fo->f = fopen(p, "a");
	if (!fo->f) {
		pp_err_set(eb, PP_ERR_IO, "%s: %s", p, strerror(errno));
		return -1;
	}
	fo->size = 0;
	prune(fo);
	return 0;
}

static enum tx_result file_send(void *ctx, const char *data, size_t len, size_t lines,
				size_t *rejected, int *retry_after_ms, struct pp_errbuf *eb)
{
	struct fileout *fo = ctx;
	(void)lines;
	(void)rejected;
	(void)retry_after_ms;
	if ((!fo->f || fo->size >= fo->rotate) && open_next(fo, eb))
		return TX_RETRY;
	if (fwrite(data, 1, len, fo->f) != len || fflush(fo->f)) {
		pp_err_set(eb, PP_ERR_IO, "%s: write failed: %s", fo->dir, strerror(errno));
		fclose(fo->f);
		fo->f = NULL;
		return TX_RETRY;
	}
	fo->size += len;
	return TX_OK;
}

static void file_destroy(void *ctx)
{
	struct fileout *fo = ctx;
	if (!fo)
		return;
	if (fo->f)
		fclose(fo->f);
	free(fo->dir);
	free(fo);
}

static const struct transport file_tx = {"file", file_send, file_destroy};

enum pp_err tx_file_create(const struct pp_output_conf *c, const struct transport **t, void **ctx,
			   struct pp_errbuf *eb)
{
	struct fileout *fo = calloc(1, sizeof *fo);
	if (!fo || !(fo->dir = strdup(c->path))) {
		free(fo);
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	}
	fo->rotate = c->rotate_bytes;
	fo->keep = c->keep;
	*t = &file_tx;
	*ctx = fo;
	return PP_OK;
}
