/* schema.h - the tables the config and plan loaders read with (after
 * Redis's config.c): one row per key with its name, type, bounds, default,
 * whether it is required, the field it goes to (or a setter) and a line for
 * the docs. From the tables come the loader (yread), the defaults
 * (ydefaults), the messages for unknown and missing keys, and the key
 * reference (ydoc; `powerpark check --keys`, docs/config.md).
 *
 * A row's key is read in table order, so a table also says in which order
 * the problems of one object are reported. An object has at most 64 rows
 * (with its base). */
#ifndef PP_SCHEMA_H
#define PP_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ywalk.h"

enum ytype {
	YT_STR,    /* a non-empty string */
	YT_PATH,   /* a string naming a file, relative to the file's folder */
	YT_NAME,   /* a name the layers above resolve: any scalar as written
		    * (a list or mapping: NULL); its position is kept (pos) */
	YT_NUM,    /* a number in [lo, hi] ((lo, hi] with YF_OPEN), x mult */
	YT_INT,    /* an integer in [lo, hi], x mult, into an int or a 64-bit field */
	YT_BOOL,   /* true/false (yes/no, on/off) into an int */
	YT_ENUM,   /* one of vals, into an int as lo + its index (YF_NAMEOF: the name) */
	YT_PICK,   /* one of vals, into an int as its index; the plan's message */
	YT_TIME,   /* a UTC time (eg), into an int64_t of Unix seconds */
	YT_OBJ,    /* a mapping read with sub into the struct at off (YF_ALLOC: a
		    * new one, its pointer stored at off) */
	YT_LIST,   /* a list of mappings read with sub into a new array at off
		    * (YF_INLINE: the array is at off) with its count at cnt */
	YT_CUSTOM, /* read by set (tdoc says what it takes) */
	YT_CHECK   /* not a key: set runs at this point of the object's reading */
};

#define YF_REQ     0x001u /* the key must be there */
#define YF_OPEN    0x002u /* numbers: > lo, not >= lo */
#define YF_DEF     0x004u /* def (numbers, ints, bools, enums) or sdef (strings) is the default */
#define YF_ABSENT  0x008u /* set runs also when the key is absent (v NULL) */
#define YF_ANYWAY  0x010u /* set runs after a failed read too (c->ok tells) */
#define YF_WHENDEF 0x020u /* the default is given only when `when` admits the key */
#define YF_NAMEOF  0x040u /* enums: the field is a const char * and gets the name */
#define YF_STOP    0x080u /* unless this key is there and read well, the object's
			   * reading ends here */
#define YF_SKIPBAD 0x100u /* lists: an item that is not a mapping takes no slot */
#define YF_INLINE  0x200u /* lists: the array is the field (at most hi items) */
#define YF_MAXEACH 0x400u /* lists: an item beyond hi says "WHAT: at most N KEY" */
#define YF_ALLOC   0x800u /* objects: allocated, pointer at off; absent: NULL */
#define YF_INF     0x1000u /* numbers: "unlimited" is INFINITY */

/* A set or check function's answer that ends the object's reading. */
#define YSTOP 1

struct yctx;
struct ykey;
struct yobj;

/* A setter: reads (YT_CUSTOM) or finishes (after the typed read) the key k
 * with value v (NULL when absent) into c->obj. 0, -1 for a problem, or
 * YSTOP. A YT_CHECK row's set gets v NULL. */
typedef int (*yset_fn)(struct yctx *c, const struct ykey *k, struct fy_node *v);
/* Whether key k applies to the object read so far: NULL yes; "" no, and a
 * value is ignored; else no, and a value is reported as "'KEY' WHY". */
typedef const char *(*ywhen_fn)(const struct yctx *c);

