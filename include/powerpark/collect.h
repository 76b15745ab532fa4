/* collect.h - polling every device of a site (Modbus and SNMP) on its own
 * interval, turning registers and OIDs into samples of the metric schema.
 *
 * A pp_collect owns one engine per protocol driver (Modbus: a pool of
 * workers, so one slow or dead device never holds up the others; SNMP: one
 * thread driving every agent through net-snmp's asynchronous API). Each
 * reading is passed to a sink as samples; the sink is called from the
 * engines' threads, possibly at the same time, and must be thread-safe. */
#ifndef PP_COLLECT_H
#define PP_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

struct pp_collect; /* opaque */

#define PP_MAX_DEV_ERROR 160 /* a device's last error, as kept, with its NUL */

/* Receives n samples (borrowed for the call only) read from one device. */
typedef void (*pp_collect_sink)(void *ud, const struct pp_sample *s, size_t n);

struct pp_collect_opts {
	int once;            /* poll every device once, then the engines stop */
	int modbus_workers;  /* 0: min(Modbus devices, 64) */
};

/* Health and schedule counters of one device. */
struct pp_collect_devstats {
	const char *name;    /* borrowed from the config */
	int up;              /* last poll succeeded */
	uint64_t polls, ok, errors, timeouts, late, range_drops, auth_errors;
	int64_t last_ok_ns;  /* wall clock of the last good poll, 0 if never */
	char last_error[PP_MAX_DEV_ERROR];
};

/* Prepares a collector for every device of cfg (borrowed; must outlive the
 * collector). Nothing is opened or sent yet. sink and ud are borrowed. On
 * error *out is NULL and eb says why. */
PP_WUR enum pp_err pp_collect_create(const struct pp_config *cfg,
				     const struct pp_collect_opts *opts, pp_collect_sink sink,
				     void *ud, struct pp_collect **out, struct pp_errbuf *eb);

/* Starts the engines' threads. */
PP_WUR enum pp_err pp_collect_start(struct pp_collect *c, struct pp_errbuf *eb);

/* In once mode: blocks until every device has been polled once (read or
 * failed). Returns the number of devices that answered. */
size_t pp_collect_wait_once(struct pp_collect *c);

/* Stops the engines and joins their threads; polls in flight finish or are
 * abandoned at their timeout. Safe to call twice. */
void pp_collect_stop(struct pp_collect *c);

/* Number of devices, and device i's counters copied into st (borrowed). */
size_t pp_collect_ndevices(const struct pp_collect *c);
void pp_collect_stats(struct pp_collect *c, size_t i, struct pp_collect_devstats *st);

/* Stops (if needed) and frees the collector; NULL is fine. */
void pp_collect_destroy(struct pp_collect *c);

#endif
