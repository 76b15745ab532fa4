/* hostlist.h - Slurm's host lists ("gpu[001-004,010],login1"), expanded
 * without libslurm, for the layers below the Slurm adapter (the site config
 * names a rack's compute nodes this way). */
#ifndef PP_HOSTLIST_H
#define PP_HOSTLIST_H

#include <stddef.h>

#define PP_HOST_MAX 64        /* a host name's bytes, NUL included */
#define PP_HOSTLIST_MAX 100000 /* names one list may expand to */

/* Calls fn(ud, name) for each name of the host list s (borrowed), in
 * order: items separated by commas outside brackets; in an item each
 * bracket holds numbers and ranges ("001-004,010"), padded to the width of
 * a range's first number when it starts with 0 as Slurm pads, and several
 * brackets expand as their product ("r[1-2]n[1-3]"). name is valid during
 * the call only. Returns the number of names, or -1 with err (errlen
 * bytes) saying what and at which character (1-based) when s is not a host
 * list, a name is over PP_HOST_MAX - 1 bytes, the list is over max names
 * (at most PP_HOSTLIST_MAX), a range runs downwards, or fn returned
 * nonzero (then err holds what fn left there, or "stopped"). */
long pp_hostlist_each(const char *s, size_t max, int (*fn)(void *ud, const char *name), void *ud,
		      char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
