/*
 * noop-responder: the do-nothing libfcgi responder that bounds the cost of Wicket's request
 * path (docs/architecture.md, docs/benchmarks.md). It reads the whole request body and always answers the allow shape:
 * Status 200 with X-Accel-Redirect to the named location @wicket_mcp and no body.
 *
 * Build: cc -O2 -o noop-responder noop-responder.c -lfcgi -lpthread
 * Run:   noop-responder /path/to/noop.sock [threads]   (socket mode 0666; benchmark use only)
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int listen_fd;

/* Written with FCGX_PutStr: FCGX_FPrintF does not understand %zu. */
static const char allow[] =
    "Status: 200 OK\r\n"
    "X-Accel-Redirect: @wicket_mcp\r\n"
    "X-Wicket-Token: Bearer noop-upstream-credential\r\n"
    "X-Wicket-Decision: allow\r\n"
    "X-Wicket-Rule: noop\r\n"
    "\r\n";

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request request;
    char buffer[16384];
    if (FCGX_InitRequest(&request, listen_fd, 0) != 0) return NULL;
    while (FCGX_Accept_r(&request) >= 0) {
        while (FCGX_GetStr(buffer, sizeof buffer, request.in) > 0) {
        }
        FCGX_PutStr(allow, (int)(sizeof allow - 1), request.out);
        /* Close without libfcgi's lingering shutdown, as Wicket does (FCGXRequestIO.finish). */
        FCGX_Detach(&request);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET [THREADS]\n", argv[0]);
        return 1;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 8;
    if (threads < 1 || threads > 256) threads = 8;
    if (FCGX_Init() != 0) return 1;
    unlink(argv[1]);
    listen_fd = FCGX_OpenSocket(argv[1], 1024);
    if (listen_fd < 0) {
        fprintf(stderr, "cannot listen on %s\n", argv[1]);
        return 1;
    }
    chmod(argv[1], 0666);
    pthread_t ids[256];
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    return 0;
}
