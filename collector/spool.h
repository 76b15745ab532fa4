/* spool.h - private: a size-capped FIFO of batches on disk, one file each,
 * named by a sequence number so order survives a restart. Not thread-safe:
 * the output serialises access. */
#ifndef PP_SPOOL_H
#define PP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "powerpark/err.h"

struct spool;

/* Opens (creating) dir (borrowed) and indexes the batches already there. */
PP_WUR enum pp_err spool_open(const char *dir, uint64_t max_bytes, struct spool **out,
			      struct pp_errbuf *eb);
void spool_close(struct spool *s);

/* Appends a batch at the tail (front = 0) or the head (front = 1). When the
 * cap would be passed the oldest batches are deleted and their line counts
 * added to *dropped. */
PP_WUR enum pp_err spool_push(struct spool *s, const char *data, size_t len, size_t lines,
			      int front, uint64_t *dropped, struct pp_errbuf *eb);

/* Reads the oldest batch into a malloc'd buffer (taken by the caller).
 * Returns PP_OK with *data NULL when the spool is empty. */
PP_WUR enum pp_err spool_peek(struct spool *s, char **data, size_t *len, size_t *lines,
			      uint64_t *seq, struct pp_errbuf *eb);

/* Deletes the batch seq if it is still the oldest. */
void spool_pop(struct spool *s, uint64_t seq);

size_t spool_count(const struct spool *s);
uint64_t spool_bytes(const struct spool *s);

#endif
