/* devices.c - the tables of the devices `powerpark collect` reads (Modbus
 * and SNMP, with SNMP credentials) and the profile search path. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_int.h"

#ifndef PP_DATADIR
#define PP_DATADIR "/usr/local/share/powerpark"
#endif

static void add_ppath(struct loader *L, const char *dir, int relative)
{
	char buf[4096];
	if (relative && dir[0] != '/')
		snprintf(buf, sizeof buf, "%s/%s", L->w.dir, dir);
	else
		snprintf(buf, sizeof buf, "%s", dir);
	/* One folder once, however it was named (./profiles and profiles). */
	char real[PATH_MAX], other[PATH_MAX];
	int have = realpath(buf, real) != NULL;
	for (size_t i = 0; i < L->nppath; i++)
		if (!strcmp(L->ppath[i], buf) ||
		    (have && realpath(L->ppath[i], other) && !strcmp(real, other)))
			return;
	const char **np = realloc(L->ppath, (L->nppath + 1) * sizeof *np);
	if (!np)
		abort();
	L->ppath = np;
	L->ppath[L->nppath++] = ystrdup(&L->w, buf, strlen(buf));
}

int config_profile_path(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct loader *L = LD(c);
	if (v && yis(c->w, v, k->name, FYNT_SEQUENCE)) {
		void *it = NULL;
		struct fy_node *n;
		while ((n = fy_node_sequence_iterate(v, &it))) {
			const char *d = yscalar(c->w, n);
			if (d && *d)
				add_ppath(L, d, 1);
			else
				yproblem(c->w, n, "'profile_path': expected folder names");
		}
	}
	add_ppath(L, "profiles", 1);
	add_ppath(L, "conf/profiles", 0);
	/* Where this binary was installed: BIN/../share/powerpark/profiles,
	 * whatever prefix it was built for (make install PREFIX=/x). */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char dir[PATH_MAX + 40];
			snprintf(dir, sizeof dir, "%s/../share/powerpark/profiles", exe);
			add_ppath(L, dir, 0);
		}
	}
	add_ppath(L, PP_DATADIR "/profiles", 0);
	return 0;
}

static const char *const snmp_levels[] = {"noAuthNoPriv", "authNoPriv", "authPriv", NULL};

/* Keys of SNMPv3 only. */
static const char *v3_only(const struct yctx *c)
{
	const struct pp_snmp_cred *s = c->obj;
	if (s->version == 3)
		return NULL;
	return s->version == 1 ? "is for SNMPv3 only (version is 1)"
			       : "is for SNMPv3 only (version is 2c)";
}

static const char *not_v3(const struct yctx *c)
{
	const struct pp_snmp_cred *s = c->obj;
	return s->version == 3 ? "is not used by SNMPv3; give 'user' and keys" : NULL;
}

static int snmp_user(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	if (!v)
		yproblem(c->w, c->map, "SNMPv3 needs 'user'");
	return 0;
}

/* An SNMPv3 user's keys, as its level needs them (RFC 3414: 8 characters). */
static int snmp_keys(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_snmp_cred *s = c->obj;
	if (s->version != 3)
		return 0;
	const char *uname = s->user ? s->user : "?";
	if (s->level >= PP_SNMP_AUTHNOPRIV) {
		if (!s->auth_key)
			yproblem(c->w, c->map, "SNMPv3 user '%s' (%s) has no 'auth_key'", uname,
				 snmp_levels[s->level]);
		else if (strlen(s->auth_key) < 8)
			yproblem(c->w, yget(c->map, "auth_key"),
				 "'auth_key' must be at least 8 characters (RFC 3414)");
	}
	if (s->level == PP_SNMP_AUTHPRIV) {
		if (!s->priv_key)
			yproblem(c->w, c->map, "SNMPv3 user '%s' (authPriv) has no 'priv_key'",
				 uname);
		else if (strlen(s->priv_key) < 8)
			yproblem(c->w, yget(c->map, "priv_key"),
				 "'priv_key' must be at least 8 characters (RFC 3414)");
	}
	return 0;
}

static const char *const snmp_versions[] = {"1", "2c", "3", NULL};
static const char *const snmp_auths[] = {"MD5", "SHA", "SHA-224", "SHA-256", "SHA-384",
					 "SHA-512", NULL};
static const char *const snmp_privs[] = {"DES", "AES", "AES-192", "AES-256", NULL};

