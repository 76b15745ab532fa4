/* ywalk.h - private helpers to walk a libfyaml tree and report problems with
 * file:line:column. Used by the config and profile loaders only. */
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
	struct pp_diags *diags;
	struct ypool *pool;
	size_t nproblems;
};

void *yalloc(struct ywalk *w, size_t n);            /* zeroed, pooled; aborts on OOM */
char *ystrdup(struct ywalk *w, const char *s, size_t n);
void ypool_free(struct ypool *p);

/* Position of a node (its first scalar, else fallback). */
struct pp_pos ypos(struct ywalk *w, struct fy_node *n, struct pp_pos fallback);

/* Records "FILE:LINE:COL: message" at pos. */
void yproblem_at(struct ywalk *w, struct pp_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void yproblem(struct ywalk *w, struct fy_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses a YAML file (or text when text != NULL), reporting syntax errors.
 * Returns the document or NULL. */
struct fy_document *yparse(struct ywalk *w, const char *path, const char *text, size_t len);

/* Checks that map is a mapping whose keys are all in allowed (NULL-ended)
 * and that every key in required is present. what names the object in
 * messages ("hall 'a'"). Returns 0 if map is a mapping. */
int ykeys(struct ywalk *w, struct fy_node *map, const char *what, const char *const *allowed,
	  const char *const *required);

/* The value node of key in map, or NULL. */
struct fy_node *yget(struct fy_node *map, const char *key);

/* Typed getters: absent keys leave *out untouched and return 0; a present
 * key of the wrong type or out of range is reported and returns -1. */
int ystr(struct ywalk *w, struct fy_node *map, const char *key, const char **out);
int ynum(struct ywalk *w, struct fy_node *map, const char *key, double lo, double hi,
	 int lo_open, double *out);
int yint(struct ywalk *w, struct fy_node *map, const char *key, long lo, long hi, long *out);
int ybool(struct ywalk *w, struct fy_node *map, const char *key, int *out);
/* A mapping or sequence under key; NULL when absent or (reported) wrong type. */
struct fy_node *ymap(struct ywalk *w, struct fy_node *map, const char *key);
struct fy_node *yseq(struct ywalk *w, struct fy_node *map, const char *key);
/* Scalar text of a node (NULL if not a scalar). */
const char *yscalar(struct ywalk *w, struct fy_node *n);

/* The closest candidate to s within a small edit distance, or NULL. */
const char *ysuggest(const char *s, const char *const *cands, size_t n);
/* " (did you mean 'x'?)" or "" */
const char *ydym(char *buf, size_t len, const char *s, const char *const *cands, size_t n);

/* Parses "2026-07-01T14:00:00Z" (or with +hh:mm) to Unix seconds; 0 on ok. */
int yparse_time(const char *s, int64_t *out);

#endif
