/* outputs.c - the tables of the outputs measurements go to (InfluxDB,
 * VictoriaMetrics, line-protocol files) and of the optimizer's HTTP API
 * with its tokens. */
#include <stdio.h>
#include <string.h>

#include "config_int.h"

static int output_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	return yname_unique(c, k, v, &LD(c)->outputs, "output");
}

static const char *output_name_of(const struct pp_output_conf *o)
{
	return o->name ? o->name : "?";
}

/* `unsigned` is on by default where the server takes `u` fields. */
static int output_unsigned(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	struct pp_output_conf *o = c->obj;
	if (!v)
		o->unsigned_ok = o->type == PP_OUT_VICTORIA || o->type == PP_OUT_FILE;
	return 0;
}

static const char *for_file(const struct yctx *c)
{
	return ((const struct pp_output_conf *)c->obj)->type != PP_OUT_FILE ? "" : NULL;
}

static const char *for_http(const struct yctx *c)
{
	return ((const struct pp_output_conf *)c->obj)->type == PP_OUT_FILE
		       ? "is for HTTP outputs" : NULL;
}

static int output_path(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	if (!v)
		yproblem(c->w, c->map, "output '%s': a file output needs 'path'",
			 output_name_of(c->obj));
	return 0;
}

static int output_url(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	const struct pp_output_conf *o = c->obj;
	if (!v)
		yproblem(c->w, c->map, "output '%s': needs 'url' (e.g. "
			 "http://127.0.0.1:8086/write?db=powerpark)", output_name_of(o));
	else if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))
		yproblem(c->w, v, "'url': expected http:// or https://, got '%s'", o->url);
	return 0;
}

static int output_influx(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_output_conf *o = c->obj;
	if (o->type == PP_OUT_INFLUXDB && o->unsigned_ok)
		yproblem(c->w, yget(c->map, "unsigned"), "InfluxDB 1.x rejects unsigned ('u') "
			 "fields; leave 'unsigned' off for an influxdb output");
	return 0;
}

static const char *const output_types[] = {"influxdb", "victoriametrics", "file", NULL};

#define MIB (1024.0 * 1024.0)

static const struct ykey output_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_output_conf, name), .set = output_name,
	 .doc = "the output's name"},
	{"type", YT_ENUM, YF_REQ | YF_STOP, YAT(struct pp_output_conf, type), .vals = output_types,
	 .doc = "where the points go"},
	{"unsigned", YT_BOOL, YF_ABSENT, YAT(struct pp_output_conf, unsigned_ok),
	 .set = output_unsigned, .ddoc = "true, false for influxdb",
	 .doc = "write `u` fields (InfluxDB 1.x rejects them)"},
	{"gzip", YT_BOOL, YF_DEF, YAT(struct pp_output_conf, gzip), .def = 1,
	 .doc = "compress HTTP bodies"},
	{"token", YT_STR, 0, YAT(struct pp_output_conf, token),
	 .doc = "HTTP: sent as `Authorization: Bearer TOKEN`"},
	{"batch_lines", YT_INT, YF_DEF, YAT(struct pp_output_conf, batch_lines), .lo = 1,
	 .hi = 10000000, .def = 5000, .doc = "lines a batch holds at most"},
	{"batch_bytes", YT_INT, YF_DEF, YAT(struct pp_output_conf, batch_bytes), .lo = 1024,
	 .hi = 1 << 30, .def = 1 << 20, .doc = "bytes a batch holds at most"},
	{"flush_ms", YT_INT, YF_DEF, YAT(struct pp_output_conf, flush_ms), .lo = 1, .hi = 3600000,
	 .def = 1000, .doc = "the longest a point waits in a batch, ms"},
	{"timeout_ms", YT_INT, YF_DEF, YAT(struct pp_output_conf, timeout_ms), .lo = 1,
	 .hi = 600000, .def = 5000, .doc = "HTTP: how long a write may take, ms"},
	{"retry_max_ms", YT_INT, YF_DEF, YAT(struct pp_output_conf, retry_max_ms), .lo = 1,
	 .hi = 3600000, .def = 30000, .doc = "the longest wait between retries, ms"},
	{"queue_batches", YT_INT, YF_DEF, YAT(struct pp_output_conf, queue_batches), .lo = 1,
	 .hi = 100000, .def = 64, .doc = "batches held in memory before spooling"},
	{"spool_dir", YT_STR, 0, YAT(struct pp_output_conf, spool_dir),
	 .doc = "where batches wait while the server is down; absent: no spool"},
	{"spool_max_mb", YT_INT, YF_DEF, YAT(struct pp_output_conf, spool_max_bytes), .lo = 1,
	 .hi = 1 << 30, .def = 1024, .mult = MIB, .doc = "the spool's size at most, MiB"},
	{"rotate_mb", YT_INT, YF_DEF, YAT(struct pp_output_conf, rotate_bytes), .lo = 1,
	 .hi = 1 << 20, .def = 64, .mult = MIB, .doc = "file: the size a file is rotated at, MiB"},
	{"keep", YT_INT, YF_DEF, YAT(struct pp_output_conf, keep), .lo = 1, .hi = 100000,
	 .def = 10, .doc = "file: rotated files kept"},
	{"path", YT_STR, YF_ABSENT, YAT(struct pp_output_conf, path), .when = for_file,
	 .set = output_path, .doc = "file: the directory of .lp files (required)"},
	{"url", YT_STR, YF_ABSENT, YAT(struct pp_output_conf, url), .when = for_http,
	 .set = output_url, .doc = "HTTP: the full /write URL (required)"},
	{"", YT_CHECK, .set = output_influx},
};

