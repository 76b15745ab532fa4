/* fuzz_config.c - the YAML loaders of a site configuration, as `powerpark
 * check -c FILE` runs them (pp_catalog_load_config: the config layer, then
 * the model catalog): the site, the device profiles it names and the
 * scenario section of `powerpark run`. The input is the site file, then any
 * number of profiles, each after a line "#@ NAME" (written as
 * profiles/NAME.yaml beside the site file, where the loader looks first
 * after the file's own profile_path). What loads is summarized as `check`
 * prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powerpark/catalog.h"
#include "powerpark/config.h"
#include "powerpark/diag.h"
#include "util.h"

#define FZ_PROFILES 8        /* profiles an input may carry */
#define FZ_NAME_MAX 32       /* their names: [a-z0-9-], at most this long */

static const char mark[] = "\n#@ ";

static char written[FZ_PROFILES][FZ_NAME_MAX + 16];
static int nwritten;

/* The profile part at s[0..n) (its name line first) to profiles/NAME.yaml;
 * a part with a bad name or over FZ_PROFILES is dropped. */
static void put_profile(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && k < FZ_NAME_MAX &&
	       ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '-'))
		k++;
	if (!k || k == n || s[k] != '\n' || nwritten == FZ_PROFILES)
		return;
	snprintf(written[nwritten], sizeof written[0], "profiles/%.*s.yaml", (int)k, s);
	fz_write(written[nwritten++], s + k + 1, n - k - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int i = 0; i < nwritten; i++)
		fz_remove(written[i]);
	nwritten = 0;
	const char *text = (const char *)data, *end = text + size;
	const char *cut = memmem(text, size, mark, sizeof mark - 1);
	size_t site_len = cut ? (size_t)(cut - text) + 1 : size;
	while (cut) {
		const char *p = cut + sizeof mark - 1;
		const char *next = memmem(p, (size_t)(end - p), mark, sizeof mark - 1);
		put_profile(p, (size_t)((next ? next + 1 : end) - p));
		cut = next;
	}
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *cfg = NULL;
	enum pp_err e = pp_catalog_load_config("site.yaml", text, site_len, fz_dir(), &cfg, &d);
	if (e == PP_OK) {
		if (!cfg)
			abort();
		FILE *null = fopen("/dev/null", "w");
		if (!null)
			abort();
		pp_config_summary(cfg, null);
		fclose(null);
		struct pp_config_totals t;
		pp_config_totals(cfg, &t);
	} else if (!d.n || cfg) {
		abort(); /* a refused file says why, and leaves nothing */
	}
	pp_config_destroy(cfg);
	pp_diag_free(&d);
	return 0;
}
