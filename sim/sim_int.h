/* sim_int.h - what the simulated park's files share. */
#ifndef PP_SIM_INT_H
#define PP_SIM_INT_H

#include <stdint.h>
#include <sys/epoll.h>

#include "powerpark/gpu.h"
#include "powerpark/json.h"
#include "powerpark/sim.h"

#define PP_SIM_MAX_EVENTS 256 /* epoll events taken per wait */
#define PP_SIM_MAX_FDS 65536  /* the fd set net-snmp reads from */
#define PP_SIM_BACKLOG 64     /* pending connections on a listener */
#define PP_SIM_TICK_MS 5      /* the loop's longest wait: delayed answers go out on time */

struct sim_rack {
	const struct pp_rack *r;
	const struct pp_gpu_model *gpu; /* from models/ (static) */
	double tdp_w;           /* per GPU */
	double demand;          /* fraction of TDP the work wants */
	double cap_w;           /* per-GPU cap in force */
	double swing_hz;        /* a synchronous job: compute and communication phases */
	double swing_lo;        /* ... the fraction of TDP it wants while communicating */
	double floor_w;         /* per-GPU power floor (power smoothing), 0 = none */
	size_t hall;            /* index of its hall in cfg->halls */
};

/* One served device. */
struct sdev {
	const struct pp_device *dev;
	struct sim_rack *rack;          /* rack it meters, or NULL */
	const struct pp_equip *equip;   /* plant equipment, or NULL */
	const struct pp_plant *plant;
	int served;
	const char *skip_why;
	enum pp_sim_fault_kind fault;
	int fault_arg;
	void *proto;                    /* sim_snmp.c / sim_modbus.c state */
	uint64_t requests;
};

/* What the event loop calls back when an fd it watches is readable. */
struct sim_watch {
	void (*on_ready)(struct pp_sim *s, struct sim_watch *w);
	int fd;
};

struct pp_sim {
	const struct pp_config *cfg;
	struct pp_sim_opts opts;
	int ep;
	int64_t t0_mono;
	struct sim_rack *racks;
	size_t nracks;
	struct sdev *devs;
	size_t ndevs;
	void *snmp, *modbus;            /* protocol engines */
	struct sim_watch ctl;
	char ctl_addr[64];
	unsigned rng;
	/* Each hall's IT draw, summed once per pass of the event loop: a plant
	 * device's fields all read it, and summing every rack per field made the
	 * sim, not the collector, the bottleneck of a 10,000-device bench. */
	double *hall_w;
	unsigned long *hall_pass; /* the pass hall_w[h] was summed in (0: never) */
	unsigned long pass;
};

/* Builds the racks and devices of s->cfg into s (sim_park.c). */
PP_WUR enum pp_err sim_park_init(struct pp_sim *s, struct pp_errbuf *eb);

/* Rack power in W now: base load plus each GPU at min(cap, demand). */
double sim_rack_w(struct pp_sim *s, const struct sim_rack *r);

/* Registers w (borrowed, must outlive the sim) for readability. */
int sim_watch_add(struct pp_sim *s, struct sim_watch *w);
void sim_watch_del(struct pp_sim *s, struct sim_watch *w);

/* Seconds since the sim started (0 when frozen), and a noise factor around 1. */
double sim_elapsed(struct pp_sim *s);
double sim_noise(struct pp_sim *s, double rel);

/* Number of rows a table field of d has (outlets, output lines). */
int sim_table_rows(const struct sdev *d, const struct pp_pfield *f);

/* The engineering value (after scale) field f of d reads now, row 1-based
 * for table fields (0 for scalars); kept inside the field's valid range. */
double sim_value(struct pp_sim *s, struct sdev *d, const struct pp_pfield *f, int row);

/* The text of an as_tag column (a name), into out (borrowed, len). */
void sim_label(const struct sdev *d, const struct pp_pfield *f, int row, char *out, size_t len);

/* Protocol engines: open every device they serve, handle their fds. */
PP_WUR enum pp_err sim_snmp_open(struct pp_sim *s, struct pp_errbuf *eb);
void sim_snmp_tick(struct pp_sim *s);   /* sends delayed answers that are due */
void sim_snmp_close(struct pp_sim *s);
PP_WUR enum pp_err sim_modbus_open(struct pp_sim *s, struct pp_errbuf *eb);
void sim_modbus_tick(struct pp_sim *s);
void sim_modbus_close(struct pp_sim *s);
/* The Modbus gateways served, as a JSON array into j. */
void sim_modbus_describe(struct pp_sim *s, struct pp_json *j);

#endif
