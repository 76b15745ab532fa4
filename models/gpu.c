/* gpu.c - GPU models: their settable power-cap ranges (see gpu.h). */
#include <string.h>

#include "powerpark/gpu.h"

/* Cap ranges are what `nvidia-smi -q -d POWER` reports as Min/Max Power
 * Limit; idle is the draw of an idle GPU in P0 with persistence on. */
static const struct pp_gpu_model gpus[] = {
	{"A100-SXM", 100, 400, 55,
	 "NVIDIA A100 datasheet (400 W SXM4); min limit 100 W as nvidia-smi reports for A100 SXM4"},
	{"A100-PCIE", 150, 300, 40, "NVIDIA A100 PCIe datasheet (300 W); min 150 W (nvidia-smi)"},
	{"H100-SXM", 200, 700, 75,
	 "nvidia-smi -q -d POWER on H100 SXM (Min 200 W, Max 700 W, idle ~79 W): "
	 "stackhpc/ansible-slurm-appliance PR #975"},
	{"H100-PCIE", 200, 350, 50, "NVIDIA H100 PCIe datasheet (350 W); min assumed 200 W"},
	{"H200", 200, 700, 80, "NVIDIA H200 SXM datasheet (up to 700 W); min as H100 SXM (same board power design)"},
	{"B200", 200, 1000, 120, "NVIDIA DGX B200 / HGX B200 (1000 W per GPU); min assumed 200 W, verify with nvidia-smi"},
	{"GB200", 200, 1200, 140, "NVIDIA GB200 NVL72 (1200 W per Blackwell GPU); min assumed 200 W, verify with nvidia-smi"},
};

const struct pp_gpu_model *pp_gpu_models(size_t *n_out)
{
	*n_out = sizeof gpus / sizeof gpus[0];
	return gpus;
}

const struct pp_gpu_model *pp_gpu_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof gpus / sizeof gpus[0]; i++)
		if (!strcmp(gpus[i].name, name))
			return &gpus[i];
	return NULL;
}

double pp_gpu_clamp_cap(const struct pp_gpu_model *g, double cap_w)
{
	if (!(cap_w >= g->cap_min_w)) /* NaN too: the safe end */
		return g->cap_min_w;
	return cap_w > g->cap_max_w ? g->cap_max_w : cap_w;
}

double pp_gpu_draw(const struct pp_gpu_model *g, double want_w, double cap_w, double floor_w)
{
	double w = want_w < cap_w ? want_w : cap_w;
	if (w < floor_w)
		w = floor_w < cap_w ? floor_w : cap_w;
	return w > g->idle_w ? w : g->idle_w;
}
