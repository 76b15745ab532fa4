/* config.h - the site configuration (YAML): site and grid, power tree,
 * cooling plants, devices and their profiles, outputs, API.
 *
 * pp_config_load reads a file and reports every problem it finds, each as
 * "FILE:LINE:COLUMN: message", naming the file that holds it (a profile file
 * included). A loaded config is read-only and owns all of its strings.
 *
 * The config layer checks syntax, types, ranges and the references inside
 * the files; which GPU and chiller models exist is the models layer's to
 * say: pp_catalog_load_config (catalog.h) loads a config and checks its
 * model names too, and is what commands call. Every key is a row of a table
 * in config/ (pp_config_keys prints them; docs/config.md). */
#ifndef PP_CONFIG_H
#define PP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "powerpark/diag.h"
#include "powerpark/err.h"

/* The kinds of work a park runs, as configs, plans and schedulers name
 * them; each has its own power->throughput curve (curve.h). */
enum pp_job_class { PP_JOB_TRAINING, PP_JOB_INFERENCE, PP_JOB_BATCH };
#define PP_JOB_CLASSES 3

/* The class named name (borrowed: "training", "inference", "batch"), or -1
 * for an unknown name or NULL. */
int pp_config_job_class(const char *name);

/* The name of class c (static), or "?" for a value out of range. */
const char *pp_config_job_class_name(int c);

/* How GPU caps are chosen: powerpark's optimizer, or a baseline to compare
 * it with. One list for the solver, the planner's years and the scenario
 * day; "proportional" always keeps every limit. */
enum pp_policy {
	PP_POLICY_STATIC,       /* one cap fraction for every GPU, sized for all of
				 * them at full demand; keeps every limit */
	PP_POLICY_PROPORTIONAL, /* every running GPU capped by one common factor, the
				 * highest that keeps every limit; nothing deferred */
	PP_POLICY_UNIFORM,      /* one factor per limit (rack, row, hall, plant,
				 * grid) applied to every GPU below it, each the
				 * largest that keeps it: hierarchical capping */
	PP_POLICY_PRIORITY,     /* the same walk, capping the lowest weight under
				 * a limit first, uniformly within a weight */
	PP_POLICY_OPTIMAL,      /* powerpark's optimizer: caps, deferral, shedding */
	PP_POLICY_GRID_PROPORTIONAL, /* one common factor that keeps only the grid
				 * meter under its limit, as a site without
				 * powerpark does (the scenario day's baseline) */
	PP_POLICIES
};

/* The policy called name (borrowed: "static", "proportional", "optimizer"
 * or "optimal", "grid-proportional", "uniform", "priority"), or -1. */
int pp_config_policy(const char *name);

/* The name of policy p (static), or "?" out of range. */
const char *pp_config_policy_name(int p);

struct pp_grid_event {
	const char *name;
	int64_t start_s, end_s; /* Unix seconds, UTC */
	double limit_kw;
	struct pp_pos pos;
};

struct pp_site {
	const char *name;
	const char *region;
	double margin;          /* fraction of every limit held back, 0..0.5 */
	double import_limit_kw; /* contracted grid import limit */
	double ramp_kw_per_min; /* 0 = none */
	double osc_alert_kw;    /* 0.1-3 Hz swing amplitude that alerts; 0 = none */
	double keep[3];         /* per job class: the share of its throughput (at its
				 * demand) the controller keeps while that pauses
				 * nothing; 0 = none */
	double osc_floor[3];    /* power floor per job class (enum pp_job_class) as a
				 * fraction of the cap, while such a job runs; 0 = none */
	double other_kw;        /* loads that are neither IT nor cooling */
	const char *weather_epw; /* an EPW year for forecasts (path), or NULL */
	struct pp_pos weather_pos;
	struct pp_grid_event *events;
	size_t nevents;
};

struct pp_device;

#define PP_RACK_MAX_GPUS 4096  /* GPUs a rack may hold */
#define PP_RACK_MAX_HOSTS 256  /* compute nodes a rack may hold */

struct pp_rack {
	const char *name;
	double limit_kw;
	double base_kw;       /* non-GPU power (CPUs, fans, network) */
	int gpus;
	const char *gpu_model;  /* a name, checked by the model catalog */
	const char *device_name;
	struct pp_device *device; /* resolved; NULL when none */
	/* Its compute nodes (Slurm's nodes; "hosts" here, since a node is a
	 * power-tree node in this code): nhosts names of gpus_per_host GPUs
	 * each, in GPU order (host k holds GPUs k x gpus_per_host ...). None
	 * when the config does not name them: the rack is then one host. */
	const char *nodes;      /* the host list as written (Slurm's syntax) */
	const char **hosts;     /* expanded */
	size_t nhosts;
	int gpus_per_host;
	struct pp_pos pos;
	struct pp_pos gpu_model_pos, device_pos, nodes_pos; /* of those values */
};

