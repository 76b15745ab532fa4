/* test_hostlist.c - the config's host-list expander (core/hostlist.c)
 * against libslurm's own (slurm_hostlist_create / _shift) on random lists
 * of the shapes sites write (prefixes, zero-padded and plain ranges, lists
 * in brackets, several items), and what it refuses, with the place. */
#include <slurm/slurm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/hostlist.h"
#include "pp_test.h"

static uint64_t rng = 0x6a09e667f3bcc908ULL;

struct names {
	char (*v)[PP_HOST_MAX];
	size_t n, cap;
};

static int keep(void *ud, const char *name)
{
	struct names *ns = ud;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 64;
		ns->v = realloc(ns->v, ns->cap * sizeof *ns->v);
	}
	snprintf(ns->v[ns->n++], PP_HOST_MAX, "%s", name);
	return 0;
}

/* A random list: 1-3 items, each a prefix and 0-1 brackets of 1-3 parts. */
static void rand_list(char *s, size_t cap)
{
	static const char *const pre[] = {"gpu", "node", "dgx-a", "r07n", "h100_"};
	size_t o = 0;
	int items = 1 + (int)(pt_rand(&rng) % 3);
	for (int i = 0; i < items; i++) {
		o += (size_t)snprintf(s + o, cap - o, "%s%s", i ? "," : "", pre[pt_rand(&rng) % 5]);
		if (pt_rand(&rng) % 4 == 0) {
			o += (size_t)snprintf(s + o, cap - o, "%d", (int)(pt_rand(&rng) % 100));
			continue;
		}
		int parts = 1 + (int)(pt_rand(&rng) % 3), w = 1 + (int)(pt_rand(&rng) % 4);
		o += (size_t)snprintf(s + o, cap - o, "[");
		int at = (int)(pt_rand(&rng) % 50);
		for (int k = 0; k < parts; k++) {
			int lo = at, hi = lo + (int)(pt_rand(&rng) % 12);
			at = hi + 1 + (int)(pt_rand(&rng) % 5);
			int pw = pt_rand(&rng) % 2 ? w : 0; /* zero-padded or plain */
			if (pt_rand(&rng) % 3)
				o += (size_t)snprintf(s + o, cap - o, "%s%0*d-%0*d", k ? "," : "", pw, lo,
						      pw, hi);
			else
				o += (size_t)snprintf(s + o, cap - o, "%s%0*d", k ? "," : "", pw, lo);
		}
		o += (size_t)snprintf(s + o, cap - o, "]");
	}
}

static void t_against_libslurm(void)
{
	for (int k = 0; k < 2000; k++) {
		char s[512], err[200];
		rand_list(s, sizeof s);
		struct names ns = {0};
		long n = pp_hostlist_each(s, PP_HOSTLIST_MAX, keep, &ns, err, sizeof err);
		hostlist_t hl = slurm_hostlist_create(s);
		size_t i = 0;
		char *h;
		int same = n >= 0 && hl;
		while (hl && (h = slurm_hostlist_shift(hl))) {
			same &= i < ns.n && !strcmp(h, ns.v[i]);
			i++;
			free(h);
		}
		PT_CHECK(same && i == ns.n && (long)i == n, "'%s': %ld names (%s), libslurm %zu%s%s", s,
			 n, n < 0 ? err : "", i, ns.n ? ", first " : "", ns.n ? ns.v[0] : "");
		if (hl)
			slurm_hostlist_destroy(hl);
		free(ns.v);
	}
}

static void t_shapes(void)
{
	struct names ns = {0};
	char err[200];
	PT_CHECK(pp_hostlist_each("r[1-2]n[08-10],login", 100, keep, &ns, err, sizeof err) == 7,
		 "product of two brackets and an item: %s", err);
	PT_CHECK(ns.n == 7 && !strcmp(ns.v[0], "r1n08") && !strcmp(ns.v[2], "r1n10") &&
		 !strcmp(ns.v[3], "r2n08") && !strcmp(ns.v[6], "login"), "in order");
	free(ns.v);
}

static void t_refused(void)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{"", "empty"},
		{"gpu[1-4", "'[' without ']'"},
		{"gpu1-4]", "']' without '['"},
		{"gpu[4-1]", "downwards"},
		{"gpu[1-]", "expected a number"},
		{"gpu[a]", "expected a number"},
		{"gpu[1;2]", "expected ','"},
		{"a,,b", "an empty name"},
		{"a,", "an empty name"},
		{"gpu 1", "' ' in a host name"},
		{"gpu[1[2]]", "inside a bracket"},
		{"gpu[1-99999]", "more than 1000 names"},
		{"n[0000000001-2]", "more than 9 digits"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct names ns = {0};
		char err[200];
		long n = pp_hostlist_each(bad[i].s, 1000, keep, &ns, err, sizeof err);
		PT_CHECK(n < 0 && strstr(err, bad[i].why) && strstr(err, "character "),
			 "'%s': %ld, [%s], want [%s]", bad[i].s, n, err, bad[i].why);
		free(ns.v);
	}
	char name[80];
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	struct names ns = {0};
	char err[200];
	PT_CHECK(pp_hostlist_each(name, 10, keep, &ns, err, sizeof err) < 0 &&
		 strstr(err, "over 63 bytes"), "a 79-byte name: %s", err);
	free(ns.v);
}

int main(void)
{
	PT_RUN(t_against_libslurm);
	PT_RUN(t_shapes);
	PT_RUN(t_refused);
	return PT_DONE("test_hostlist");
}
