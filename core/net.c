/* net.c - "host:port" parsing shared by the API, the sim and the drivers. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/net.h"

int pp_net_hostport_split(const char *hp, char *host, size_t hostlen, const char **port)
{
	const char *colon = hp ? strrchr(hp, ':') : NULL;
	if (!colon || (size_t)(colon - hp) >= hostlen)
		return -1;
	memcpy(host, hp, (size_t)(colon - hp));
	host[colon - hp] = '\0';
	*port = colon + 1;
	return 0;
}

enum pp_err pp_net_addr_parse(const char *what, const char *hp, struct sockaddr_in *sa,
			  struct pp_errbuf *eb)
{
	char host[64];
	const char *ps;
	if (pp_net_hostport_split(hp, host, sizeof host, &ps))
		return pp_err_set(eb, PP_ERR_ARG, "%s: expected host:port, got '%s'", what,
			       hp ? hp : "");
	char *end;
	long port = strtol(ps, &end, 10);
	if (!*ps || *end || port < 0 || port > 65535)
		return pp_err_set(eb, PP_ERR_ARG, "%s: bad port in '%s'", what, hp);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return pp_err_set(eb, PP_ERR_ARG, "%s: '%s' is not an IPv4 address", what, host);
	return PP_OK;
}
