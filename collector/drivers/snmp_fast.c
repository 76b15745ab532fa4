/* snmp_fast.c - SNMPv1 and v2c requests sent and answers read by the
 * collector itself, on the socket of the agent's net-snmp session (see
 * snmp_int.h). Retries keep the request ID, as net-snmp's do, so that a slow
 * answer to the first try is still taken. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "snmp_int.h"

int snmp_fast_open(struct agent *a)
{
	netsnmp_transport *t = snmp_sess_transport(a->sess);
	if (!t || !t->data || t->data_length != (int)sizeof(netsnmp_indexed_addr_pair))
		return -1;
	const netsnmp_indexed_addr_pair *ap = t->data;
	socklen_t len;
	if (ap->remote_addr.sa.sa_family == AF_INET)
		len = sizeof ap->remote_addr.sin;
#ifdef NETSNMP_ENABLE_IPV6
	else if (ap->remote_addr.sa.sa_family == AF_INET6)
		len = sizeof ap->remote_addr.sin6;
#endif
	else
		return -1;
	return connect(t->sock, &ap->remote_addr.sa, len) ? -1 : 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Sends a->tx. A refused port is silence, as it was on net-snmp's
 * unconnected socket: the error an ICMP message left is taken and the
 * datagram sent again. */
static int tx(struct agent *a)
{
	for (int i = 0; i < 2; i++) {
		ssize_t r = send(a->fd, a->tx, a->txlen, MSG_DONTWAIT);
		if (r == (ssize_t)a->txlen)
			return 0;
		if (r >= 0 || errno != ECONNREFUSED)
			break;
	}
	return -1;
}

int snmp_fast_send(struct agent *a, int cmd, long nonrep, long maxrep, size_t n)
{
	struct engine *e = a->e;
	const struct pp_snmp_cred *cr = &a->d->dev->snmp;
	size_t need = PP_SNMP_MSG_BYTES + n * PP_SNMP_VB_BYTES;
	void *w = e->wbuf, *t = a->tx;
	if (grow(&w, &e->wcap, need, 1)) {
		errno = ENOMEM;
		return -1;
	}
	e->wbuf = w;
	e->next_reqid = e->next_reqid % 0x7ffffffe + 1; /* 1 .. 2^31-1 */
	a->reqid = e->next_reqid;
	struct pp_ber_req rq = {cr->version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c,
				cr->community,
				cmd,
				a->reqid,
				nonrep,
				maxrep,
				n,
				e->ask,
				e->asklen};
	unsigned char *m;
	size_t len = pp_ber_request(&rq, e->wbuf, e->wcap, &m);
	if (!len) {
		errno = EINVAL; /* an OID BER cannot write: config refuses those */
		return -1;
	}
	if (grow(&t, &a->txcap, len, 1)) {
		errno = ENOMEM;
		return -1;
	}
	a->tx = t;
	memcpy(a->tx, m, len);
	a->txlen = len;
	a->tries_left = a->d->dev->retries;
	return tx(a);
}

void snmp_fast_timeout(struct agent *a, snmp_callback cb)
{
	if (a->tries_left > 0) {
		a->tries_left--;
		if (!tx(a))
			return;
	}
	cb(NETSNMP_CALLBACK_OP_TIMED_OUT, NULL, (int)a->reqid, NULL, a);
}

/* One datagram of len bytes in e->rx, for a's request in flight. */
static void answer(struct agent *a, size_t len, snmp_callback cb,
		   void (*fail)(struct agent *a, const char *err))
{
	struct engine *e = a->e;
	char why[PP_MAX_POLL_ERROR - 32], err[PP_MAX_POLL_ERROR];
	netsnmp_pdu pdu;
	memset(&pdu, 0, sizeof pdu);
	int rc = pp_ber_response(e->rx, len, &pdu, &e->vs, why, sizeof why);
	if (rc && e->vs.want > e->vs.cap) {
		void *v = e->vs.v;
		if (!grow(&v, &e->vs.cap, e->vs.want, sizeof *e->vs.v)) {
			e->vs.v = v;
			rc = pp_ber_response(e->rx, len, &pdu, &e->vs, why, sizeof why);
		}
	}
	if (!rc && pdu.reqid != a->reqid)
		return; /* an answer to an earlier poll, too late */
	long ver = a->d->dev->snmp.version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
	if (!rc && pdu.version != ver)
		snprintf(why, sizeof why, "answered in SNMP version %ld", pdu.version + 1);
	if (rc || pdu.version != ver) {
		snprintf(err, sizeof err, "malformed answer: %s", why);
		fail(a, err);
		return;
	}
	cb(NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE, NULL, (int)pdu.reqid, &pdu, a);
}

void snmp_fast_read(struct agent *a, snmp_callback cb,
		    void (*fail)(struct agent *a, const char *err))
{
	struct engine *e = a->e;
	while (a->sess && a->fast) {
		ssize_t r = recv(a->fd, e->rx, PP_SNMP_RX_BYTES, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue; /* refused: silence, as above */
			return;
		}
		if (!a->busy)
			continue; /* after its poll ended */
		if (r > PP_SNMP_RX_BYTES) {
			char err[PP_MAX_POLL_ERROR];
			snprintf(err, sizeof err, "malformed answer: %zd bytes, over the %d a "
				 "datagram may have here", r, PP_SNMP_RX_BYTES);
			fail(a, err);
			continue;
		}
		answer(a, (size_t)r, cb, fail);
	}
}
