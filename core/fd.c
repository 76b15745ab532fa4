/* fd.c - see fd.h: keeping low descriptor numbers for select() users, and
 * folders made with their parents. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "powerpark/fd.h"

void pp_fd_raise_limit(void)
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int pp_fd_move_high(int fd)
{
	if (fd < 0 || fd >= FD_SETSIZE)
		return fd;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, FD_SETSIZE);
	if (hi < 0)
		return fd; /* limit too low: stay, select() users may suffer */
	close(fd);
	return hi;
}

int pp_fd_mkdirs(const char *dir, unsigned mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, (mode_t)mode) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(tmp, (mode_t)mode) && errno != EEXIST ? -1 : 0;
}
