/* spool.h - private: a size-capped FIFO of batches on disk, one file each,
 * named by a sequence number so order survives a restart. Not thread-safe:
 * the output serialises access. */
#ifndef PP_SPOOL_H
#define PP_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "powerpark/err.h"

struct spool;

/* Opens (creating) dir (borrowed) and indexes the batches already there. */
PP_WUR enum pp_err spool_open(const char *dir, uint64_t max_bytes, struct spool **out,
			      struct pp_errbuf *eb);
void spool_close(struct spool *s);

/* Appends a batch (data borrowed, copied to disk) at the tail (front = 0)
 * or the head (front = 1). One policy when room is short, whether at the
 * cap or because the disk is full (ENOSPC, EDQUOT, a short write): the
 * oldest data is dropped, its line count added to *dropped (may be NULL),
 * and logged with back-off. At the tail the oldest spooled batches are
 * deleted until the batch fits under the cap, then, while the disk refuses
 * it, one more each time and the write tried again. A batch at the head is
 * older than every spooled one, so it is the one dropped. When it cannot
 * be stored at all the batch itself is dropped and counted: PP_ERR_FULL.
 * Any other failure (PP_ERR_IO, PP_ERR_NOMEM) counts nothing; the batch is
 * the caller's to keep or count. */
PP_WUR enum pp_err spool_push(struct spool *s, const char *data, size_t len, size_t lines,
			      int front, uint64_t *dropped, struct pp_errbuf *eb);

/* Reads the oldest batch into a malloc'd buffer (taken by the caller).
 * Returns PP_OK with *data NULL when the spool is empty. */
PP_WUR enum pp_err spool_peek(struct spool *s, char **data, size_t *len, size_t *lines,
			      uint64_t *seq, struct pp_errbuf *eb);

/* Deletes the batch seq if it is still the oldest. */
void spool_pop(struct spool *s, uint64_t seq);

/* True when the last push had to drop data for lack of room and no batch
 * has left the spool since. */
int spool_full(const struct spool *s);

size_t spool_count(const struct spool *s);
uint64_t spool_bytes(const struct spool *s);

/* For tests only: replaces write(2) for the batch files (fn NULL: write(2)
 * again), so a test can make a disk that fills up. Set it while no spool
 * is in use. */
typedef ssize_t (*spool_write_fn)(int fd, const void *buf, size_t n);
void spool_set_write(spool_write_fn fn);

#endif
