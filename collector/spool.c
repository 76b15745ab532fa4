/* spool.c - disk spool: one file per batch, "<seq>-<lines>.lp".
 *
 * A batch is written to a temporary name, flushed to disk and renamed, so a
 * crash leaves either the whole batch or none of it. Sequence numbers start
 * in the middle of the range so failed in-flight batches can be put back in
 * front of newer ones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "powerpark/clock.h"
#include "powerpark/fd.h"
#include "powerpark/log.h"
#include "spool.h"

#define PP_SPOOL_MAX_PATH 4608 /* a directory of PATH_MAX and a batch's name */
/* The first batch's number: the middle of the range, so batches put back
 * in front of it still have smaller numbers. */
#define PP_SPOOL_FIRST_SEQ (1ull << 62)
#define PP_SPOOL_WHY 64 /* the reason of a drop, as logged */

struct entry {
	uint64_t seq;
	uint64_t bytes;
	size_t lines;
};

struct spool {
	char *dir;
	uint64_t max_bytes, bytes;
	struct entry *e; /* ring buffer, oldest at head */
	size_t head, n, cap;
	/* the current run of drops for lack of room (cap or disk) */
	struct pp_log_backoff lb;
	uint64_t run_batches, run_points;
	int full; /* the last push had to drop */
};

static struct entry *at(struct spool *s, size_t i)
{
	return &s->e[(s->head + i) % s->cap];
}

static int grow(struct spool *s)
{
	if (s->n < s->cap)
		return 0;
	size_t nc = s->cap ? s->cap * 2 : 64;
	struct entry *ne = malloc(nc * sizeof *ne);
	if (!ne)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		ne[i] = *at(s, i);
	free(s->e);
	s->e = ne;
	s->head = 0;
	s->cap = nc;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void path_of(const struct spool *s, const struct entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%020" PRIu64 "-%zu.lp", s->dir, e->seq, e->lines);
}

enum pp_err spool_open(const char *dir, uint64_t max_bytes, struct spool **out,
		       struct pp_errbuf *eb)
{
	*out = NULL;
	if (pp_fd_mkdirs(dir, 0750))
		return pp_err_set(eb, PP_ERR_IO, "spool %s: %s", dir, strerror(errno));
	DIR *d = opendir(dir);
	if (!d)
		return pp_err_set(eb, PP_ERR_IO, "spool %s: %s", dir, strerror(errno));
	struct spool *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		closedir(d);
		return pp_err_set(eb, PP_ERR_NOMEM, "spool: out of memory");
	}
	s->max_bytes = max_bytes;
	struct dirent *de;
	while ((de = readdir(d))) {
		uint64_t seq;
		size_t lines;
		int n = 0;
		if (sscanf(de->d_name, "%20" SCNu64 "-%zu.lp%n", &seq, &lines, &n) != 2 ||
		    de->d_name[n] != '\0')
			continue; /* temporaries and foreign files are left alone */
		char p[PP_SPOOL_MAX_PATH];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(p, &st) || grow(s))
			continue;
		struct entry *e = &s->e[s->n++];
		e->seq = seq;
		e->lines = lines;
		e->bytes = (uint64_t)st.st_size;
		s->bytes += e->bytes;
	}
	closedir(d);
	if (s->n)
		qsort(s->e, s->n, sizeof *s->e, cmp_entry);
	if (s->n)
		pp_log(PP_LOG_INFO, "spool", "%s: %zu batches (%" PRIu64 " bytes) to replay", dir,
		       s->n, s->bytes);
	*out = s;
	return PP_OK;
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	free(s->e);
	free(s->dir);
	free(s);
}

/* A drop: counted, and logged with back-off (the 1st, 2nd, 4th... of a run
 * of drops and at least once a minute) with the totals of the run, so a
 * spool that stays full does not flood the log. */
static void note_drop(struct spool *s, size_t lines, const char *what, const char *why,
		      uint64_t *dropped)
{
	if (dropped)
		*dropped += lines;
	s->run_batches++;
	s->run_points += lines;
	s->full = 1;
	if (pp_log_backoff_hit(&s->lb, pp_clock_mono_ns()))
		pp_log(PP_LOG_ERROR, "spool", "%s: %s: dropped %s of %zu points (%" PRIu64
					      " batches, %" PRIu64 " points lost since it last had room)",
		       s->dir, why, what, lines, s->run_batches, s->run_points);
}

/* A push that needed no drop: the end of a run of drops, if there was one. */
static void note_room(struct spool *s)
{
	s->full = 0;
	if (!s->lb.count)
		return;
	pp_log_backoff_reset(&s->lb);
	pp_log(PP_LOG_INFO, "spool", "%s: room again after %" PRIu64 " batches (%" PRIu64
				     " points) were dropped", s->dir, s->run_batches, s->run_points);
	s->run_batches = s->run_points = 0;
}

static void drop_oldest(struct spool *s, const char *why, uint64_t *dropped)
{
	struct entry *e = at(s, 0);
	char p[PP_SPOOL_MAX_PATH];
	path_of(s, e, p, sizeof p);
	unlink(p);
	s->bytes -= e->bytes;
	note_drop(s, e->lines, "the oldest batch", why, dropped);
	s->head = (s->head + 1) % s->cap;
	s->n--;
}