static const struct ykey snmp_keys_tab[] = {
	{"version", YT_ENUM, YF_REQ | YF_DEF, YAT(struct pp_snmp_cred, version), .lo = 1, .def = 2,
	 .vals = snmp_versions, .doc = "the SNMP version (absent `snmp`: 2c)"},
	{"community", YT_STR, YF_DEF, YAT(struct pp_snmp_cred, community), .sdef = "public",
	 .when = not_v3, .doc = "v1 and v2c: the community"},
	{"user", YT_STR, YF_ABSENT, YAT(struct pp_snmp_cred, user), .when = v3_only,
	 .set = snmp_user, .doc = "v3: the user (required)"},
	{"level", YT_ENUM, YF_DEF | YF_WHENDEF, YAT(struct pp_snmp_cred, level), .def = 2,
	 .vals = snmp_levels, .when = v3_only, .doc = "v3: the security level"},
	{"auth", YT_ENUM, YF_DEF | YF_WHENDEF | YF_NAMEOF, YAT(struct pp_snmp_cred, auth_proto),
	 .def = 1, .vals = snmp_auths, .when = v3_only, .doc = "v3: the authentication protocol"},
	{"auth_key", YT_STR, 0, YAT(struct pp_snmp_cred, auth_key), .when = v3_only,
	 .doc = "v3: the authentication key, 8 characters or more (levels authNoPriv, authPriv)"},
	{"priv", YT_ENUM, YF_DEF | YF_WHENDEF | YF_NAMEOF, YAT(struct pp_snmp_cred, priv_proto),
	 .def = 1, .vals = snmp_privs, .when = v3_only, .doc = "v3: the privacy protocol"},
	{"priv_key", YT_STR, 0, YAT(struct pp_snmp_cred, priv_key), .when = v3_only,
	 .doc = "v3: the privacy key, 8 characters or more (level authPriv)"},
	{"", YT_CHECK, .set = snmp_keys},
};

static const struct yobj snmp_obj = {
	.what = "snmp", .title = "devices[].snmp",
	.doc = "How an SNMP device is spoken to (SNMP devices only).", YKEYS(snmp_keys_tab),
};

/* Redfish credentials: a session (POST .../SessionService/Sessions, the
 * X-Auth-Token) or basic auth; TLS verified unless told otherwise. */
static int redfish_check(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_redfish_cred *r = c->obj;
	if (!r->https && r->ca_file)
		yproblem(c->w, yget(c->map, "ca_file"), "'ca_file' is for https; scheme is http");
	return 0;
}

static const char *const rf_schemes[] = {"http", "https", NULL};
static const char *const rf_auths[] = {"session", "basic", NULL};

static const struct ykey redfish_keys_tab[] = {
	{"scheme", YT_ENUM, YF_DEF, YAT(struct pp_redfish_cred, https), .def = 1,
	 .vals = rf_schemes, .doc = "http or https"},
	{"auth", YT_ENUM, YF_DEF, YAT(struct pp_redfish_cred, auth), .def = 0, .vals = rf_auths,
	 .doc = "a Redfish session (X-Auth-Token, logged in again on 401, deleted at exit) or "
		"basic auth on every request"},
	{"user", YT_STR, YF_REQ, YAT(struct pp_redfish_cred, user), .doc = "the account"},
	{"password", YT_STR, YF_REQ, YAT(struct pp_redfish_cred, password),
	 .doc = "its password"},
	{"verify", YT_BOOL, YF_DEF, YAT(struct pp_redfish_cred, verify), .def = 1,
	 .doc = "verify the service's TLS certificate and name (false: logged as a warning)"},
	{"ca_file", YT_PATH, 0, YAT(struct pp_redfish_cred, ca_file),
	 .doc = "PEM file of the CA(s) to verify it with (default: the system's)"},
	{"", YT_CHECK, .set = redfish_check},
};

static const struct yobj config_redfish_obj = {
	.what = "redfish", .title = "devices[].redfish",
	.doc = "How a Redfish service (a BMC, a PDU) is spoken to (Redfish devices only; required "
	       "there).", YKEYS(redfish_keys_tab),
};

/* A Redfish device needs its credentials. */
static int device_redfish(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_device *d = c->obj;
	if (d->proto == PP_PROTO_REDFISH && !yget(c->map, "redfish"))
		yproblem(c->w, c->map, "device: a Redfish device needs 'redfish' (user, password)");
	return 0;
}

