/* backend_redfish.c - caps a node out of band through its BMC (Redfish),
 * for nodes whose in-band agent (NVML) is down: the agent runs elsewhere
 * with --backend redfish and sets the node's power limit, the Control of
 * type Power (Chassis/{id}/Controls/{id} SetPoint) where the BMC offers
 * one, else the older Power resource's PowerControl[0].PowerLimit.
 * LimitInWatts; every PATCH is read back (redfish.h).
 *
 * The node is one device to the agent (count 1): the lease's cap is per
 * GPU, and the node's limit is that cap x --gpus + base_w (the node's
 * non-GPU draw). The limit stays within what the BMC allows
 * (AllowableMin/Max, or PowerCapacityWatts); the agent's range is that,
 * per GPU (docs/agent.md).
 *
 * ARG: comma-separated key=value: url=https://HOST:PORT (required),
 * user=NAME, password_file=PATH (else $PP_REDFISH_PASSWORD), auth=session|
 * basic, ca_file=PATH, verify=false, chassis=ID, base_w=W, timeout_ms=MS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "powerpark/log.h"
#include "powerpark/redfish.h"

#define PP_RFB_ARG_MAX 1024        /* the backend's argument, at most */
#define PP_RFB_PASSWORD_MAX 256    /* a password read from its file */
#define PP_RFB_TIMEOUT_MS 5000     /* a BMC request, by default (BMCs are slow) */
#define PP_RFB_MAX_TIMEOUT_MS 60000

struct rfb {
	char arg[PP_RFB_ARG_MAX];      /* the argument, cut into its values */
	char password[PP_RFB_PASSWORD_MAX];
	const char *address, *chassis;
	struct pp_redfish_cred cr;
	struct pp_redfish *cl;
	struct pp_redfish_limit lim;
	int gpus;
	double base_w;
};

