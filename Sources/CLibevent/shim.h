// Umbrella header for the proxy's C dependencies.
// libc headers come first: event2/ headers use fd_set and struct timeval without including what defines them,
// and Swift's module build fails on fd_set otherwise.
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>
#include <malloc.h>
#include <sys/mman.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include <http_parser.h>

#include <sys/syscall.h>

// Exported by libhttp_parser 2.9.4 but not declared in its header: true when a response body ends at EOF.
int http_message_needs_eof(const http_parser *parser);

// accept4 is only declared under _GNU_SOURCE, which Swift's Glibc module is not built with; the syscall is
// what saves the two fcntl calls per accepted connection.
static inline int morse_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return (int)syscall(SYS_accept4, fd, address, length, flags);
}

// http_parser_url's field_data is an array of an anonymous struct, which Swift does not import.
static inline uint16_t morse_url_offset(const struct http_parser_url *url, int field) {
    return url->field_data[field].off;
}
static inline uint16_t morse_url_length(const struct http_parser_url *url, int field) {
    return url->field_data[field].len;
}
