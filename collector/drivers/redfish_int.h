/* redfish_int.h - the Redfish client's private parts: what one resource's
 * JSON says, read into a struct (redfish_json.c, the JSON edge of the
 * collector), for the client (redfish_http.c) and the driver (redfish.c).
 *
 * Order inside the room: redfish_json.c, then redfish_http.c, then
 * redfish.c. */
#ifndef PP_REDFISH_INT_H
#define PP_REDFISH_INT_H

#include <stddef.h>

#include "powerpark/redfish.h"

#define PP_RF_NAME_MAX 64     /* an Id or Name kept, with its NUL (longer: cut) */
#define PP_RF_MAX_MEMBERS 256 /* members of one collection read */
#define PP_RF_MAX_ROWS 64     /* array members of one resource (Temperatures[]...) */
#define PP_RF_MAX_VALS 16     /* readings of one row */

/* The links a resource may hold, by the property that names them. */
enum rf_link {
	RF_L_CHASSIS, RF_L_POWER_EQUIPMENT, RF_L_RACKPDUS, RF_L_SESSIONS, RF_L_POWER,
	RF_L_THERMAL, RF_L_POWER_SUBSYSTEM, RF_L_ENV_METRICS, RF_L_PSUS, RF_L_METRICS,
	RF_L_MAINS, RF_L_BRANCHES, RF_L_OUTLETS, RF_L_CONTROLS, RF_NLINKS
};

/* A row of a resource: the resource's own readings (RF_ROW_SELF, always
 * rows[0]) or one member of one of its arrays. */
enum rf_row_kind {
	RF_ROW_SELF, RF_ROW_POWER_CONTROL, RF_ROW_VOLTAGE, RF_ROW_PSU, RF_ROW_TEMP, RF_ROW_FAN,
	RF_ROW_KINDS
};

/* One reading: its field name (static: "power_w") and value (finite). */
struct rf_val {
	const char *field;
	double v;
};

struct rf_row {
	enum rf_row_kind kind;
	char name[PP_RF_NAME_MAX]; /* Name, else MemberId, else its place */
	struct rf_val vals[PP_RF_MAX_VALS];
	size_t nvals;
};

/* What one resource says, as far as powerpark reads it. Large (about
 * 90 KiB): allocate it. */
struct rf_res {
	char id[PP_RF_NAME_MAX], name[PP_RF_NAME_MAX];
	char control_type[PP_RF_NAME_MAX]; /* a Control's ControlType ("Power") */
	char links[RF_NLINKS][PP_RF_URI_MAX]; /* "" where absent */
	char members[PP_RF_MAX_MEMBERS][PP_RF_URI_MAX];
	size_t nmembers;
	struct rf_row rows[PP_RF_MAX_ROWS];
	size_t nrows;
};

/* Reads text (len bytes, borrowed; any bytes) into *out. Values that are
 * not finite numbers, links that are not paths, names too long are left
 * out or cut; never more than the limits above. 0, or -1 with the reason
 * in err (not JSON, not an object). */
int rf_parse(const char *text, size_t len, struct rf_res *out, char *err, size_t errlen);

/* The reading called field in row (NULL: none). */
const struct rf_val *rf_find(const struct rf_row *row, const char *field);

/* GETs path (borrowed) and reads it into res (the caller's). */
PP_WUR enum pp_err rf_get_res(struct pp_redfish *r, const char *path, struct rf_res *res,
			      struct pp_errbuf *eb);

/* GETs the service root (/redfish/v1) into res (the caller's), without
 * credentials first; learns where its Sessions are. */
PP_WUR enum pp_err rf_get_root(struct pp_redfish *r, struct rf_res *res, struct pp_errbuf *eb);

/* Writes the JSON body of a PATCH that sets a limit of w watts: a
 * Control's {"SetPoint": w}, else Power's
 * {"PowerControl": [{"PowerLimit": {"LimitInWatts": w}}]}, into out
 * (borrowed; replaced). */
PP_WUR enum pp_err rf_limit_body(int control, double w, struct pp_buf *out);

#endif