/* Every device takes a slot in the namespace, so that indexes match. */
static int device_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	struct pp_device *d = c->obj;
	if (!d->name)
		d->name = "";
	yname_add(LD(c), &LD(c)->devices, "device", d->name, yposn(c->w, v));
	return 0;
}

static void device_bad(struct yctx *c)
{
	struct pp_device *d = c->obj;
	d->name = "";
	yname_add(LD(c), &LD(c)->devices, "device", "", d->pos);
}

/* A device that can never be read on time is an error. */
static int device_timing(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_device *d = c->obj;
	struct fy_node *t = yget(c->map, "timeout_ms");
	if (d->timeout_ms * (d->retries + 1) > d->interval_ms && t)
		yproblem(c->w, t, "timeout_ms x (retries + 1) = %d ms exceeds interval_ms %d: the "
			 "device could never be read on time", d->timeout_ms * (d->retries + 1),
			 d->interval_ms);
	return 0;
}

/* The keys after the protocol's depend on it: no protocol, no more. */
static int device_proto(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	return yok(c, "protocol") ? 0 : YSTOP;
}

static int is_modbus(const struct yctx *c)
{
	enum pp_proto p = ((const struct pp_device *)c->obj)->proto;
	return p == PP_PROTO_MODBUS_TCP || p == PP_PROTO_MODBUS_RTU;
}

static const char *for_modbus(const struct yctx *c)
{
	return is_modbus(c) ? NULL : "is for Modbus devices";
}

static const char *for_snmp(const struct yctx *c)
{
	return ((const struct pp_device *)c->obj)->proto != PP_PROTO_SNMP
		       ? "is for SNMP devices" : NULL;
}

static const char *modbus_only(const struct yctx *c)
{
	return is_modbus(c) ? NULL : "";
}

static const char *for_redfish(const struct yctx *c)
{
	return ((const struct pp_device *)c->obj)->proto != PP_PROTO_REDFISH
		       ? "is for Redfish devices" : NULL;
}

/* A Redfish device reads what its service root leads to: no profile. */
static const char *not_redfish(const struct yctx *c)
{
	return ((const struct pp_device *)c->obj)->proto == PP_PROTO_REDFISH
		       ? "is not used by Redfish devices (what they read is found from the "
			 "service root)" : NULL;
}

static const char *rtu_only(const struct yctx *c)
{
	return ((const struct pp_device *)c->obj)->proto != PP_PROTO_MODBUS_RTU ? "" : NULL;
}

static int device_address(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_device *d = c->obj;
	struct fy_node *a = yget(c->map, "address");
	if (d->address && d->proto != PP_PROTO_MODBUS_RTU) {
		const char *colon = strrchr(d->address, ':');
		char *end = NULL;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (!colon || colon == d->address || !end || *end || port < 1 || port > 65535)
			yproblem(c->w, a, "'address': expected host:port (e.g. 127.0.0.1:502), got "
				 "'%s'", d->address);
	} else if (d->address && d->address[0] != '/') {
		yproblem(c->w, a, "'address': a Modbus RTU device is a serial port path like "
			 "/dev/ttyUSB0, got '%s'", d->address);
	}
	return 0;
}

static int device_profile(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	struct pp_device *d = c->obj;
	if (!v) {
		yproblem(c->w, c->map, "%s: missing required key 'profile'", c->o->what);
		return 0;
	}
	d->profile = config_profile(LD(c), d->profile_name, yposn(c->w, v),
				    d->proto == PP_PROTO_SNMP);
	return 0;
}

static const char *const protocols[] = {"modbus-tcp", "modbus-rtu", "snmp", "redfish", NULL};
static const char *const parities[] = {"none", "even", "odd", NULL};