struct pp_row {
	const char *name;
	double limit_kw;
	struct pp_rack *racks;
	size_t nracks;
	struct pp_pos pos;
};

struct pp_hall {
	const char *name;
	double limit_kw;
	double base_kw;
	struct pp_row *rows;
	size_t nrows;
	struct pp_pos pos;
};

enum pp_equip_kind { PP_EQ_CHILLER, PP_EQ_TOWER, PP_EQ_DRYCOOLER, PP_EQ_CDU };

struct pp_equip {
	const char *name;
	enum pp_equip_kind kind;
	const char *model;      /* chillers: a named model (the model catalog checks it) */
	double capacity_kw;
	const char *hall;       /* CDUs: the hall whose loop it serves */
	const char *device_name;
	struct pp_device *device;
	struct pp_pos pos;
	struct pp_pos model_pos; /* of the model's name */
};

struct pp_plant {
	const char *name;
	const char **serves;    /* hall names */
	struct pp_pos *serves_pos; /* where each is written */
	size_t nserves;
	int reserve;            /* chillers held back for N+k redundancy */
	double chw_supply_c;    /* chilled/loop water supply set point */
	struct pp_equip *equip;
	size_t nequip;
	struct pp_pos pos;
};

enum pp_proto { PP_PROTO_MODBUS_TCP, PP_PROTO_MODBUS_RTU, PP_PROTO_SNMP, PP_PROTO_REDFISH };

enum pp_mb_func { PP_MB_COIL = 1, PP_MB_DISCRETE = 2, PP_MB_HOLDING = 3, PP_MB_INPUT = 4 };
enum pp_vtype { PP_VT_INT16, PP_VT_UINT16, PP_VT_INT32, PP_VT_UINT32, PP_VT_INT64,
		PP_VT_UINT64, PP_VT_FLOAT32, PP_VT_FLOAT64, PP_VT_BIT };

/* The 16-bit registers a value of type t takes (1 for a bit): the one table
 * the profile loader and the Modbus drivers read. */
int pp_config_vtype_regs(enum pp_vtype t);
enum pp_order { PP_ORD_ABCD, PP_ORD_CDAB, PP_ORD_BADC, PP_ORD_DCBA };

#define PP_FIELD_MAX_EVERY 86400 /* a field read on 1 of every N polls at most */

struct pp_pfield {
	const char *name;        /* metric field name, unit in the name (power_w) */
	const char *unit;
	double scale, offset;    /* value = raw * scale + offset */
	double min, max;         /* valid range; outside is dropped and counted */
	int every;               /* read on 1 of every N of the device's polls (>= 1) */
	/* Modbus */
	enum pp_mb_func func;
	int reg;                 /* 0-based register or coil address */
	enum pp_vtype vtype;
	enum pp_order order;
	int bit;                 /* -1, or the bit of a 16-bit register */
	/* SNMP */
	const char *oid;         /* numeric, dotted */
	int table;               /* walk the column, index becomes a tag */
	const char *index_tag;
	int counter;             /* a counter: also write a rate */
	int as_tag;              /* a table column whose value tags its row */
	int index_suffix;        /* -1, or: only rows whose index ends in .N, tagged without it */
	const char *digits_oid;  /* NULL, or a column whose value d at the row scales it by 10^-d */
	struct pp_pos pos;
};

struct pp_profile {
	const char *name;
	const char *file;
	int snmp;                /* 1 = SNMP profile, 0 = Modbus */
	const char *measurement;
	const char *source;      /* the document the map follows */
	struct pp_pfield *fields;
	size_t nfields;
};

enum pp_snmp_level { PP_SNMP_NOAUTH, PP_SNMP_AUTHNOPRIV, PP_SNMP_AUTHPRIV };

struct pp_snmp_cred {
	int version;             /* 1, 2 (2c) or 3 */
	const char *community;
	const char *user;
	enum pp_snmp_level level;
	const char *auth_proto;  /* MD5, SHA, SHA-256, SHA-512 */
	const char *auth_key;
	const char *priv_proto;  /* DES, AES */
	const char *priv_key;
};

/* How a Redfish service (a BMC, a PDU) is spoken to (docs/collectors.md). */
enum pp_redfish_auth { PP_RF_AUTH_SESSION, PP_RF_AUTH_BASIC };