static enum pp_err read_password(struct rfb *b, const char *path, struct pp_errbuf *eb)
{
	const char *env = getenv("PP_REDFISH_PASSWORD");
	if (!path) {
		if (!env || !*env)
			return pp_err_set(eb, PP_ERR_ARG, "redfish backend: no password: give "
					  "password_file=FILE or set $PP_REDFISH_PASSWORD");
		snprintf(b->password, sizeof b->password, "%s", env);
		return PP_OK;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return pp_err_set(eb, PP_ERR_IO, "redfish backend: cannot read password_file %s", path);
	if (!fgets(b->password, sizeof b->password, f))
		b->password[0] = 0;
	fclose(f);
	b->password[strcspn(b->password, "\r\n")] = 0;
	return PP_OK;
}

/* Cuts b->arg into its keys. */
static enum pp_err parse_arg(struct rfb *b, struct pp_errbuf *eb)
{
	const char *pwfile = NULL, *url = NULL;
	int timeout = PP_RFB_TIMEOUT_MS;
	b->cr = (struct pp_redfish_cred){.https = 1, .auth = PP_RF_AUTH_SESSION, .verify = 1};
	for (char *save = NULL, *kv = strtok_r(b->arg, ",", &save); kv;
	     kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		if (!v)
			return pp_err_set(eb, PP_ERR_ARG, "redfish backend: '%s': expected key=value", kv);
		*v++ = 0;
		if (!strcmp(kv, "url"))
			url = v;
		else if (!strcmp(kv, "user"))
			b->cr.user = v;
		else if (!strcmp(kv, "password_file"))
			pwfile = v;
		else if (!strcmp(kv, "auth") && (!strcmp(v, "session") || !strcmp(v, "basic")))
			b->cr.auth = !strcmp(v, "basic") ? PP_RF_AUTH_BASIC : PP_RF_AUTH_SESSION;
		else if (!strcmp(kv, "ca_file"))
			b->cr.ca_file = v;
		else if (!strcmp(kv, "verify") && (!strcmp(v, "true") || !strcmp(v, "false")))
			b->cr.verify = !strcmp(v, "true");
		else if (!strcmp(kv, "chassis"))
			b->chassis = v;
		else if (!strcmp(kv, "base_w") && (b->base_w = atof(v)) >= 0)
			continue;
		else if (!strcmp(kv, "timeout_ms") && (timeout = atoi(v)) > 0 &&
			 timeout <= PP_RFB_MAX_TIMEOUT_MS)
			continue;
		else
			return pp_err_set(eb, PP_ERR_ARG, "redfish backend: bad or unknown key '%s' "
					  "(its value is not shown: it may be a secret; keys: url, "
					  "user, password_file, auth=session|basic, ca_file, "
					  "verify=true|false, chassis, base_w, timeout_ms)", kv);
	}
	if (!url || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
		return pp_err_set(eb, PP_ERR_ARG, "redfish backend: url=https://HOST:PORT is required");
	b->cr.https = !strncmp(url, "https://", 8);
	b->address = url + (b->cr.https ? 8 : 7);
	if (!b->cr.https)
		pp_log(PP_LOG_WARN, "agent", "redfish backend: %s is plain http: the BMC's password "
					    "crosses the network in clear", url);
	if (!b->cr.user)
		return pp_err_set(eb, PP_ERR_ARG, "redfish backend: user= is required");
	enum pp_err e = read_password(b, pwfile, eb);
	if (e)
		return e;
	b->cr.password = b->password;
	return pp_redfish_open(b->address, &b->cr, timeout, &b->cl, eb);
}

static enum pp_err rfb_open(void **ctx, const char *arg, const char *node, int gpus,
			    struct pp_errbuf *eb)
{
	struct rfb *b = calloc(1, sizeof *b);
	if (!b)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	b->gpus = gpus > 0 ? gpus : 1;
	if (!arg || strlen(arg) >= sizeof b->arg) {
		free(b);
		return pp_err_set(eb, PP_ERR_ARG, "redfish backend: --arg url=https://HOST:PORT,"
				  "user=NAME,... is required (under %d characters)", PP_RFB_ARG_MAX);
	}
	snprintf(b->arg, sizeof b->arg, "%s", arg);
	enum pp_err e = parse_arg(b, eb);
	if (!e)
		e = pp_redfish_limit_find(b->cl, b->chassis, &b->lim, eb);
	if (e) {
		pp_redfish_close(b->cl);
		free(b);
		return e;
	}
	pp_log(PP_LOG_INFO, "agent", "node %s: power limit through %s (%s), %d GPUs + %.0f W",
	       node, b->lim.uri, b->lim.control ? "Control SetPoint" : "PowerControl LimitInWatts",
	       b->gpus, b->base_w);
	*ctx = b;
	return PP_OK;
}

static enum pp_err rfb_range(void *ctx, int gpu, double *lo, double *hi, struct pp_errbuf *eb)
{
	(void)gpu;
	const struct rfb *b = ctx;
	if (isnan(b->lim.min_w) || isnan(b->lim.max_w))
		return pp_err_set(eb, PP_ERR_ARG, "the BMC gives no allowable range");
	*lo = fmax(0, (b->lim.min_w - b->base_w) / b->gpus);
	*hi = (b->lim.max_w - b->base_w) / b->gpus;
	return *hi > *lo ? PP_OK : pp_err_set(eb, PP_ERR_ARG, "base_w leaves no range");
}

static enum pp_err rfb_set(void *ctx, int gpu, double w, struct pp_errbuf *eb)
{
	(void)gpu;
	struct rfb *b = ctx;
	double node = w * b->gpus + b->base_w, c = node;
	if (!isnan(b->lim.max_w) && c > b->lim.max_w)
		c = b->lim.max_w;
	if (!isnan(b->lim.min_w) && c < b->lim.min_w)
		c = b->lim.min_w;
	if (c != node)
		pp_log(PP_LOG_WARN, "agent", "node limit %.0f W outside the BMC's range: %.0f W", node,
		       c);
	return pp_redfish_limit_set(b->cl, &b->lim, c, eb);
}

static enum pp_err rfb_get(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	(void)gpu;
	struct rfb *b = ctx;
	enum pp_err e = pp_redfish_limit_read(b->cl, &b->lim, eb);
	if (e)
		return e;
	if (isnan(b->lim.limit_w))
		return pp_err_set(eb, PP_ERR_ARG, "no limit set on the BMC");
	*w = (b->lim.limit_w - b->base_w) / b->gpus;
	return PP_OK;
}

static enum pp_err rfb_power(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	(void)ctx, (void)gpu, (void)w;
	return pp_err_set(eb, PP_ERR_ARG, "per-GPU power is not read through the BMC");
}

static int rfb_count(void *ctx)
{
	(void)ctx;
	return 1; /* the node, as one device */
}

static void rfb_close(void *ctx)
{
	struct rfb *b = ctx;
	if (!b)
		return;
	pp_redfish_close(b->cl); /* deletes the session */
	free(b);
}

const struct pp_backend pp_backend_redfish = {
	.name = "redfish",
	.open = rfb_open,
	.range = rfb_range,
	.set_cap = rfb_set,
	.get_cap = rfb_get,
	.power = rfb_power,
	.count = rfb_count,
	.close = rfb_close,
};
