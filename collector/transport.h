/* transport.h - private: how one output delivers a batch (HTTP or file). */
#ifndef PP_TRANSPORT_H
#define PP_TRANSPORT_H

#include <stddef.h>

#include "powerpark/config.h"
#include "powerpark/err.h"

enum tx_result {
	TX_OK,        /* stored */
	TX_RETRY,     /* try again later (down, 5xx, 429, timeout) */
	TX_TOO_LARGE, /* 413: split and resend */
	TX_REJECTED   /* 400: never resend; *rejected lines were refused */
};

struct transport {
	const char *kind;
	/* Delivers len bytes of line protocol holding `lines` lines. On
	 * TX_RETRY, *retry_after_ms may carry the store's Retry-After. */
	enum tx_result (*send)(void *ctx, const char *data, size_t len, size_t lines,
			       size_t *rejected, int *retry_after_ms, struct pp_errbuf *eb);
	void (*destroy)(void *ctx);
};

/* Makes the transport of one output from its conf (borrowed), with arg
 * (borrowed) as its maker wants it. */
typedef enum pp_err (*tx_create_fn)(const struct pp_output_conf *c, void *arg,
				    const struct transport **t, void **ctx,
				    struct pp_errbuf *eb);

PP_WUR enum pp_err tx_http_create(const struct pp_output_conf *c, const struct transport **t,
				  void **ctx, struct pp_errbuf *eb);
PP_WUR enum pp_err tx_file_create(const struct pp_output_conf *c, const struct transport **t,
				  void **ctx, struct pp_errbuf *eb);

struct pp_output;

/* pp_output_create with every output's transport made by create(conf, arg)
 * instead of by the conf's type: for tests, a fake store. The transport's
 * destroy is called at pp_output_destroy. pp_output_create is this with
 * the HTTP and file transports. */
PP_WUR enum pp_err output_create_tx(const struct pp_output_conf *confs, size_t n,
				    const char *site, tx_create_fn create, void *arg,
				    struct pp_output **out, struct pp_errbuf *eb);

#endif
