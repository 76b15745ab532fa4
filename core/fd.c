/* fd.c - see fd.h: keeping low descriptor numbers for select() users. */
#include <fcntl.h>
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
