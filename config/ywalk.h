/* ywalk.h - private helpers to walk a libfyaml tree and report problems with
 * file:line:column: the allocation pool, positions, parsing, and the typed
 * reading of one value. The tables of schema.h read with these; the config
 * and plan loaders use them directly only where a table row has a setter. */
#ifndef PP_YWALK_H
#define PP_YWALK_H

#include <libfyaml.h>
#include <stddef.h>
#include <stdint.h>

#include "powerpark/config.h"

/* Allocation pool: everything a config owns, freed together. */
struct ypool {
	void **ptrs;
	size_t n, cap;
};

struct ywalk {
	const char *file;      /* file being walked (pooled copy) */
	const char *dir;       /* its folder: relative paths in it start there */
	struct pp_diags *diags;
	struct ypool *pool;
	size_t nproblems;
};

void *yalloc(struct ywalk *w, size_t n);            /* zeroed, pooled; aborts on OOM */
char *ystrdup(struct ywalk *w, const char *s, size_t n);
void ypool_free(struct ypool *p);

/* Position of a node (its first scalar, else fallback). */
struct pp_pos ypos(struct ywalk *w, struct fy_node *n, struct pp_pos fallback);
/* Position of a node in the file being walked (1:1 when unknown). */
struct pp_pos yposn(struct ywalk *w, struct fy_node *n);

/* Records "FILE:LINE:COL: message" at pos. */
void yproblem_at(struct ywalk *w, struct pp_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void yproblem(struct ywalk *w, struct fy_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A YAML file is read whole before it is parsed; over this it is refused. */
#define PP_YAML_MAX_BYTES (256u << 20)

/* Parses a YAML file (or text when text != NULL, borrowed: it must outlive
 * the document), reporting syntax errors; text that is not UTF-8 is
 * reported at its line and column and never parsed. Returns the document
 * or NULL. */
struct fy_document *yparse(struct ywalk *w, const char *path, const char *text, size_t len);

/* The value node of key in map, or NULL. */
struct fy_node *yget(struct fy_node *map, const char *key);
/* "a scalar", "a list", "a mapping": what n is, for messages. */
const char *ytname(struct fy_node *n);
/* Whether v (under key, for the message) is of type t; reported if not. */
int yis(struct ywalk *w, struct fy_node *v, const char *key, enum fy_node_type t);

/* Typed readers of the value v written under key (key names it in
 * messages): 0 and *out written, or -1 and reported. */
int ystr(struct ywalk *w, struct fy_node *v, const char *key, const char **out);
int ynum(struct ywalk *w, struct fy_node *v, const char *key, double lo, double hi,
	 int lo_open, double *out);
int yint(struct ywalk *w, struct fy_node *v, const char *key, long lo, long hi, long *out);
int ybool(struct ywalk *w, struct fy_node *v, const char *key, int *out);
/* Scalar text of a node (NULL if not a scalar). */
const char *yscalar(struct ywalk *w, struct fy_node *n);

/* Parses "2026-07-01T14:00:00Z" (or with +hh:mm) to Unix seconds; 0 on ok. */
int yparse_time(const char *s, int64_t *out);

#endif
