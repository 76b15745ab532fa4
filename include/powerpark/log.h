/* log.h - leveled logging to stderr, with a back-off helper for repeats. */
#ifndef PP_LOG_H
#define PP_LOG_H

#include <stdint.h>
#include "powerpark/err.h"

enum pp_log_level { PP_LOG_DEBUG, PP_LOG_INFO, PP_LOG_WARN, PP_LOG_ERROR };

/* Sets the lowest level that is printed (default INFO; PP_LOG env overrides). */
void pp_log_set_level(enum pp_log_level lvl);

/* Registers fn (borrowed; NULL to clear), called under the log's lock just
 * before each line is printed: a caller that keeps a line open on a
 * terminal (a progress line rewritten with \r) ends it there, so a log
 * line never lands glued to its end. */
void pp_log_set_before(void (*fn)(void));

/* Prints one line: timestamp, level, module, message. Thread-safe. */
void pp_log(enum pp_log_level lvl, const char *module, const char *fmt, ...) PP_PRINTF(3, 4);

/* Back-off state for a repeated error: log the 1st, 2nd, 4th, 8th... occurrence
 * and at least once a minute, so a dead device does not flood the log. */
struct pp_log_backoff {
	uint64_t count;    /* occurrences since the last success */
	uint64_t next;     /* occurrence number that is logged next */
	int64_t last_ns;   /* monotonic time of the last logged one */
};

/* Resets the state (call on success). Returns the count of suppressed
 * occurrences so the caller can log a recovery line. */
uint64_t pp_log_backoff_reset(struct pp_log_backoff *b);

/* Counts one occurrence; returns 1 when this one should be logged. */
int pp_log_backoff_hit(struct pp_log_backoff *b, int64_t now_ns);

#endif