const struct yobj config_output_obj = {
	.what = "output", .title = "outputs[]",
	.doc = "Where measurements are written (docs/outputs.md).", YKEYS(output_keys),
	.size = sizeof(struct pp_output_conf), YPOS(struct pp_output_conf, pos),
};

void pp_config_output_defaults(struct pp_output_conf *o)
{
	ydefaults(&config_output_obj, o);
}

static int token_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	return yname_unique(c, k, v, &LD(c)->tokens, "api token");
}

static int token_length(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k;
	if (strlen(((const struct pp_api_token *)c->obj)->token) < 16)
		yproblem(c->w, v, "'token' must be at least 16 characters");
	return 0;
}

static const char *const api_scopes[] = {"read", "write", "lease", "admin", NULL};

static int token_scopes(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_api_token *t = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	void *it = NULL;
	struct fy_node *sn;
	while ((sn = fy_node_sequence_iterate(v, &it))) {
		const char *s = yscalar(c->w, sn);
		size_t i = 0;
		while (s && api_scopes[i] && strcmp(s, api_scopes[i]))
			i++;
		if (!s || !api_scopes[i]) {
			char dym[128];
			const char *dm = s ? pp_diag_dym(dym, sizeof dym, s, api_scopes, 4) : "";
			yproblem(c->w, sn, "unknown scope '%s'%s (expected read, write, lease or "
				 "admin)", s ? s : "?", dm);
			continue;
		}
		t->scopes |= 1u << i;
	}
	return 0;
}

static const struct ykey token_keys[] = {
	{"name", YT_STR, YF_REQ, YAT(struct pp_api_token, name), .set = token_name,
	 .doc = "who holds it"},
	{"token", YT_STR, YF_REQ, YAT(struct pp_api_token, token), .set = token_length,
	 .doc = "the bearer token, 16 characters or more"},
	{"scopes", YT_CUSTOM, YF_REQ, .set = token_scopes,
	 .tdoc = "list of `read`, `write`, `lease`, `admin`",
	 .doc = "what it may do (docs/api.md)"},
};

static const struct yobj token_obj = {
	.what = "api token", .title = "api.tokens[]", .doc = "A bearer token of the API.",
	YKEYS(token_keys), .size = sizeof(struct pp_api_token),
};

