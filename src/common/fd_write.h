/* Writing to a file descriptor without losing bytes to short writes. */
#ifndef HMLCOST_COMMON_FD_WRITE_H
#define HMLCOST_COMMON_FD_WRITE_H

#include <stddef.h>

/* Writes all len bytes of buf to fd, over short writes and EINTR. 0, the
 * errno of a failed write, or -1 when write wrote nothing. */
int fd_write_all(int fd, const char *buf, size_t len);

#endif
