/* redfish.h - a client of one Redfish service (DMTF DSP0266) over libcurl:
 * the collector's `redfish` device kind (collector/drivers/redfish.c) reads
 * telemetry through it, and the node agent's `redfish` backend sets a
 * node's power limit out of band with it (agent/backend_redfish.c).
 *
 * Authentication is a Redfish session (POST to the service's Sessions
 * collection, X-Auth-Token on every request, logged in again once on a 401,
 * DELETE of the session at close) or basic auth on every request. TLS is
 * verified unless the credentials say verify: false. One client is used by
 * one thread at a time. */
#ifndef PP_REDFISH_H
#define PP_REDFISH_H

#include "powerpark/buf.h"
#include "powerpark/config.h"
#include "powerpark/err.h"

#define PP_RF_URI_MAX 256 /* a resource's path (@odata.id), with its NUL */

struct pp_redfish;

/* Opens a client of the service at address ("host:port", borrowed) with
 * the credentials cr (borrowed; must outlive the client), each request
 * within timeout_ms. Nothing is sent yet. *out is the client (the caller's;
 * pp_redfish_close frees it). */
PP_WUR enum pp_err pp_redfish_open(const char *address, const struct pp_redfish_cred *cr,
				   int timeout_ms, struct pp_redfish **out, struct pp_errbuf *eb);

/* Deletes the session it holds (if any) and frees r (NULL: nothing). */
void pp_redfish_close(struct pp_redfish *r);

/* The answer of the last failed request: 1 when it timed out or the
 * service did not answer at all; 1 when the credentials were refused. */
int pp_redfish_timed_out(const struct pp_redfish *r);
int pp_redfish_auth_failed(const struct pp_redfish *r);

/* GETs path (borrowed: "/redfish/v1/Chassis") into body (borrowed; its
 * content replaced): PP_OK on a 2xx answer; else an error in eb naming the
 * path and the status. */
PP_WUR enum pp_err pp_redfish_get(struct pp_redfish *r, const char *path, struct pp_buf *body,
				  struct pp_errbuf *eb);

/* A node's power limit as the service offers it: a Control of type Power
 * (Chassis/{id}/Controls/{id}: SetPoint, AllowableMin/Max), else the older
 * Power resource's PowerControl[0].PowerLimit.LimitInWatts (its
 * PowerCapacityWatts as the most). Small value type. */
struct pp_redfish_limit {
	char uri[PP_RF_URI_MAX]; /* the resource PATCHed */
	int control;             /* 1: a Control (SetPoint); 0: Power's PowerControl[0] */
	double limit_w;          /* the limit in force; NAN: none set */
	double min_w, max_w;     /* NAN where the service does not say */
};

/* Finds the power limit of chassis (borrowed: its Id; NULL: the first
 * chassis that offers one) from the service root. */
PP_WUR enum pp_err pp_redfish_limit_find(struct pp_redfish *r, const char *chassis,
					 struct pp_redfish_limit *l, struct pp_errbuf *eb);

/* Reads l's resource again into l (limit_w, min_w, max_w). */
PP_WUR enum pp_err pp_redfish_limit_read(struct pp_redfish *r, struct pp_redfish_limit *l,
					 struct pp_errbuf *eb);

/* PATCHes l's limit to w watts, reads it back and checks the service
 * holds w (within half a watt): PP_ERR_REJECTED when it holds another. */
PP_WUR enum pp_err pp_redfish_limit_set(struct pp_redfish *r, struct pp_redfish_limit *l,
					double w, struct pp_errbuf *eb);

#endif
