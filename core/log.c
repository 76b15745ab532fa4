/* log.c - leveled logging with back-off for repeated errors. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "powerpark/log.h"

static enum pp_log_level g_level = PP_LOG_INFO;
static int g_level_from_env;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void pp_log_set_level(enum pp_log_level lvl)
{
	g_level = lvl;
	g_level_from_env = 1;
}

static void level_from_env(void)
{
	if (g_level_from_env)
		return;
	g_level_from_env = 1;
	const char *s = getenv("PP_LOG");
	if (!s)
		return;
	if (!strcmp(s, "debug"))
		g_level = PP_LOG_DEBUG;
	else if (!strcmp(s, "warn"))
		g_level = PP_LOG_WARN;
	else if (!strcmp(s, "error"))
		g_level = PP_LOG_ERROR;
}

static void (*g_before)(void);

void pp_log_set_before(void (*fn)(void))
{
	pthread_mutex_lock(&g_lock);
	g_before = fn;
	pthread_mutex_unlock(&g_lock);
}

void pp_log(enum pp_log_level lvl, const char *module, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	level_from_env();
	if (lvl < g_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	pthread_mutex_lock(&g_lock);
	if (g_before)
		g_before();
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s: %s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, ts.tv_nsec / 1000000, names[lvl], module, msg);
	pthread_mutex_unlock(&g_lock);
}

uint64_t pp_log_backoff_reset(struct pp_log_backoff *b)
{
	uint64_t n = b->count;
	b->count = 0;
	b->next = 0;
	b->last_ns = 0;
	return n;
}

int pp_log_backoff_hit(struct pp_log_backoff *b, int64_t now_ns)
{
	b->count++;
	if (b->count >= b->next || now_ns - b->last_ns >= 60LL * 1000000000LL) {
		b->next = b->count * 2;
		b->last_ns = now_ns;
		return 1;
	}
	return 0;
}
