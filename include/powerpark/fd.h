/* fd.h - file descriptors for a process with thousands of sockets, and
 * folders. */
#ifndef PP_FD_H
#define PP_FD_H

/* Raises the soft limit on open files to the hard limit (thousands of
 * agents each hold a socket). Best effort: a failure leaves it as it was. */
void pp_fd_raise_limit(void);

/* Moves fd to a number at or above FD_SETSIZE and returns the new one (the
 * old is closed), or returns fd unchanged when that is not possible.
 * libmodbus waits with select(), which aborts on a descriptor >= FD_SETSIZE
 * (1024); sockets that are only ever polled with epoll (SNMP's) are moved
 * up so that the low numbers stay free for libmodbus. */
int pp_fd_move_high(int fd);

/* Creates dir and its missing parents with the given mode; 0 on success
 * (errno set otherwise). dir is borrowed. */
int pp_fd_mkdirs(const char *dir, unsigned mode);

#endif
