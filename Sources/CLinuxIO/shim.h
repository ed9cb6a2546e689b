/* Linux's epoll, eventfd and accept4 for WicketFastCGI's event loops (the Glibc module has none). */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
/* accept4 is declared only under _GNU_SOURCE, which the Glibc module is not built with. */
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