/* The batch being pushed is dropped: there is no room for it. */
static enum pp_err drop_batch(struct spool *s, size_t lines, const char *why, uint64_t *dropped,
			      struct pp_errbuf *eb)
{
	note_drop(s, lines, "a batch", why, dropped);
	return pp_err_set(eb, PP_ERR_FULL, "spool %s: %s: a batch of %zu points dropped", s->dir,
			  why, lines);
}

/* Lack of room on the disk rather than a fault: what dropping older
 * batches can cure. */
static int no_space(int err)
{
#ifdef EDQUOT
	if (err == EDQUOT)
		return 1;
#endif
	return err == ENOSPC;
}

static spool_write_fn spool_write = write;

void spool_set_write(spool_write_fn fn)
{
	spool_write = fn ? fn : write;
}

/* Writes data to p through a temporary, flushed, then renamed. Returns 0,
 * or the errno of the failure, with ENOSPC for a write that stored
 * nothing; the temporary is removed. */
static int write_file(const char *p, const char *data, size_t len)
{
	char tmp[PP_SPOOL_MAX_PATH + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", p);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;
	size_t off = 0;
	while (off < len) {
		ssize_t w = spool_write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;
			close(fd);
			unlink(tmp);
			return err;
		}
		off += (size_t)w; /* a short write: the rest, or the reason, comes next */
	}
	int err = fdatasync(fd) ? errno : 0;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, p))
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

enum pp_err spool_push(struct spool *s, const char *data, size_t len, size_t lines, int front,
		       uint64_t *dropped, struct pp_errbuf *eb)
{
	uint64_t drops = s->lb.count; /* each drop below counts one more */
	char why[PP_SPOOL_WHY];
	snprintf(why, sizeof why, "full (cap %" PRIu64 " bytes)", s->max_bytes);
	/* A batch put back in front is older than every spooled one: when room
	 * is short, it is the oldest, and the one dropped. */
	if (len > s->max_bytes || (front && s->bytes + len > s->max_bytes))
		return drop_batch(s, lines, why, dropped, eb);
	while (s->n && s->bytes + len > s->max_bytes)
		drop_oldest(s, why, dropped);
	if (grow(s))
		return pp_err_set(eb, PP_ERR_NOMEM, "spool: out of memory");
	struct entry e = {.lines = lines, .bytes = len};
	char p[PP_SPOOL_MAX_PATH];
	for (;;) {
		if (front)
			e.seq = s->n ? at(s, 0)->seq - 1 : PP_SPOOL_FIRST_SEQ;
		else
			e.seq = s->n ? at(s, s->n - 1)->seq + 1 : PP_SPOOL_FIRST_SEQ;
		path_of(s, &e, p, sizeof p);
		int err = write_file(p, data, len);
		if (!err)
			break;
		if (!no_space(err))
			return pp_err_set(eb, PP_ERR_IO, "spool %s: %s", p, strerror(err));
		/* the disk is full: the oldest data makes room, as at the cap */
		snprintf(why, sizeof why, "%s", strerror(err));
		if (front || !s->n)
			return drop_batch(s, lines, why, dropped, eb);
		drop_oldest(s, why, dropped);
	}
	if (front) {
		s->head = (s->head + s->cap - 1) % s->cap;
		s->e[s->head] = e;
	} else {
		*at(s, s->n) = e;
	}
	s->n++;
	s->bytes += len;
	if (s->lb.count == drops)
		note_room(s);
	return PP_OK;
}

enum pp_err spool_peek(struct spool *s, char **data, size_t *len, size_t *lines, uint64_t *seq,
		       struct pp_errbuf *eb)
{
	*data = NULL;
	while (s->n) {
		struct entry *e = at(s, 0);
		char p[PP_SPOOL_MAX_PATH];
		path_of(s, e, p, sizeof p);
		FILE *f = fopen(p, "rb");
		if (!f) {
			pp_log(PP_LOG_ERROR, "spool", "%s: %s; skipping it", p, strerror(errno));
			s->bytes -= e->bytes;
			s->head = (s->head + 1) % s->cap;
			s->n--;
			continue;
		}
		char *buf = malloc(e->bytes + 1);
		if (!buf) {
			fclose(f);
			return pp_err_set(eb, PP_ERR_NOMEM, "spool: out of memory");
		}
		size_t got = fread(buf, 1, e->bytes, f);
		fclose(f);
		buf[got] = '\0';
		*data = buf;
		*len = got;
		*lines = e->lines;
		*seq = e->seq;
		return PP_OK;
	}
	return PP_OK;
}

void spool_pop(struct spool *s, uint64_t seq)
{
	if (!s->n || at(s, 0)->seq != seq)
		return;
	struct entry *e = at(s, 0);
	char p[PP_SPOOL_MAX_PATH];
	path_of(s, e, p, sizeof p);
	unlink(p);
	s->bytes -= e->bytes;
	s->head = (s->head + 1) % s->cap;
	s->n--;
	s->full = 0;
}

int spool_full(const struct spool *s)
{
	return s->full;
}

size_t spool_count(const struct spool *s)
{
	return s->n;
}

uint64_t spool_bytes(const struct spool *s)
{
	return s->bytes;
}
