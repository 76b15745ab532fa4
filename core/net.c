/* net.c - "host:port" parsing shared by the API, the sim and the drivers,
 * and a TCP connect that does not depend on select(). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* Connects fd to ai within timeout_ms; 0, or an errno value. */
static int connect_one(int fd, const struct addrinfo *ai, int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return errno;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int k;
		while ((k = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (k < 0)
			return errno;
		if (k == 0)
			return ETIMEDOUT;
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return errno;
		if (soerr)
			return soerr;
	}
	if (fcntl(fd, F_SETFL, fl) < 0)
		return errno;
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

enum pp_err pp_net_connect(const char *host, const char *port, int timeout_ms, int *fd,
			   struct pp_errbuf *eb)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g)
		return pp_err_set(eb, PP_ERR_IO, "%s:%s: %s", host, port, gai_strerror(g));
	int err = EHOSTUNREACH;
	for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (s < 0) {
			err = errno;
			continue;
		}
		if (!(err = connect_one(s, ai, timeout_ms))) {
			freeaddrinfo(res);
			*fd = s;
			return PP_OK;
		}
		close(s);
	}
	freeaddrinfo(res);
	return pp_err_set(eb, PP_ERR_IO, "%s", strerror(err));
}
