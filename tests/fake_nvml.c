/* fake_nvml.c - a stand-in for libnvidia-ml.so.1 with the same symbols
 * (this machine has no GPU), for tests of the agent's NVML backend. Its
 * state: FAKE_NVML_GPUS GPUs (default 2) with a 200..700 W range and a
 * 700 W default; every limit set is appended to FAKE_NVML_LOG as
 * "set GPU MW". FAKE_NVML_FAIL=init|set makes that call fail the way the
 * driver does; FAKE_NVML_REVERT=1 makes each limit revert to the default
 * after it is read back once (a driver reload between leases);
 * FAKE_NVML_DRAW=P draws P % of the limit (default 90);
 * FAKE_NVML_PERSIST=0 reports persistence mode off (on by default).
 * Power smoothing (profile parameters, activation, state) is logged as
 * "smooth GPU floor=PCT ramp_down=W/S state=ON"; built with
 * FAKE_NVML_NO_SMOOTHING it has none of those symbols, as before R570. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
typedef struct nvmlDevice *nvmlDevice_t;

#define NVML_SUCCESS 0
#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NO_PERMISSION 4
#define NVML_ERROR_DRIVER_NOT_LOADED 9

static unsigned limit_mw[16];
static int reads[16];

static unsigned ngpus(void)
{
	const char *g = getenv("FAKE_NVML_GPUS");
	unsigned n = g ? (unsigned)atoi(g) : 2;
	return n > 16 ? 16 : n;
}

static int fails(const char *what)
{
	const char *f = getenv("FAKE_NVML_FAIL");
	return f && !strcmp(f, what);
}

static int idx(nvmlDevice_t d)
{
	return (int)(uintptr_t)d - 1;
}

const char *nvmlErrorString(nvmlReturn_t r);
const char *nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	default: return "Unknown Error";
	}
}

nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlInit_v2(void)
{
	if (fails("init"))
		return NVML_ERROR_DRIVER_NOT_LOADED;
	for (int i = 0; i < 16; i++)
		limit_mw[i] = 700000;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void);
nvmlReturn_t nvmlShutdown(void)
{
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *n);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *n)
{
	*n = ngpus();
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_t *d)
{
	if (i >= ngpus())
		return NVML_ERROR_INVALID_ARGUMENT;
	*d = (nvmlDevice_t)(uintptr_t)(i + 1);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t d, unsigned *lo,
							  unsigned *hi);
nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t d, unsigned *lo,
							  unsigned *hi)
{
	(void)d;
	*lo = 200000;
	*hi = 700000;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned *mw);
nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t d, unsigned *mw)
{
	int i = idx(d);
	*mw = limit_mw[i];
	if (getenv("FAKE_NVML_REVERT") && ++reads[i] % 2 == 0)
		limit_mw[i] = 700000; /* lost, as after a driver reload */
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceSetPowerManagementLimit(nvmlDevice_t d, unsigned mw);
nvmlReturn_t nvmlDeviceSetPowerManagementLimit(nvmlDevice_t d, unsigned mw)
{
	if (fails("set"))
		return NVML_ERROR_NO_PERMISSION;
	if (mw < 200000 || mw > 700000)
		return NVML_ERROR_INVALID_ARGUMENT; /* the agent must never send this */
	limit_mw[idx(d)] = mw;
	const char *log = getenv("FAKE_NVML_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "set %d %u\n", idx(d), mw);
		fclose(f);
	}
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw)
{
	/* FAKE_NVML_DRAW: the draw in percent of the limit (90 by default;
	 * 100 is a GPU pinned at its cap that would take more). */
	const char *p = getenv("FAKE_NVML_DRAW");
	unsigned pct = p ? (unsigned)atoi(p) : 90;
	*mw = limit_mw[idx(d)] / 100 * (pct > 100 ? 100 : pct);
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, int *mode);
nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, int *mode)
{
	(void)d;
	const char *p = getenv("FAKE_NVML_PERSIST");
	*mode = !(p && !strcmp(p, "0"));
	return NVML_SUCCESS;
}

#ifndef FAKE_NVML_NO_SMOOTHING
/* nvml.h's v1 structs; the version word is checked as the driver does. */
typedef struct {
	unsigned version, profileId, paramId;
	double value;
} nvmlPowerSmoothingProfile_t;
typedef struct {
	unsigned version;
	int state;
} nvmlPowerSmoothingState_t;

static double ps_floor[16], ps_ramp[16];

static int bad_version(unsigned v, size_t size)
{
	return v != ((unsigned)size | 1u << 24);
}

nvmlReturn_t nvmlDevicePowerSmoothingUpdatePresetProfileParam(nvmlDevice_t d,
							       nvmlPowerSmoothingProfile_t *p);
nvmlReturn_t nvmlDevicePowerSmoothingUpdatePresetProfileParam(nvmlDevice_t d,
							       nvmlPowerSmoothingProfile_t *p)
{
	if (bad_version(p->version, sizeof *p) || p->profileId > 4 || p->paramId > 3)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (p->paramId == 0 && (p->value < 0 || p->value > 90))
		return NVML_ERROR_INVALID_ARGUMENT; /* the floor is 0-90 % */
	if (p->paramId == 0)
		ps_floor[idx(d)] = p->value;
	if (p->paramId == 2)
		ps_ramp[idx(d)] = p->value;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDevicePowerSmoothingActivatePresetProfile(nvmlDevice_t d,
							    nvmlPowerSmoothingProfile_t *p);
nvmlReturn_t nvmlDevicePowerSmoothingActivatePresetProfile(nvmlDevice_t d,
							    nvmlPowerSmoothingProfile_t *p)
{
	(void)d;
	return bad_version(p->version, sizeof *p) ? NVML_ERROR_INVALID_ARGUMENT : NVML_SUCCESS;
}

nvmlReturn_t nvmlDevicePowerSmoothingSetState(nvmlDevice_t d, nvmlPowerSmoothingState_t *s);
nvmlReturn_t nvmlDevicePowerSmoothingSetState(nvmlDevice_t d, nvmlPowerSmoothingState_t *s)
{
	if (bad_version(s->version, sizeof *s))
		return NVML_ERROR_INVALID_ARGUMENT;
	const char *log = getenv("FAKE_NVML_LOG");
	FILE *f = log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "smooth %d floor=%.1f ramp_down=%.3f state=%d\n", idx(d), ps_floor[idx(d)],
			ps_ramp[idx(d)], s->state);
		fclose(f);
	}
	return NVML_SUCCESS;
}
#endif
