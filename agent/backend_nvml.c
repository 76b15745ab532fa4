/* backend_nvml.c - GPUs through NVML, loaded with dlopen at run time
 * (libnvidia-ml.so.1 from the driver; a node without a GPU still runs the
 * other backends). Every NVML error is reported by its name from
 * nvmlErrorString. Limits are in milliwatts in NVML, watts here. */
#include <dlfcn.h>
#include <stdlib.h>

#include "backend.h"

typedef int nvret;
typedef struct nvmlDevice *nvdev;

/* nvml.h's nvmlPowerSmoothingProfile_v1_t and nvmlPowerSmoothingState_v1_t;
 * a version word is the struct's size with the version in the top byte. */
struct nvps_profile {
	unsigned version, profile, param;
	double value;
};
struct nvps_state {
	unsigned version;
	int state; /* nvmlEnableState_t */
};
#define NVPS_VER(t) ((unsigned)sizeof(t) | 1u << 24)
#define NVPS_FLOOR_PCT 0  /* NVML_POWER_SMOOTHING_PROFILE_PARAM_PERCENT_TMP_FLOOR */
#define NVPS_RAMP_DOWN 2  /* ..._RAMP_DOWN_RATE, W/s */

struct nv {
	void *lib;
	nvret (*init)(void);
	nvret (*shutdown)(void);
	const char *(*errstr)(nvret);
	nvret (*count)(unsigned *);
	nvret (*handle)(unsigned, nvdev *);
	nvret (*constraints)(nvdev, unsigned *, unsigned *);
	nvret (*get_limit)(nvdev, unsigned *);
	nvret (*set_limit)(nvdev, unsigned);
	nvret (*usage)(nvdev, unsigned *);
	nvret (*persistence)(nvdev, int *); /* optional */
	/* Power smoothing (drivers from R570, Blackwell): optional too. */
	nvret (*ps_param)(nvdev, struct nvps_profile *);
	nvret (*ps_activate)(nvdev, struct nvps_profile *);
	nvret (*ps_state)(nvdev, struct nvps_state *);
	unsigned n;
	nvdev *dev;
};

static enum pp_err nverr(struct nv *v, nvret r, const char *what, struct pp_errbuf *eb)
{
	return pp_err_set(eb, PP_ERR_IO, "NVML %s: %s (%d)", what, v->errstr ? v->errstr(r) : "?", r);
}

static void nv_close(void *ctx)
{
	struct nv *v = ctx;
	if (!v)
		return;
	if (v->shutdown)
		v->shutdown();
	if (v->lib)
		dlclose(v->lib);
	free(v->dev);
	free(v);
}

#define SYM(field, name)                                                                      \
	do {                                                                                  \
		*(void **)&v->field = dlsym(v->lib, name);                                    \
		if (!v->field) {                                                              \
			e = pp_err_set(eb, PP_ERR_IO, "NVML: %s has no %s", lib, name);          \
			goto fail;                                                            \
		}                                                                             \
	} while (0)

static enum pp_err nv_open(void **ctx, const char *arg, const char *node, int gpus,
			   struct pp_errbuf *eb)
{
	(void)node;
	(void)gpus;
	const char *lib = arg && *arg ? arg : "libnvidia-ml.so.1";
	enum pp_err e;
	struct nv *v = calloc(1, sizeof *v);
	if (!v)
		return pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
	v->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!v->lib) {
		e = pp_err_set(eb, PP_ERR_IO, "NVML: cannot load %s: %s", lib, dlerror());
		goto fail;
	}
	SYM(errstr, "nvmlErrorString");
	SYM(init, "nvmlInit_v2");
	SYM(shutdown, "nvmlShutdown");
	SYM(count, "nvmlDeviceGetCount_v2");
	SYM(handle, "nvmlDeviceGetHandleByIndex_v2");
	SYM(constraints, "nvmlDeviceGetPowerManagementLimitConstraints");
	SYM(get_limit, "nvmlDeviceGetPowerManagementLimit");
	SYM(set_limit, "nvmlDeviceSetPowerManagementLimit");
	SYM(usage, "nvmlDeviceGetPowerUsage");
	*(void **)&v->persistence = dlsym(v->lib, "nvmlDeviceGetPersistenceMode");
	*(void **)&v->ps_param = dlsym(v->lib, "nvmlDevicePowerSmoothingUpdatePresetProfileParam");
	*(void **)&v->ps_activate = dlsym(v->lib, "nvmlDevicePowerSmoothingActivatePresetProfile");
	*(void **)&v->ps_state = dlsym(v->lib, "nvmlDevicePowerSmoothingSetState");
	nvret r = v->init();
	if (r) {
		v->shutdown = NULL; /* not initialised: nothing to shut down */
		e = nverr(v, r, "init", eb);
		goto fail;
	}
	if ((r = v->count(&v->n))) {
		e = nverr(v, r, "device count", eb);
		goto fail;
	}
	v->dev = calloc(v->n + 1, sizeof *v->dev);
	if (!v->dev) {
		e = pp_err_set(eb, PP_ERR_NOMEM, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < v->n; i++)
		if ((r = v->handle(i, &v->dev[i]))) {
			e = nverr(v, r, "device handle", eb);
			goto fail;
		}
	*ctx = v;
	return PP_OK;
fail:
	nv_close(v);
	return e;
}

