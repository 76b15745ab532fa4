/* gpu.h - GPU models and their settable power-cap ranges. */
#ifndef PP_GPU_H
#define PP_GPU_H

#include <stddef.h>

#include "powerpark/err.h"

/* One GPU model. Static data: never freed. */
struct pp_gpu_model {
	const char *name;   /* as in site configs: "H100-SXM" */
	double cap_min_w, cap_max_w, idle_w;
	const char *source;
};

/* The model called name (borrowed static data), or NULL. */
const struct pp_gpu_model *pp_gpu_find(const char *name);

/* All models; n_out set to their count. */
const struct pp_gpu_model *pp_gpu_models(size_t *n_out);

/* Clamps a requested cap into the model's settable range: a cap outside it
 * would be refused by the driver (or worse, accepted by a mock). */
double pp_gpu_clamp_cap(const struct pp_gpu_model *g, double cap_w);

/* What one GPU of model g (borrowed) draws when its work wants want_w under
 * a cap of cap_w, with a power floor of floor_w (0: none) kept by power
 * smoothing: the lower of want and cap, lifted to the floor (never above
 * the cap), never below the GPU's idle draw. The one rule of the sim, the
 * scenario day and their baselines. */
double pp_gpu_draw(const struct pp_gpu_model *g, double want_w, double cap_w, double floor_w);

#endif
