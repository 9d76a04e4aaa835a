package io.ipvs4j.netlink.internal.sys.ffi;

import jnr.ffi.annotations.IgnoreError;

/**
 * The libc functions ipvs4j calls, and nothing else. Buffers are passed as raw addresses of
 * direct buffers that the caller owns and keeps reachable for the duration of the call, so no
 * marshalling copies are made.
 *
 * <p>errno is saved by jnr-ffi after every call not marked {@link IgnoreError}; read it with
 * {@code Runtime.getLastError()} immediately after the call, on the same thread.
 */
public interface LibC {
    int socket(int domain, int type, int protocol);

    int bind(int fd, long sockaddr, int addrlen);

    int getsockname(int fd, long sockaddr, long addrlenPtr);

    int setsockopt(int fd, int level, int optname, long optval, int optlen);

    int getsockopt(int fd, int level, int optname, long optval, long optlenPtr);

    /** An unconnected netlink socket sends to the kernel (port 0) when no address is given. */
    long send(int fd, long buf, long len, int flags);

    long recv(int fd, long buf, long len, int flags);

    /** Several datagrams in one call; {@code msgvec} is an array of struct mmsghdr. */
    int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    int close(int fd);

    /** {@code msghdr}: a struct msghdr with its iovec and control buffer (raw sockets). */
    long sendmsg(int fd, long msghdr, int flags);

    long recvmsg(int fd, long msghdr, int flags);

    /** {@code fds}: an array of struct pollfd. */
    int poll(long fds, long nfds, int timeoutMillis);

    int ioctl(int fd, long request, long arg);

    int setns(int fd, int nstype);

    int open(String path, int flags);

    int unshare(int flags);

    @IgnoreError
    int getpid();

    int getpagesize();
}
