/* sim.h - the simulated park: for every device of a config it serves what
 * the real one would (SNMP agents for PDUs and UPSes, Modbus TCP gateways
 * for meters, chillers and CDUs), with values from a small physical state:
 * rack power from GPU demand and caps plus base load, chiller and CDU load
 * from the heat of the halls they serve, a site meter over all of it. */
#ifndef PP_SIM_H
#define PP_SIM_H

#include <stdio.h>

#include "powerpark/config.h"
#include "powerpark/err.h"

struct pp_sim; /* opaque */

/* A fault injected into one device, for tests of the collector. */
enum pp_sim_fault_kind {
	PP_FAULT_NONE,
	PP_FAULT_SILENT,    /* never answers */
	PP_FAULT_DELAY,     /* answers after arg ms */
	PP_FAULT_EXCEPTION, /* Modbus: answers with exception code arg */
	PP_FAULT_RESET      /* Modbus: closes the connection when asked */
};

struct pp_sim_opts {
	int frozen;             /* every value constant (no noise, no drift) */
	const char *control;    /* host:port of the control socket; NULL: 127.0.0.1:0 */
	unsigned seed;
};

/* Builds the simulated park for cfg (borrowed; must outlive the sim) and
 * opens every endpoint. Devices the sim cannot serve (SNMPv3, Modbus RTU)
 * are listed as skipped, not fatal. */
PP_WUR enum pp_err pp_sim_create(const struct pp_config *cfg, const struct pp_sim_opts *opts,
				 struct pp_sim **out, struct pp_errbuf *eb);

/* Sets a fault on the named device (borrowed); PP_ERR_ARG if unknown. */
PP_WUR enum pp_err pp_sim_fault(struct pp_sim *s, const char *device, enum pp_sim_fault_kind k,
				int arg);

/* Writes the endpoints served, as one line of JSON, to f (borrowed). */
void pp_sim_describe(struct pp_sim *s, FILE *f);

/* Serves until *stop becomes non-zero (polled at least every 100 ms). */
void pp_sim_run(struct pp_sim *s, volatile int *stop);

/* Closes every endpoint and frees the sim; NULL is fine. */
void pp_sim_destroy(struct pp_sim *s);

#endif
