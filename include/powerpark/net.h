/* net.h - "host:port" as configs and options write it, and TCP connects. */
#ifndef PP_NET_H
#define PP_NET_H

#include <netinet/in.h>
#include <stddef.h>

#include "powerpark/err.h"

/* Splits hp (borrowed) at its last ':' into host (copied into host, hostlen
 * bytes with the NUL) and *port (pointing into hp). -1 when there is no
 * ':' or the host does not fit. */
PP_WUR int pp_net_hostport_split(const char *hp, char *host, size_t hostlen, const char **port);

/* Parses hp, an IPv4 "a.b.c.d:port" (port 0..65535, 0: any), into *sa.
 * PP_ERR_ARG with what was wrong, naming what (borrowed, e.g. "listen"). */
PP_WUR enum pp_err pp_net_addr_parse(const char *what, const char *hp, struct sockaddr_in *sa,
				 struct pp_errbuf *eb);

/* Opens a TCP connection to host:port (both borrowed; names are resolved)
 * within timeout_ms, waiting with poll() so that any descriptor number
 * works, and returns it in *fd: blocking, close-on-exec, TCP_NODELAY.
 * PP_ERR_IO with the reason (refused, timed out, unknown host). */
PP_WUR enum pp_err pp_net_connect(const char *host, const char *port, int timeout_ms, int *fd,
				  struct pp_errbuf *eb);

#endif
