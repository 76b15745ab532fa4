/* output.h - fan-out of metrics to several outputs (InfluxDB 1.x, Victoria-
 * Metrics, local files), each with its own bounded queue, sender thread and
 * optional disk spool, so a slow or dead store never stalls the others and
 * loses nothing while its spool has room. */
#ifndef PP_OUTPUT_H
#define PP_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

struct pp_output; /* opaque */

/* Counters of one output, in points (lines) unless named otherwise. */
struct pp_output_stats {
	uint64_t queued;      /* accepted by pp_output_write */
	uint64_t sent;        /* acknowledged by the store */
	uint64_t retried;     /* batch attempts that were repeated */
	uint64_t spooled;     /* written to the disk spool */
	uint64_t dropped;     /* lost: queue full without a spool, spool full (its cap
			       * or the disk: the oldest go), or unencodable */
	uint64_t rejected;    /* refused by the store (HTTP 400), not resent */
	uint64_t queue_batches;
	uint64_t spool_bytes;
	int up;               /* last attempt succeeded */
	int lost;             /* points were dropped since the start (dropped > 0) */
	int spool_full;       /* the spool's last write found no room and dropped the
			       * oldest; cleared when a batch leaves it or fits */
};

/* Creates one output per conf (borrowed; copied) and starts their senders.
 * site (borrowed, copied) tags the outputs' own metrics. */
PP_WUR enum pp_err pp_output_create(const struct pp_output_conf *confs, size_t n,
				    const char *site, struct pp_output **out,
				    struct pp_errbuf *eb);

/* Encodes n samples (borrowed) into every output's current batch. Never
 * waits for the network: a full queue spills to the spool (or, without one,
 * drops its oldest batch, counted). Returns PP_ERR_ARG if a sample could not
 * be encoded (the others are still written). */
PP_WUR enum pp_err pp_output_write(struct pp_output *set, const struct pp_sample *s, size_t n);

/* Seals the current batches so they are sent without waiting for flush_ms. */
void pp_output_flush(struct pp_output *set);

/* Copies output i's counters into st; returns its name (borrowed) or NULL. */
const char *pp_output_get_stats(struct pp_output *set, size_t i, struct pp_output_stats *st);

/* Writes each output's counters as an `output` sample into the set. */
PP_WUR enum pp_err pp_output_write_stats(struct pp_output *set, int64_t ts_ns);

/* The points every output of set dropped since it started (their
 * `dropped` summed): data lost for good, which a writer reports. */
uint64_t pp_output_lost(struct pp_output *set);

/* True when every output has nothing queued, in flight or spooled. */
int pp_output_idle(struct pp_output *set);

/* Stops the senders: tries for up to drain_ms to deliver what is queued (and
 * spooled), then spools what is left (or counts it dropped without a spool).
 * Writes after this are not sent. Counters stay readable until destroy. */
void pp_output_stop(struct pp_output *set, int drain_ms);

/* Stops the senders (if pp_output_stop was not called): tries for up to drain_ms to deliver what is queued,
 * spools what is left (or counts it dropped without a spool) and frees set. */
void pp_output_destroy(struct pp_output *set, int drain_ms);

#endif
