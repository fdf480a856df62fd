/*
 * Test-only "kernel tap" for the stand-in tracer: an LD_PRELOAD connect() wrapper that appends one
 * line per IPv4 TCP connect made by a process in the fake pod to $ACS_EBPF_FAKE_KERNEL_EVENTS:
 *   comm \t src addr \t src port \t dst addr \t dst port
 * i.e. what the fentry program reads from the socket at tcp_connect(). The source port is taken
 * before the real connect (binding the unbound socket to port 0, as connect() would), because a
 * refused connect leaves the socket unbound again.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_connect)(int, const struct sockaddr *, socklen_t);
  if (!real_connect) real_connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
  const char *path = getenv("ACS_EBPF_FAKE_KERNEL_EVENTS");
  int type = 0;
  socklen_t tl = sizeof type;
  int tcp4 = path && addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in) &&
             getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM;
  struct sockaddr_in src;
  memset(&src, 0, sizeof src);
  if (tcp4) {
    socklen_t sl = sizeof src;
    getsockname(fd, (struct sockaddr *)&src, &sl);
    if (src.sin_port == 0) {
      struct sockaddr_in any;
      memset(&any, 0, sizeof any);
      any.sin_family = AF_INET;
      bind(fd, (struct sockaddr *)&any, sizeof any);
      sl = sizeof src;
      getsockname(fd, (struct sockaddr *)&src, &sl);
    }
  }
  int rc = real_connect(fd, addr, len);
  int saved = errno;
  if (tcp4) {
    const struct sockaddr_in *dst = (const struct sockaddr_in *)addr;
    struct sockaddr_in now;
    socklen_t nl = sizeof now;
    memset(&now, 0, sizeof now);
    if (getsockname(fd, (struct sockaddr *)&now, &nl) == 0 && now.sin_addr.s_addr != 0) src.sin_addr = now.sin_addr;
    else if ((ntohl(dst->sin_addr.s_addr) >> 24) == 127) src.sin_addr.s_addr = htonl(0x7f000001);
    char comm[17];
    memset(comm, 0, sizeof comm);
    int cf = open("/proc/self/comm", O_RDONLY);
    if (cf >= 0) {
      ssize_t n = read(cf, comm, 16);
      if (n > 0 && comm[n - 1] == '\n') comm[n - 1] = 0;
      close(cf);
    }
    char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], line[160];
    inet_ntop(AF_INET, &src.sin_addr, s, sizeof s);
    inet_ntop(AF_INET, &dst->sin_addr, d, sizeof d);
    int n = snprintf(line, sizeof line, "%s\t%s\t%u\t%s\t%u\n", comm, s, ntohs(src.sin_port), d, ntohs(dst->sin_port));
    int ef = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (ef >= 0) {
      if (write(ef, line, n) < 0) { /* best effort */ }
      close(ef);
    }
  }
  errno = saved;
  return rc;
}
