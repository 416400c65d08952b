/*
 * http_files DIR [CERT KEY] - a small HTTP file server for the fdo.wget
 * tests, on 127.0.0.1 with a port the kernel picks; HTTPS with the
 * certificate and key given. Prints "listening on http[s]://127.0.0.1:PORT"
 * and "ready" (tests/integration/lib/common.sh srv_start), then serves:
 *
 *   GET /NAME            the file DIR/NAME (one path component of
 *                        letters, digits, '.', '_', '-'; not starting
 *                        with '.'), 200 with Content-Length
 *   GET /redirect/NAME   302 to /NAME
 *   anything else        404
 *
 * Stops on SIGTERM, and by itself after 240 s.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

static const char *root;
static SSL_CTX *tls;

/* HTTPS: every connection a TLS server bufferevent. */
static struct bufferevent *
tls_bev(struct event_base *base, void *arg)
{
    (void)arg;
    return bufferevent_openssl_socket_new(base, -1, SSL_new(tls),
                                          BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static int
name_ok(const char *n)
{
    size_t i;

    if (n[0] == '\0' || n[0] == '.' || strlen(n) > 200)
        return 0;
    for (i = 0; n[i] != '\0'; i++)
        if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
              (n[i] >= '0' && n[i] <= '9') || n[i] == '.' || n[i] == '_' ||
              n[i] == '-'))
            return 0;
    return 1;
}

static void
on_request(struct evhttp_request *req, void *arg)
{
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    char file[512], loc[256];
    struct stat sb;
    int fd;

    (void)arg;
    if (path != NULL && strncmp(path, "/redirect/", 10) == 0 &&
        name_ok(path + 10)) {
        snprintf(loc, sizeof(loc), "/%s", path + 10);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
                          loc);
        evhttp_send_reply(req, 302, "Found", NULL);
        return;
    }
    if (path == NULL || path[0] != '/' || !name_ok(path + 1)) {
        evhttp_send_error(req, 404, NULL);
        return;
    }
    snprintf(file, sizeof(file), "%s/%s", root, path + 1);
    if ((fd = open(file, O_RDONLY)) < 0) {
        evhttp_send_error(req, 404, NULL);
        return;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        evhttp_send_error(req, 404, NULL);
        return;
    }
    evbuffer_add_file(evhttp_request_get_output_buffer(req), fd, 0, sb.st_size);
    evhttp_send_reply(req, 200, "OK", NULL);
}

int
main(int argc, char **argv)
{
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bs;
    struct sockaddr_in a;
    socklen_t al = sizeof(a);

    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: http_files DIR [CERT KEY]\n");
        return 2;
    }
    root = argv[1];
    alarm(240);
    if ((base = event_base_new()) == NULL || (http = evhttp_new(base)) == NULL)
        return 1;
    if (argc == 4) {
        if ((tls = SSL_CTX_new(TLS_server_method())) == NULL ||
            SSL_CTX_use_certificate_chain_file(tls, argv[2]) != 1 ||
            SSL_CTX_use_PrivateKey_file(tls, argv[3], SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "http_files: cannot load %s / %s\n", argv[2],
                    argv[3]);
            return 1;
        }
        evhttp_set_bevcb(http, tls_bev, NULL);
    }
    evhttp_set_gencb(http, on_request, NULL);
    if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) == NULL ||
        getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&a,
                    &al) != 0) {
        fprintf(stderr, "http_files: cannot listen\n");
        return 1;
    }
    printf("listening on http%s://127.0.0.1:%u\nready\n", tls ? "s" : "",
           (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    event_base_dispatch(base);
    evhttp_free(http);
    event_base_free(base);
    if (tls != NULL)
        SSL_CTX_free(tls);
    return 0;
}
