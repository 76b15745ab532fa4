/* driver.h - what a protocol driver is, and the interface it reports to.
 *
 * The drivers sit below the collect engine (collect.c): they poll devices
 * on their own threads and hand each poll's readings to a struct drv_sink
 * that the engine fills in. So a driver depends on this header, the config
 * and core, and on nothing of the engine above it. */
#ifndef PP_DRIVER_H
#define PP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"
#include "powerpark/err.h"
#include "powerpark/metric.h"

#define PP_MAX_POLL_ERROR 160          /* a poll's error text, with its NUL */
#define PP_DRV_MAX_BACKOFF_MS 60000    /* reconnect / reopen back-off at most */
#define PP_MB_DEFAULT_WORKERS 64       /* Modbus workers when not configured */

struct pp_driver;

/* One device as its driver sees it. The engine owns an array of them, one
 * per configured device in the config's order. */
struct drv_dev {
	const struct pp_device *dev;     /* borrowed from the config */
	const struct pp_driver *driver;  /* the driver that matched it */
	size_t index;                    /* its place in the engine's array */
	void *ctx;                       /* the driver's own (configure/close) */
	int64_t due_ns;                  /* monotonic time of its next poll */
};

/* One reading of one field: a number, or (as_tag columns) a string; index
 * is the table row ("" for scalars). Strings are borrowed. */
struct drv_val {
	const struct pp_pfield *f;
	const char *name;   /* NULL: f->name (a counter's rate has its own) */
	const char *index;
	double v;
	const char *s;
};

/* The end of one poll. ok = 0 marks the device down with err as the
 * reason; timeout and auth classify the failure. */
struct drv_poll {
	int64_t ts_ns;                 /* wall clock of the readings */
	int64_t started_mono_ns;       /* when the poll began */
	const struct drv_val *vals;    /* borrowed for the call */
	size_t n;
	int ok, timeout, auth;
	const char *err;               /* borrowed; NULL: "error" */
	/* Requests of the poll that failed while others delivered (a Modbus
	 * block answered with an exception): the device is up, its values
	 * partial. */
	int failed_parts;
};

/* What a driver reports to (the engine's; borrowed by the driver for its
 * life). Every callback may be called from the driver's threads at once. */
struct drv_sink {
	void *ud;
	int once;             /* poll every device once, then stop */
	int modbus_workers;   /* 0: min(Modbus devices, PP_MB_DEFAULT_WORKERS) */
	/* First poll time of d: spread over its interval. */
	int64_t (*first_due)(void *ud, const struct drv_dev *d, int64_t now_ns);
	/* The next due time after a poll due at due that started at
	 * started_ns; missed slots are skipped and counted as late. */
	int64_t (*next_due)(void *ud, struct drv_dev *d, int64_t due, int64_t started_ns);
	/* raw after scale/offset into *out when in range (0), else a range
	 * drop is counted on d (-1). */
	int (*scale)(void *ud, struct drv_dev *d, const struct pp_pfield *f, double raw,
		     double *out);
	/* A value that is no number at all: counted as a range drop. */
	void (*range_drop)(void *ud, struct drv_dev *d);
	/* One sample of d that its driver built itself (Redfish: what the
	 * service offers, no profile): measurement meas, the row's own tags
	 * (after the device's location tags), fields, all borrowed for the
	 * call. */
	void (*emit)(void *ud, struct drv_dev *d, const char *meas, const struct pp_tag *tags,
		     size_t ntags, const struct pp_field *fields, size_t nfields, int64_t ts_ns);
	/* Ends one poll of d: its readings and its health. */
	void (*done)(void *ud, struct drv_dev *d, const struct drv_poll *p);
};

/* A protocol driver: per-device configure/close, and an engine that polls
 * its devices (threads of its own) until told to stop. */
struct pp_driver {
	const char *name;
	int (*match)(const struct pp_device *d);
	/* Sets up devs[i] (its ctx); devs[0..i) are set up already (RTU
	 * devices on one serial line share it). On error ctx may be half
	 * built: close frees it. */
	PP_WUR enum pp_err (*configure)(struct drv_dev *devs, size_t i, struct pp_errbuf *eb);
	void (*close)(struct drv_dev *d);
	/* An engine over devs[0..n) (the devices this driver matched;
	 * borrowed, as is s, until stop). */
	PP_WUR enum pp_err (*start)(const struct drv_sink *s, struct drv_dev **devs, size_t n,
				    void **engine, struct pp_errbuf *eb);
	void (*stop)(void *engine);
};

extern const struct pp_driver pp_driver_modbus;
extern const struct pp_driver pp_driver_snmp;
extern const struct pp_driver pp_driver_redfish;

#endif
