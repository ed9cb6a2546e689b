/* Linux's epoll, eventfd and accept4 for WicketFastCGI's event loops (the Glibc module has none). */
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
/* accept4 and pthread_setname_np are declared only under _GNU_SOURCE, which the Glibc module is not
   built with. */
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
extern int pthread_setname_np(pthread_t thread, const char *name);
/* SCHED_BATCH (include/uapi/linux/sched.h) is likewise defined only under _GNU_SOURCE. */
#define WICKET_SCHED_BATCH 3