static int api_pairs(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	(void)k, (void)v;
	const struct pp_api_conf *a = c->obj;
	if (!a->tls_cert != !a->tls_key)
		yproblem(c->w, c->map, "'tls_cert' and 'tls_key' go together: give both or neither");
	if (a->listen && !strrchr(a->listen, ':'))
		yproblem(c->w, yget(c->map, "listen"), "'listen': expected host:port, got '%s'",
			 a->listen);
	return 0;
}

static const struct ykey api_keys[] = {
	{"listen", YT_STR, YF_DEF, YAT(struct pp_api_conf, listen), .sdef = "127.0.0.1:8080",
	 .doc = "host:port; `optimize --listen` overrides it"},
	{"tls_cert", YT_STR, 0, YAT(struct pp_api_conf, tls_cert),
	 .doc = "a PEM certificate; with `tls_key`, HTTPS"},
	{"tls_key", YT_STR, 0, YAT(struct pp_api_conf, tls_key), .doc = "its PEM key"},
	{"", YT_CHECK, .set = api_pairs},
	{"tokens", YT_LIST, 0, YAT(struct pp_api_conf, tokens), YCNT(struct pp_api_conf, ntokens),
	 .sub = &token_obj, .doc = "who may call it"},
};

const struct yobj config_api_obj = {
	.what = "api", .title = "api", .doc = "The HTTP API of `powerpark optimize`.",
	YKEYS(api_keys),
};

/* ha.etcd: a list of http(s) URLs, at most PP_HA_ETCD_MAX. */
static int ha_etcd(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	struct pp_ha_conf *h = c->obj;
	if (!yis(c->w, v, k->name, FYNT_SEQUENCE))
		return -1;
	void *it = NULL;
	struct fy_node *n;
	while ((n = fy_node_sequence_iterate(v, &it))) {
		const char *u = yscalar(c->w, n);
		if (!u || (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))) {
			yproblem(c->w, n, "'etcd': expected URLs like http://127.0.0.1:2379");
			continue;
		}
		if (h->netcd == PP_HA_ETCD_MAX) {
			yproblem(c->w, n, "'etcd': at most %d members", PP_HA_ETCD_MAX);
			break;
		}
		h->etcd[h->netcd++] = u;
	}
	if (!h->netcd)
		yproblem(c->w, v, "'etcd': at least one member's URL");
	return 0;
}

static int ha_name(struct yctx *c, const struct ykey *k, struct fy_node *v)
{
	const struct pp_ha_conf *h = c->obj;
	(void)k;
	for (const char *p = h->name; p && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p)) {
			yproblem(c->w, v, "'name': letters, digits, '.', '_' and '-' only, got '%s'",
				 h->name);
			break;
		}
	return 0;
}

static const struct ykey ha_keys[] = {
	{"etcd", YT_CUSTOM, YF_REQ, .set = ha_etcd, .tdoc = "list of URLs",
	 .doc = "the etcd members' client URLs (three for a quorum that survives one loss)"},
	{"name", YT_STR, YF_REQ, YAT(struct pp_ha_conf, name), .set = ha_name,
	 .doc = "this replica's name, unique in the group; `optimize --ha-name` overrides"},
	{"url", YT_STR, 0, YAT(struct pp_ha_conf, url),
	 .doc = "where clients reach this replica (default http:// and the listen "
		"address); `optimize --ha-url` overrides"},
	{"lease_s", YT_NUM, YF_DEF, YAT(struct pp_ha_conf, lease_s), .lo = 2, .hi = 60, .def = 2,
	 .doc = "the etcd lease: a leader that cannot renew it stops issuing within it, "
		"and a follower takes over after it"},
	{"prefix", YT_STR, YF_DEF, YAT(struct pp_ha_conf, prefix), .sdef = "/powerpark/",
	 .doc = "the prefix of powerpark's keys in etcd (one per park)"},
};

const struct yobj config_ha_obj = {
	.what = "ha", .title = "ha",
	.doc = "Replicas of `powerpark optimize` with a leader elected on etcd (docs/ha.md).",
	YKEYS(ha_keys),
};
