/* util.c - the fuzz targets' private folder and files (util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