struct pp_redfish_cred {
	int https;               /* 1: https (the default), 0: plain http */
	enum pp_redfish_auth auth;
	const char *user;
	const char *password;
	int verify;              /* verify the service's TLS certificate (default 1) */
	const char *ca_file;     /* PEM CA bundle to verify it with; NULL: the system's */
};

struct pp_device {
	const char *name;
	enum pp_proto proto;
	const char *address;     /* host:port, or a serial device for RTU */
	int unit_id;
	int interval_ms, timeout_ms, retries;
	int baud;                /* RTU */
	int parity;              /* RTU: 0 none, 1 even, 2 odd */
	int data_bits, stop_bits; /* RTU: 7 or 8, 1 or 2 */
	int max_regs;            /* Modbus: registers per request, <= 125 */
	int max_gap;             /* Modbus: unused registers a merged read may span */
	int pause_connect_ms;    /* Modbus: wait after connecting (slow gateways) */
	int pause_between_ms;    /* Modbus: wait between requests */
	int frame_gap_ms;        /* Modbus: least silence on its line after any exchange */
	int turnaround_ms;       /* Modbus: wait on its line when the unit changes */
	const char *profile_name;
	struct pp_profile *profile; /* NULL for Redfish (what it reads is discovered) */
	struct pp_snmp_cred snmp;
	struct pp_redfish_cred redfish; /* Redfish: scheme, auth, TLS */
	const char *hall;        /* the hall it feeds or serves (a UPS), for its tag; or NULL */
	struct pp_pos hall_pos;
	struct pp_pos pos;
};

enum pp_out_type { PP_OUT_INFLUXDB, PP_OUT_VICTORIA, PP_OUT_FILE };

struct pp_output_conf {
	const char *name;
	enum pp_out_type type;
	const char *url;         /* HTTP: the full /write URL */
	const char *token;       /* HTTP: sent as "Authorization: Bearer TOKEN"; NULL: none */
	const char *path;        /* file: directory of .lp files */
	int unsigned_ok;         /* write `u` fields (off for InfluxDB 1.x) */
	int gzip;
	size_t batch_lines, batch_bytes;
	int flush_ms, timeout_ms, retry_max_ms;
	size_t queue_batches;
	const char *spool_dir;   /* NULL: no spool */
	uint64_t spool_max_bytes;
	uint64_t rotate_bytes;   /* file output */
	int keep;
	struct pp_pos pos;
};

/* Fills o's batching, timing, spool and rotation settings with the
 * defaults an `outputs` entry gets (docs/outputs.md; the defaults of the
 * outputs table); names, type and addresses are left alone. */
void pp_config_output_defaults(struct pp_output_conf *o);

struct pp_api_token {
	const char *name;
	const char *token;
	unsigned scopes;         /* PP_SCOPE_* */
};
#define PP_SCOPE_READ 1u
#define PP_SCOPE_WRITE 2u
#define PP_SCOPE_LEASE 4u
#define PP_SCOPE_ADMIN 8u

struct pp_api_conf {
	const char *listen;      /* host:port, 127.0.0.1:8080 by default */
	const char *tls_cert;    /* PEM files; both or neither (then plain HTTP) */
	const char *tls_key;
	struct pp_api_token *tokens;
	size_t ntokens;
};

/* High availability of `powerpark optimize` (docs/ha.md): absent (netcd 0),
 * one process leads alone as before. */
#define PP_HA_ETCD_MAX 8
struct pp_ha_conf {
	const char *etcd[PP_HA_ETCD_MAX]; /* the etcd members' client URLs */
	size_t netcd;
	const char *name;        /* this replica (`optimize --ha-name` overrides) */
	const char *url;         /* where clients reach this replica (`--ha-url`; NULL:
				  * http:// and the listen address) */
	double lease_s;          /* the etcd lease that bounds a leader's authority */
	const char *prefix;      /* the keys' prefix in etcd */
};

/* A job of a `powerpark run` scenario (expanded: one entry per job). */
struct pp_scen_job {
	const char *name;
	int cls;                 /* enum pp_job_class */
	double weight;           /* priority in the optimizer's objective */
	const char *hall;        /* where it runs; NULL: any hall with free racks */
	int racks;               /* whole racks it takes */
	double demand_lo, demand_hi; /* fraction of the GPU's maximum it wants, over the day */
	int deferrable;          /* the scheduler may hold it until powerpark says it fits */
	double arrive_h;         /* hours after the scenario's start; 0 = running at start */
	double run_h;            /* hours of work at full speed; 0 = all day */
	struct pp_pos pos;
};

/* An equipment fault of a scenario: a chiller trips at at_h and is back at until_h. */
struct pp_scen_fault {
	const char *chiller;
	double at_h, until_h;
	struct pp_pos pos;
};