static const struct ykey device_keys[] = {
	{"name", YT_STR, YF_REQ | YF_ANYWAY, YAT(struct pp_device, name), .set = device_name,
	 .doc = "the device's name"},
	{"protocol", YT_ENUM, YF_REQ, YAT(struct pp_device, proto), .vals = protocols,
	 .doc = "how it is read"},
	{"address", YT_STR, YF_REQ, YAT(struct pp_device, address),
	 .doc = "host:port, or for Modbus RTU the serial port (/dev/ttyUSB0)"},
	{"interval_ms", YT_INT, YF_DEF, YAT(struct pp_device, interval_ms), .lo = 10,
	 .hi = 86400000, .def = 1000, .doc = "how often it is read, ms"},
	{"timeout_ms", YT_INT, YF_DEF, YAT(struct pp_device, timeout_ms), .lo = 1, .hi = 600000,
	 .def = 500, .doc = "how long a request may take, ms (x (retries + 1) within the "
			    "interval)"},
	{"retries", YT_INT, YF_DEF, YAT(struct pp_device, retries), .hi = 10, .def = 1,
	 .doc = "requests repeated after a timeout"},
	{"", YT_CHECK, .set = device_timing},
	{"", YT_CHECK, .set = device_proto},
	{"unit_id", YT_INT, YF_DEF, YAT(struct pp_device, unit_id), .hi = 247, .def = 1,
	 .when = for_modbus, .doc = "Modbus: the unit (slave) id"},
	{"snmp", YT_OBJ, 0, YAT(struct pp_device, snmp), .sub = &snmp_obj, .when = for_snmp,
	 .doc = "SNMP: version and credentials"},
	{"max_regs", YT_INT, YF_DEF, YAT(struct pp_device, max_regs), .lo = 1, .hi = 125,
	 .def = 125, .when = modbus_only, .doc = "Modbus: registers a request reads at most"},
	{"max_gap", YT_INT, YF_DEF, YAT(struct pp_device, max_gap), .hi = 124, .def = 8,
	 .when = modbus_only, .doc = "Modbus: unused registers a merged read may span"},
	{"pause_after_connect_ms", YT_INT, 0, YAT(struct pp_device, pause_connect_ms),
	 .hi = 60000, .when = modbus_only,
	 .doc = "Modbus: the wait after connecting (slow gateways), ms"},
	{"pause_between_ms", YT_INT, 0, YAT(struct pp_device, pause_between_ms), .hi = 60000,
	 .when = modbus_only, .doc = "Modbus: the wait between requests, ms"},
	{"frame_gap_ms", YT_INT, 0, YAT(struct pp_device, frame_gap_ms), .hi = 10000,
	 .when = modbus_only, .doc = "Modbus: the least silence on its line (serial path or "
				      "connection) after any exchange, ms; a line keeps its "
				      "devices' largest"},
	{"turnaround_ms", YT_INT, 0, YAT(struct pp_device, turnaround_ms), .hi = 10000,
	 .when = modbus_only, .doc = "Modbus: the wait on its line before a request to another "
				      "unit than the last, ms (a serial gateway's turnaround); a "
				      "line keeps its devices' largest"},
	{"baud", YT_INT, YF_DEF, YAT(struct pp_device, baud), .lo = 300, .hi = 4000000,
	 .def = 19200, .when = rtu_only, .doc = "Modbus RTU: the line speed"},
	{"parity", YT_ENUM, YF_DEF, YAT(struct pp_device, parity), .vals = parities, .def = 0,
	 .when = rtu_only, .ddoc = "none", .doc = "Modbus RTU: the line's parity"},
	{"data_bits", YT_INT, YF_DEF, YAT(struct pp_device, data_bits), .lo = 7, .hi = 8, .def = 8,
	 .when = rtu_only, .doc = "Modbus RTU: data bits per character"},
	{"stop_bits", YT_INT, YF_DEF, YAT(struct pp_device, stop_bits), .lo = 1, .hi = 2, .def = 1,
	 .when = rtu_only, .doc = "Modbus RTU: stop bits"},
	{"", YT_CHECK, .set = device_address},
	{"", YT_CHECK, .set = device_redfish},
	{"profile", YT_STR, YF_ABSENT, YAT(struct pp_device, profile_name), .set = device_profile,
	 .when = not_redfish,
	 .doc = "the register or OID map: NAME.yaml on the profile path (required; not for Redfish)"},
	{"redfish", YT_OBJ, 0, YAT(struct pp_device, redfish), .sub = &config_redfish_obj,
	 .when = for_redfish, .doc = "Redfish: scheme, authentication and TLS"},
	{"hall", YT_STR, 0, YAT(struct pp_device, hall), YPOS(struct pp_device, hall_pos),
	 .doc = "the hall it feeds or serves (a UPS, a hall meter): its readings' `hall` tag"},
};

const struct yobj config_device_obj = {
	.what = "device", .title = "devices[]",
	.doc = "A meter, PDU, UPS, chiller or CDU that `powerpark collect` reads.",
	YKEYS(device_keys), .size = sizeof(struct pp_device), YPOS(struct pp_device, pos),
	.bad = device_bad,
};