static enum pp_err nv_dev(struct nv *v, int gpu, nvdev *d, struct pp_errbuf *eb)
{
	if (gpu < 0 || (unsigned)gpu >= v->n)
		return pp_err_set(eb, PP_ERR_ARG, "NVML: no GPU %d (%u present)", gpu, v->n);
	*d = v->dev[gpu];
	return PP_OK;
}

static enum pp_err nv_range(void *ctx, int gpu, double *lo, double *hi, struct pp_errbuf *eb)
{
	struct nv *v = ctx;
	nvdev d = NULL;
	unsigned a, b;
	enum pp_err e = nv_dev(v, gpu, &d, eb);
	if (e)
		return e;
	nvret r = v->constraints(d, &a, &b);
	if (r)
		return nverr(v, r, "power limit constraints", eb);
	*lo = a / 1000.0;
	*hi = b / 1000.0;
	return PP_OK;
}

static enum pp_err nv_set(void *ctx, int gpu, double w, struct pp_errbuf *eb)
{
	struct nv *v = ctx;
	nvdev d = NULL;
	enum pp_err e = nv_dev(v, gpu, &d, eb);
	if (e)
		return e;
	nvret r = v->set_limit(d, (unsigned)(w * 1000 + 0.5));
	return r ? nverr(v, r, "set power limit", eb) : PP_OK;
}

/* One milliwatt reading through fn (the enforced limit, or power drawn). */
static enum pp_err nv_read(struct nv *v, int gpu, nvret (*fn)(nvdev, unsigned *),
			   const char *what, double *w, struct pp_errbuf *eb)
{
	nvdev d = NULL;
	unsigned mw;
	enum pp_err e = nv_dev(v, gpu, &d, eb);
	if (e)
		return e;
	nvret r = fn(d, &mw);
	if (r)
		return nverr(v, r, what, eb);
	*w = mw / 1000.0;
	return PP_OK;
}

static enum pp_err nv_get(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	struct nv *v = ctx;
	return nv_read(v, gpu, v->get_limit, "power limit", w, eb);
}

static enum pp_err nv_power(void *ctx, int gpu, double *w, struct pp_errbuf *eb)
{
	struct nv *v = ctx;
	return nv_read(v, gpu, v->usage, "power usage", w, eb);
}

static int nv_count(void *ctx)
{
	return (int)((struct nv *)ctx)->n;
}

static int nv_persistent(void *ctx, int gpu)
{
	struct nv *v = ctx;
	int on = 0;
	if (!v->persistence || gpu < 0 || (unsigned)gpu >= v->n ||
	    v->persistence(v->dev[gpu], &on))
		return -1;
	return on != 0;
}

/* Power smoothing through preset profile 0: its floor (percent of the
 * GPU's maximum limit, NVML's "TMP") and its ramp-down rate, then the
 * profile activated and the feature switched on (off when both are 0). */
static enum pp_err nv_smooth(void *ctx, int gpu, double floor_w, double ramp_w_per_s,
			     struct pp_errbuf *eb)
{
	struct nv *v = ctx;
	nvdev d = NULL;
	if (!v->ps_param || !v->ps_activate || !v->ps_state)
		return pp_err_set(eb, PP_ERR_ARG, "this NVML has no power smoothing (a driver "
					       "before R570)");
	enum pp_err e = nv_dev(v, gpu, &d, eb);
	unsigned lo, hi;
	nvret r;
	if (e)
		return e;
	if ((r = v->constraints(d, &lo, &hi)) || !hi)
		return nverr(v, r, "power limit constraints", eb);
	int on = floor_w > 0 || ramp_w_per_s > 0;
	struct nvps_profile p = {NVPS_VER(struct nvps_profile), 0, NVPS_FLOOR_PCT,
				 100.0 * floor_w * 1000 / hi};
	if (on && (r = v->ps_param(d, &p)))
		return nverr(v, r, "power smoothing floor", eb);
	p.param = NVPS_RAMP_DOWN;
	p.value = ramp_w_per_s;
	if (on && (r = v->ps_param(d, &p)))
		return nverr(v, r, "power smoothing ramp-down rate", eb);
	if (on && (r = v->ps_activate(d, &p)))
		return nverr(v, r, "power smoothing profile", eb);
	struct nvps_state st = {NVPS_VER(struct nvps_state), on};
	if ((r = v->ps_state(d, &st)))
		return nverr(v, r, "power smoothing state", eb);
	return PP_OK;
}

const struct pp_backend pp_backend_nvml = {"nvml",  nv_open,  nv_range, nv_set,
					   nv_get,  nv_power, nv_count, nv_close,
					   nv_persistent, nv_smooth};
