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

#include <string.h>
#include <sys/un.h>

// Passing descriptors over a Unix socket (SCM_RIGHTS): the CMSG_* macros that build and read the ancillary data
// are not visible to Swift. At most 8 descriptors a message, which is what the proxy's hand-over needs and more.
enum { MORSE_MAX_PASSED_FDS = 8 };

static inline ssize_t morse_send_with_fds(int socket, const void *bytes, size_t length, const int *fds, int count) {
    if (count < 0 || count > MORSE_MAX_PASSED_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec io = {.iov_base = (void *)bytes, .iov_len = length};
    union {
        char buffer[CMSG_SPACE(sizeof(int) * MORSE_MAX_PASSED_FDS)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &io, .msg_iovlen = 1};
    if (count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
    }
    return sendmsg(socket, &message, MSG_NOSIGNAL);
}

// Receives one message and the descriptors that came with it (close-on-exec), at most *count of them; *count is
// set to how many. A truncated message or truncated ancillary data closes what came and fails with EMSGSIZE, so a
// caller never holds half a hand-over.
static inline ssize_t morse_receive_with_fds(int socket, void *bytes, size_t capacity, int *fds, int *count) {
    struct iovec io = {.iov_base = bytes, .iov_len = capacity};
    union {
        char buffer[CMSG_SPACE(sizeof(int) * MORSE_MAX_PASSED_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr message = {
        .msg_iov = &io, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    ssize_t received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    int got = 0;
    if (received >= 0) {
        for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL;
             header = CMSG_NXTHDR(&message, header)) {
            if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
            size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < n; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
                if (got < *count) {
                    fds[got++] = fd;
                } else {
                    close(fd);
                }
            }
        }
        if (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
            for (int i = 0; i < got; i++) close(fds[i]);
            got = 0;
            errno = EMSGSIZE;
            received = -1;
        }
    }
    *count = got;
    return received;
}

// Marks every descriptor from `lowest` up close-on-exec (close_range, Linux 5.11), so that a process the proxy
// starts inherits none it was itself handed by its parent: a supervisor that watches a descriptor it gave the proxy
// for the proxy's exit would otherwise wait for the successor's too. Falls back to fcntl on older kernels.
static inline void morse_cloexec_from(int lowest) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
    struct rlimit limit;
    int highest = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
    for (int fd = lowest; fd < highest; fd++) {
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}
