/* collect_int.h - what the collector core shares with its protocol drivers. */
#ifndef PP_COLLECT_INT_H
#define PP_COLLECT_INT_H

#include <pthread.h>

#include "powerpark/collect.h"
#include "powerpark/log.h"

#define CDEV_MAX_TAGS 8

/* One device under collection: location tags, health, schedule, and the
 * driver's own context (drv). Counters are guarded by the collector's mutex. */
struct cdev {
	const struct pp_device *dev;
	struct pp_tag tags[CDEV_MAX_TAGS];
	size_t ntags;
	const char *proto_name;
	int up, polled_once;
	uint64_t polls, ok, errors, timeouts, late, range_drops, auth_errors;
	int64_t last_ok_ns;
	double poll_ms;
	char last_error[160];
	struct pp_log_backoff lb;
	int64_t due_ns;        /* monotonic time of the next scheduled poll */
	void *drv;
	const struct pp_driver *driver;
};

/* One reading of one field: a number, or (as_tag columns) a string; index
 * is the table row ("" for scalars). */
struct cval {
	const struct pp_pfield *f;
	const char *name;   /* NULL: f->name (a counter's rate has its own) */
	const char *index;
	double v;
	const char *s;
};

/* A protocol driver: per-device configure/close, and an engine that polls
 * its devices (threads of its own) until told to stop. */
struct pp_driver {
	const char *name;
	int (*match)(const struct pp_device *d);
	PP_WUR enum pp_err (*configure)(struct pp_collect *c, struct cdev *d, struct pp_errbuf *eb);
	void (*close)(struct cdev *d);
	/* engine over devs[0..n) (the devices this driver matched) */
	PP_WUR enum pp_err (*start)(struct pp_collect *c, struct cdev **devs, size_t n,
				    void **engine, struct pp_errbuf *eb);
	void (*stop)(void *engine);
};

extern const struct pp_driver pp_driver_modbus;
extern const struct pp_driver pp_driver_snmp;

struct pp_collect {
	const struct pp_config *cfg;
	struct pp_collect_opts opts;
	pp_collect_sink sink;
	void *ud;
	struct cdev *devs;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t once_done;
	struct {
		const struct pp_driver *drv;
		void *engine;
		int started;
	} eng[2];
};

/* First poll time of device i of n: spread over the interval so a park's
 * devices are not all read in the same millisecond. */
int64_t collect_first_due(struct pp_collect *c, size_t i, int64_t now_ns);

/* The next due time after a poll that was due at due and started at
 * started_ns; missed slots are skipped and counted as late on d. */
int64_t collect_next_due(struct pp_collect *c, struct cdev *d, int64_t due, int64_t started_ns);

/* Checks v of field f against its range after scale/offset; returns 0 and
 * sets *out when valid, else counts a range drop on d and returns -1. */
int collect_scale(struct pp_collect *c, struct cdev *d, const struct pp_pfield *f, double raw,
		  double *out);

/* Ends one poll of d: emits vals[0..n) (borrowed) as samples grouped by
 * table row, then the device's health sample. ok = 0 marks the device down
 * with err (borrowed) as the reason; timeout and auth classify the failure. */
void collect_done(struct pp_collect *c, struct cdev *d, int64_t ts_ns, int64_t started_mono,
		  const struct cval *vals, size_t n, int ok, int timeout, int auth,
		  const char *err);

#endif