struct ykey {
	const char *name;
	enum ytype type;
	unsigned flags;           /* YF_* */
	double lo, hi;            /* bounds; lists: hi is the most items (0: any) */
	double def;               /* the default (YF_DEF) */
	const char *sdef;         /* strings: the default (YF_DEF) */
	const char *ddoc;         /* the default as the docs say it, when set says it */
	size_t off;               /* the field's offset + 1; 0: no field */
	size_t size;              /* the field's size */
	size_t pos;               /* where the value's position goes: offset + 1, or 0 */
	size_t cnt;               /* lists: where the count goes: offset + 1 */
	double mult;              /* numbers and ints: the field gets value x mult (0: 1) */
	const char *const *vals;  /* enums and picks: the names, NULL-ended */
	const struct yobj *sub;   /* objects and lists: what their mappings hold */
	yset_fn set;
	ywhen_fn when;
	const char *eg;           /* times: the example messages give */
	const char *tdoc;         /* custom: the type as the docs say it */
	const char *doc;          /* one line for the docs */
};

struct yobj {
	const char *what;         /* the object in messages: "hall" */
	const char *title;        /* ... in the docs: "power.halls[]" (NULL: a file's top) */
	const char *doc;          /* a line for the docs */
	const struct ykey *keys;
	size_t nkeys;
	const struct yobj *base;  /* rows read before these (shared by two objects) */
	const struct yobj *like;  /* also gives the defaults of this one's rows (the same
				   * struct read with other keys) */
	size_t size;              /* the struct: list items and YF_ALLOC */
	size_t pos;               /* where the mapping's position goes: offset + 1, or 0 */
	void (*bad)(struct yctx *c); /* runs for an item that is not a mapping */
};

/* The reading of one object. */
struct yctx {
	struct ywalk *w;
	void *L;                  /* the loader's own state */
	const struct yobj *o;
	struct fy_node *map;      /* NULL: absent */
	void *obj;                /* the struct it is read into */
	const struct yctx *up;    /* the object around it (NULL at the top) */
	uint64_t ok;              /* bit i: row i was there and read without a problem */
	int stop;
};

/* Field and position members of a table row, for struct T's member f. */
#define YAT(T, f) .off = offsetof(T, f) + 1, .size = sizeof(((T *)0)->f)
#define YPOS(T, f) .pos = offsetof(T, f) + 1
#define YCNT(T, f) .cnt = offsetof(T, f) + 1
#define YKEYS(a) .keys = a, .nkeys = sizeof a / sizeof a[0]

/* The field of row k in c's object. */
#define YFIELD(c, k) ((void *)((char *)(c)->obj + (k)->off - 1))

/* Reads the mapping map (NULL: absent: only the defaults) with o into obj:
 * gives obj o's defaults, then checks the keys (unknown ones, with what
 * they might have meant and the allowed list; missing required ones) and
 * reads each row's key in table order. up is the object around it (NULL at
 * the top; then w and L are taken from top). Returns 0, or -1 when map is
 * not a mapping (reported). */
int yread(struct yctx *up, const struct yobj *o, struct fy_node *map, void *obj);
/* The top of a file: yread with no object around it. */
int yread_top(struct ywalk *w, void *L, const struct yobj *o, struct fy_node *map, void *obj);

/* Gives obj the defaults of o's rows (those that do not depend on `when`),
 * and of o->like's. */
void ydefaults(const struct yobj *o, void *obj);

/* Whether the row called name was there and read well in c. */
int yok(const struct yctx *c, const char *name);

/* Reads the list v (under k) of mappings with k->sub, like a YT_LIST row
 * into items (n slots of k->sub->size bytes); returns how many were read
 * (the count a YT_LIST row stores). For setters that place items themselves. */
size_t yread_items(struct yctx *c, const struct ykey *k, struct fy_node *v, void *items,
		   size_t n);

/* pp_diag_expected at v (what: "'KEY'" or a noun), counted as a problem. */
void ypick_problem(struct ywalk *w, struct fy_node *v, const char *what,
		   const char *const *names, size_t n);

#endif
