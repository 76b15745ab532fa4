/* backend_nvml.c - GPUs through NVML, loaded with dlopen at run time
 * (libnvidia-ml.so.1 from the driver; a node without a GPU still runs the
 * other backends). Every NVML error is reported by its name from
 * nvmlErrorString. Limits are in milliwatts in NVML, watts here. */
#include <dlfcn.h>
#include <stdlib.h>

#include "backend.h"

typedef int nvret;
typedef struct nvmlDevice *nvdev;

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
	unsigned n;
	nvdev *dev;
};

static enum pp_err nverr(struct nv *v, nvret r, const char *what, struct pp_errbuf *eb)
{
	return pp_errf(eb, PP_ERR_IO, "NVML %s: %s (%d)", what, v->errstr ? v->errstr(r) : "?", r);
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
			e = pp_errf(eb, PP_ERR_IO, "NVML: %s has no %s", lib, name);          \
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
		return pp_errf(eb, PP_ERR_NOMEM, "out of memory");
	v->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!v->lib) {
		e = pp_errf(eb, PP_ERR_IO, "NVML: cannot load %s: %s", lib, dlerror());
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
		e = pp_errf(eb, PP_ERR_NOMEM, "out of memory");
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
		return pp_errf(eb, PP_ERR_ARG, "NVML: no GPU %d (%u present)", gpu, v->n);
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

const struct pp_backend pp_backend_nvml = {"nvml",  nv_open,  nv_range, nv_set,	 nv_get,
					   nv_power, nv_count, nv_close, nv_persistent};
