/* lease_json.c - the agent's reading of a lease (see lease.h): the one file
 * of the agent that speaks JSON. */
#include <jansson.h>
#include <string.h>

#include "lease.h"

int lease_parse(const char *body, size_t len, struct lease *l)
{
	memset(l, 0, sizeof *l);
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	json_t *caps = j ? json_object_get(j, "caps") : NULL;
	json_t *c0 = json_array_get(caps, 0);
	json_t *cw = json_object_get(c0, "cap_w"), *ttl = json_object_get(j, "ttl_s");
	int ok = json_is_number(cw) && json_is_integer(ttl) && json_integer_value(ttl) > 0;
	if (ok) {
		l->cap_w = json_number_value(cw);
		l->ttl_s = json_integer_value(ttl);
		json_t *mn = json_object_get(j, "cap_min_w"), *mx = json_object_get(j, "cap_max_w");
		l->has_range = json_is_number(mn) && json_is_number(mx);
		l->cap_min_w = json_number_value(mn);
		l->cap_max_w = json_number_value(mx);
		json_t *fl = json_object_get(c0, "floor_w");
		json_t *rd = json_object_get(c0, "ramp_down_w_per_s");
		l->has_smooth = json_is_number(fl) && json_is_number(rd);
		l->floor_w = json_number_value(fl);
		l->ramp_down_w_per_s = json_number_value(rd);
		json_t *ep = json_object_get(j, "epoch");
		l->epoch = json_is_integer(ep) ? (long long)json_integer_value(ep) : 0;
	}
	json_decref(j);
	return ok ? 0 : -1;
}