/* A grid signal of a scenario: a demand-response request that arrives at
 * at_h for the window [start_h, end_h) (start_h = at_h: no warning), a cut
 * of the site's draw when it arrives (cut, 0..0.9) or a limit (limit_kw);
 * the site has response_s from the start to get under it. */
struct pp_scen_signal {
	double at_h, start_h, end_h;
	double cut, limit_kw;
	double response_s;
	struct pp_pos pos;
};

/* The `scenario` section: what `powerpark run` plays on the park above. */
struct pp_scenario {
	const char *name;
	const char *description;
	int64_t start_s;         /* Unix seconds of hour 0 */
	double utc_offset_h;     /* local time = UTC + this, for the clock shown */
	double hours;            /* length of the day played */
	int step_s;              /* control period in simulated seconds */
	const char *weather_source;
	double (*weather)[3];    /* hourly: dry bulb C, dew point C, pressure Pa (hour-ending) */
	size_t nweather;
	struct pp_scen_job *jobs;
	size_t njobs;
	struct pp_scen_fault *faults;
	size_t nfaults;
	struct pp_scen_signal *signals;
	size_t nsignals;
	struct pp_pos pos;
};

struct pp_config {
	const char *file;
	/* 1 when the file has a park (power and site.grid); 0 for a
	 * collector's config (devices, profiles, outputs), which `collect`,
	 * `check` and `send` take and the commands that control a park refuse. */
	int park;
	struct pp_site site;
	double site_limit_kw;    /* the site's main breaker (power.limit_kw) */
	struct pp_hall *halls;
	size_t nhalls;
	struct pp_plant *plants;
	size_t nplants;
	struct pp_device *devices;
	size_t ndevices;
	struct pp_profile **profiles;
	size_t nprofiles;
	struct pp_output_conf *outputs;
	size_t noutputs;
	struct pp_api_conf api;
	struct pp_ha_conf ha;
	struct pp_scenario *scenario; /* NULL unless the file has a `scenario` section */
	void *priv_;             /* allocations, freed by pp_config_destroy */
};

/* Loads and validates the site configuration at path (borrowed). On success
 * *out receives the config (taken; free with pp_config_destroy) and PP_OK is
 * returned. Otherwise every problem found is appended to diags (borrowed) and
 * PP_ERR_CONFIG returned, *out left NULL. Profiles named by devices are looked
 * up as NAME.yaml in profile_path (relative to the config file's folder),
 * then ./conf/profiles and PP_DATADIR/profiles. */
PP_WUR enum pp_err pp_config_load(const char *path, struct pp_config **out,
				  struct pp_diags *diags);

/* Like pp_config_load for YAML text held in memory (borrowed); name is used in
 * messages, base_dir for relative profile paths (both borrowed, may be NULL). */
PP_WUR enum pp_err pp_config_load_text(const char *name, const char *text, size_t len,
				       const char *base_dir, struct pp_config **out,
				       struct pp_diags *diags);

/* Reads a configuration like pp_config_load (text NULL: the file at name)
 * or pp_config_load_text (text: len bytes of YAML; name NULL: "<text>";
 * base_dir NULL: the file's folder, or "." for text), but *out receives
 * what was read (taken; pp_config_destroy) also when problems were found
 * and PP_ERR_CONFIG is returned, so that the layers above can check what
 * the config layer does not know (catalog.h). *out is NULL only with
 * PP_ERR_NOMEM. All pointers borrowed. */
PP_WUR enum pp_err pp_config_read(const char *name, const char *text, size_t len,
				  const char *base_dir, struct pp_config **out,
				  struct pp_diags *diags);

/* Prints the reference of every key of a site configuration, a device
 * profile and a plan file to f (borrowed), as Markdown made from the tables
 * the loaders read with: what `powerpark check --keys` prints and
 * docs/config.md holds. */
void pp_config_keys(FILE *f);

/* Frees a config and everything it owns; NULL is fine. */
void pp_config_destroy(struct pp_config *cfg);

/* Prints a one-screen summary (halls, racks, GPUs, limits per level, devices
 * per protocol, plants, outputs) to f (borrowed). */
void pp_config_summary(const struct pp_config *cfg, FILE *f);

/* Totals over the power tree. */
struct pp_config_totals {
	size_t halls, rows, racks, gpus, hosts; /* hosts: compute nodes named */
	double hall_kw, row_kw, rack_kw;
	size_t devices_by_proto[PP_PROTO_REDFISH + 1]; /* by enum pp_proto */
	double chiller_kw;
};
void pp_config_totals(const struct pp_config *cfg, struct pp_config_totals *t);

#endif
