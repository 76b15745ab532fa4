/* util.c - the fuzz targets' private folder and files (util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "powerpark/config.h"
#include "powerpark/diag.h"
#include "util.h"

#define FZ_PATH_MAX 512

static char dir[FZ_PATH_MAX];

static void remove_dir(void)
{
	char cmd[FZ_PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

const char *fz_dir(void)
{
	if (dir[0])
		return dir;
	struct stat st;
	const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm"
			   : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof dir, "%s/pp-fuzz-XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror(dir);
		abort();
	}
	atexit(remove_dir);
	return dir;
}

const char *fz_write(const char *name, const void *data, size_t len)
{
	static char path[FZ_PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
	char *slash = strrchr(path, '/');
	if (slash > path + strlen(dir)) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror(path);
		abort();
	}
	return path;
}

void fz_remove(const char *name)
{
	char path[FZ_PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
	unlink(path);
}

/* One hall, two rows, three racks: enough for placements, halls and
 * holds to matter. */
static const char park[] =
	"site:\n"
	"  name: fuzz\n"
	"  margin: 0.02\n"
	"  grid: {import_limit_kw: 300}\n"
	"power:\n"
	"  limit_kw: 1000\n"
	"  halls:\n"
	"    - name: a\n"
	"      limit_kw: 200\n"
	"      rows:\n"
	"        - name: a01\n"
	"          limit_kw: 150\n"
	"          racks:\n"
	"            - {name: r1, limit_kw: 40, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"            - {name: r2, limit_kw: 40, base_kw: 2, gpus: 8, gpu_model: H100-SXM}\n"
	"        - name: a02\n"
	"          limit_kw: 150\n"
	"          racks:\n"
	"            - {name: r3, limit_kw: 130, base_kw: 20, gpus: 72, gpu_model: GB200}\n"
	"    - name: b\n"
	"      limit_kw: 100\n"
	"      rows:\n"
	"        - name: b01\n"
	"          limit_kw: 100\n"
	"          racks:\n"
	"            - {name: r4, limit_kw: 40, base_kw: 2, gpus: 8, gpu_model: A100-SXM}\n";

struct pp_config *fz_park(const char *who)
{
	struct pp_diags d;
	pp_diag_init(&d);
	struct pp_config *c = NULL;
	if (pp_config_load_text("park.yaml", park, sizeof park - 1, ".", &c, &d)) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s: %s\n", who, d.lines[i]);
		abort();
	}
	pp_diag_free(&d);
	return c;
}
