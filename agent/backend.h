/* backend.h - how an agent reaches its GPUs: a table of functions per kind
 * (NVML through dlopen, a command, the simulated park), each instance with
 * its own context. */
#ifndef PP_AGENT_BACKEND_H
#define PP_AGENT_BACKEND_H

#include "powerpark/err.h"

struct pp_backend {
	const char *name;
	/* Opens with arg (borrowed: a library path, a command, host:port RACK). */
	PP_WUR enum pp_err (*open)(void **ctx, const char *arg, const char *node, int gpus,
				   struct pp_errbuf *eb);
	/* The device's valid cap range; PP_ERR_ARG when the backend cannot tell. */
	PP_WUR enum pp_err (*range)(void *ctx, int gpu, double *min_w, double *max_w,
				    struct pp_errbuf *eb);
	PP_WUR enum pp_err (*set_cap)(void *ctx, int gpu, double w, struct pp_errbuf *eb);
	/* The limit the device enforces now; PP_ERR_ARG when it cannot tell. */
	PP_WUR enum pp_err (*get_cap)(void *ctx, int gpu, double *w, struct pp_errbuf *eb);
	/* Power drawn now; PP_ERR_ARG when the backend cannot read it. */
	PP_WUR enum pp_err (*power)(void *ctx, int gpu, double *w, struct pp_errbuf *eb);
	/* How many GPUs it sees; -1 when it takes the count it was given. */
	int (*count)(void *ctx);
	void (*close)(void *ctx);
	/* Whether the driver stays loaded between jobs (NVML persistence
	 * mode): 1 on, 0 off, -1 unknown. NULL when the backend cannot tell. */
	int (*persistent)(void *ctx, int gpu);
	/* Power smoothing: keeps the GPU's draw at least floor_w (damping a
	 * synchronous job's swing) and lets it fall no faster than
	 * ramp_down_w_per_s when work stops; both 0 turns it off.
	 * PP_ERR_ARG when this device or driver has no such feature (NULL
	 * when the backend never has). */
	PP_WUR enum pp_err (*smooth)(void *ctx, int gpu, double floor_w, double ramp_down_w_per_s,
				     struct pp_errbuf *eb);
};

extern const struct pp_backend pp_backend_nvml, pp_backend_command, pp_backend_sim,
	pp_backend_redfish;

#endif
