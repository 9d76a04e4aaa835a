/*
 * ipvs-ref: a minimal libc-only IPVS client, the reference ("the kernel's speed") that the
 * kernel benchmark measures ipvs4j against, on the same table in the same VM boot.
 *
 *   ipvs-ref add  SERVICES REALSERVERS   add TCP 192.0.2.100:(10000+i), scheduler wlc, each with
 *                                        REALSERVERS DR real servers 198.51.100.(r+1):(10000+i),
 *                                        weight 1 (the table KernelBenchmark builds)
 *   ipvs-ref list                        GET_SERVICE dump, then one GET_DEST dump per service
 *   ipvs-ref flush                       IPVS_CMD_FLUSH
 *   ipvs-ref encode                      prints (hex, one message a line) what "add 1 1" sends,
 *                                        with family id 0x21, no socket: to compare with ipvsadm's
 *                                        golden bytes
 *
 * Prints one line: "<command> rows=N ms=T user_ms=U sys_ms=S" where T is the wall time of the
 * work after the socket is open and the family resolved (as ipvs4j's figures exclude opening
 * the client), U/S this process's CPU time in the same interval. Exits 1 on any error reply,
 * naming the message.
 *
 * Adds pack up to 512 messages per sendmsg (as ipvs4j's BatchSender), only the last one asks
 * for an ACK (ipvs4j's AckMode.LAST_OF_EACH_SEND); errors of the others still come back as
 * NLMSG_ERROR and are checked. The receive buffer is forced to 4 MiB (SO_RCVBUFFORCE, as
 * ipvs4j) so 512 error replies (2 KiB of skb each at most) always fit: none is dropped.
 * NETLINK_CAP_ACK keeps error replies small. Dumps are received with recvmmsg into page-sized
 * buffers (the kernel sizes each dump chunk by the largest receive the socket has used).
 *
 * Layouts and constants: include/uapi/linux/ip_vs.h (IPVS_CMD_*, IPVS_CMD_ATTR_*,
 * IPVS_SVC_ATTR_*, IPVS_DEST_ATTR_*, IPVS_STATS_ATTR_*, IP_VS_CONN_F_DROUTE, struct
 * ip_vs_flags), include/uapi/linux/genetlink.h (CTRL_CMD_GETFAMILY, CTRL_ATTR_*), and what the
 * kernel requires of a full service/dest entry: net/netfilter/ipvs/ip_vs_ctl.c
 * (ip_vs_genl_parse_service, ip_vs_genl_parse_dest). The encoding matches ipvsadm's bytes in
 * /work/shared/fixtures/ipvsadm/02-add-service-tcp.msgs and 06-add-dest-dr.msgs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/ip_vs.h */
enum { IPVS_CMD_NEW_SERVICE = 1, IPVS_CMD_GET_SERVICE = 4, IPVS_CMD_NEW_DEST = 5,
       IPVS_CMD_GET_DEST = 8, IPVS_CMD_FLUSH = 17 };
enum { IPVS_CMD_ATTR_SERVICE = 1, IPVS_CMD_ATTR_DEST = 2 };
enum { IPVS_SVC_ATTR_AF = 1, IPVS_SVC_ATTR_PROTOCOL, IPVS_SVC_ATTR_ADDR, IPVS_SVC_ATTR_PORT,
       IPVS_SVC_ATTR_FWMARK, IPVS_SVC_ATTR_SCHED_NAME, IPVS_SVC_ATTR_FLAGS, IPVS_SVC_ATTR_TIMEOUT,
       IPVS_SVC_ATTR_NETMASK, IPVS_SVC_ATTR_STATS, IPVS_SVC_ATTR_PE_NAME, IPVS_SVC_ATTR_STATS64 };
enum { IPVS_DEST_ATTR_ADDR = 1, IPVS_DEST_ATTR_PORT, IPVS_DEST_ATTR_FWD_METHOD,
       IPVS_DEST_ATTR_WEIGHT, IPVS_DEST_ATTR_U_THRESH, IPVS_DEST_ATTR_L_THRESH,
       IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_INACT_CONNS, IPVS_DEST_ATTR_PERSIST_CONNS,
       IPVS_DEST_ATTR_STATS, IPVS_DEST_ATTR_ADDR_FAMILY, IPVS_DEST_ATTR_STATS64,
       IPVS_DEST_ATTR_TUN_TYPE, IPVS_DEST_ATTR_TUN_PORT, IPVS_DEST_ATTR_TUN_FLAGS };
#define IPVS_GENL_VERSION 1
#define IP_VS_CONN_F_DROUTE 0x0003
#define PER_SEND 512
#define SEND_BUF (PER_SEND * 256)
#define PAGE 4096
#define BATCH_DGRAMS 32

static int fd;
static uint16_t family;
static uint32_t seq = 1;
static char sendbuf[SEND_BUF] __attribute__((aligned(4)));
static char recvbufs[BATCH_DGRAMS][PAGE] __attribute__((aligned(4)));

static void die(const char *what) { fprintf(stderr, "ipvs-ref: %s: %s\n", what, strerror(errno)); exit(1); }

/* ---- encoding ---------------------------------------------------------------------- */
static size_t len;   /* bytes used in sendbuf */

static struct nlmsghdr *begin(uint16_t type, uint16_t flags, uint8_t cmd) {
    struct nlmsghdr *h = (struct nlmsghdr *)(sendbuf + len);
    h->nlmsg_type = type; h->nlmsg_flags = NLM_F_REQUEST | flags; h->nlmsg_seq = seq++; h->nlmsg_pid = 0;
    struct genlmsghdr *g = (struct genlmsghdr *)NLMSG_DATA(h);
    g->cmd = cmd; g->version = IPVS_GENL_VERSION; g->reserved = 0;
    len += NLMSG_HDRLEN + GENL_HDRLEN;
    return h;
}
static void end(struct nlmsghdr *h) { h->nlmsg_len = (uint32_t)(sendbuf + len - (char *)h); }
static void put(uint16_t type, const void *data, uint16_t n) {
    struct nlattr *a = (struct nlattr *)(sendbuf + len);
    a->nla_type = type; a->nla_len = NLA_HDRLEN + n;
    memcpy((char *)a + NLA_HDRLEN, data, n);
    memset((char *)a + NLA_HDRLEN + n, 0, NLA_ALIGN(n) - n);
    len += NLA_HDRLEN + NLA_ALIGN(n);
}
static void put16(uint16_t t, uint16_t v) { put(t, &v, 2); }
static void put32(uint16_t t, uint32_t v) { put(t, &v, 4); }
static size_t nest(uint16_t type) { size_t at = len; put(type | NLA_F_NESTED, NULL, 0); return at; }
static void nest_end(size_t at) { ((struct nlattr *)(sendbuf + at))->nla_len = (uint16_t)(len - at); }

/* The service's identity (af, protocol, address, port), as a NEW_DEST/GET_DEST needs it. */
static void service_key(uint16_t af, uint16_t proto, const void *addr16, uint16_t port_be, uint32_t fwmark) {
    put16(IPVS_SVC_ATTR_AF, af);
    if (fwmark) { put32(IPVS_SVC_ATTR_FWMARK, fwmark); return; }
    put16(IPVS_SVC_ATTR_PROTOCOL, proto);
    put(IPVS_SVC_ATTR_ADDR, addr16, 16);
    put(IPVS_SVC_ATTR_PORT, &port_be, 2);
}

/* ---- receiving --------------------------------------------------------------------- */
/* Receives up to BATCH_DGRAMS datagrams (blocking for the first); returns how many, lengths in lens. */
static int receive(unsigned lens[BATCH_DGRAMS]) {
    struct mmsghdr m[BATCH_DGRAMS];
    struct iovec iov[BATCH_DGRAMS];
    for (int i = 0; i < BATCH_DGRAMS; i++) {
        iov[i].iov_base = recvbufs[i]; iov[i].iov_len = PAGE;
        memset(&m[i].msg_hdr, 0, sizeof m[i].msg_hdr);
        m[i].msg_hdr.msg_iov = &iov[i]; m[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(fd, m, BATCH_DGRAMS, MSG_WAITFORONE, NULL);
    if (n < 0) die("recvmmsg");
    for (int i = 0; i < n; i++) {
        if (m[i].msg_hdr.msg_flags & MSG_TRUNC) { errno = EMSGSIZE; die("datagram truncated"); }
        lens[i] = m[i].msg_len;
    }
    return n;
}

static void check_error(struct nlmsghdr *h, const char *what) {
    if (h->nlmsg_len < NLMSG_HDRLEN + sizeof(int)) { errno = EBADMSG; die("short NLMSG_ERROR"); }
    int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    if (err) { errno = -err; fprintf(stderr, "ipvs-ref: %s, message seq %u: ", what, h->nlmsg_seq); die("kernel error"); }
}

/* Calls on_msg for every message until NLMSG_DONE (dump) or the ACK of seq last (last != 0). */
typedef void (*on_msg_fn)(struct nlmsghdr *h);
static void replies(uint32_t last, on_msg_fn on_msg, const char *what) {
    unsigned lens[BATCH_DGRAMS];
    for (;;) {
        int n = receive(lens);
        int done = 0;
        for (int d = 0; d < n; d++) {
            unsigned left = lens[d];
            for (struct nlmsghdr *h = (struct nlmsghdr *)recvbufs[d]; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
                if (h->nlmsg_type == NLMSG_ERROR) {
                    check_error(h, what);
                    if (h->nlmsg_seq == last) done = 1;
                } else if (h->nlmsg_type == NLMSG_DONE) {
                    done = 1;
                } else if (on_msg) {
                    on_msg(h);
                }
            }
            if (left) { errno = EBADMSG; die("malformed datagram"); }
        }
        if (done) return;
    }
}

static int encode_only;
static void send_buf(void) {
    if (encode_only) {
        for (size_t at = 0; at < len; at += NLMSG_ALIGN(((struct nlmsghdr *)(sendbuf + at))->nlmsg_len)) {
            struct nlmsghdr *h = (struct nlmsghdr *)(sendbuf + at);
            for (uint32_t k = 0; k < h->nlmsg_len; k++) printf("%02x", (unsigned char)sendbuf[at + k]);
            printf("\n");
        }
        len = 0;
        return;
    }
    if (send(fd, sendbuf, len, 0) != (ssize_t)len) die("send");
    len = 0;
}

/* ---- family ------------------------------------------------------------------------ */
static void on_family(struct nlmsghdr *h) {
    struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
    int left = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
    for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left;
         left -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
        if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2)
            memcpy(&family, (char *)a + NLA_HDRLEN, 2);
}

static void open_socket(void) {
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (fd < 0) die("socket");
    int rcvbuf = 4 << 20, one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0) die("SO_RCVBUFFORCE");
    if (setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one) < 0) die("NETLINK_CAP_ACK");
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
    struct nlmsghdr *h = begin(GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
    ((struct genlmsghdr *)NLMSG_DATA(h))->version = 1;
    put(CTRL_ATTR_FAMILY_NAME, "IPVS", 5);
    end(h);
    uint32_t last = h->nlmsg_seq;
    send_buf();
    replies(last, on_family, "resolve family IPVS");
    if (!family) { errno = ENOENT; die("no IPVS family id in the reply"); }
}

/* ---- add --------------------------------------------------------------------------- */
static void add(int services, int per_service, int acks) {
    uint8_t vip[16] = { 192, 0, 2, 100 }, rip[16] = { 198, 51, 100, 0 };
    struct { uint32_t flags, mask; } flags = { 0, 0xffffffff };   /* struct ip_vs_flags */
    int in_send = 0;
    struct nlmsghdr *h = NULL;
    for (int i = 0; i < services; i++) {
        uint16_t port = htons((uint16_t)(10000 + i));
        for (int r = -1; r < per_service; r++) {
            h = begin(family, 0, r < 0 ? IPVS_CMD_NEW_SERVICE : IPVS_CMD_NEW_DEST);
            size_t s = nest(IPVS_CMD_ATTR_SERVICE);
            service_key(AF_INET, IPPROTO_TCP, vip, port, 0);
            if (r < 0) {   /* a full service entry: scheduler, flags, timeout, netmask */
                put(IPVS_SVC_ATTR_SCHED_NAME, "wlc", 4);
                put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof flags);
                put32(IPVS_SVC_ATTR_TIMEOUT, 0);
                put32(IPVS_SVC_ATTR_NETMASK, 0xffffffff);
                nest_end(s);
            } else {       /* a full dest entry */
                nest_end(s);
                size_t d = nest(IPVS_CMD_ATTR_DEST);
                rip[3] = (uint8_t)(r + 1);
                put16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
                put(IPVS_DEST_ATTR_ADDR, rip, 16);
                put(IPVS_DEST_ATTR_PORT, &port, 2);
                put32(IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_DROUTE);
                put32(IPVS_DEST_ATTR_WEIGHT, 1);
                put32(IPVS_DEST_ATTR_U_THRESH, 0);
                put32(IPVS_DEST_ATTR_L_THRESH, 0);
                nest_end(d);
            }
            end(h);
            if (++in_send == PER_SEND) {
                h->nlmsg_flags |= NLM_F_ACK;   /* the last of each send: its ACK ends the send */
                uint32_t last = h->nlmsg_seq;
                send_buf();
                if (acks) replies(last, NULL, "add");
                in_send = 0;
            }
        }
    }
    if (in_send) {
        h->nlmsg_flags |= NLM_F_ACK;
        uint32_t last = h->nlmsg_seq;
        send_buf();
        if (acks) replies(last, NULL, "add");
    }
}

/* ---- list -------------------------------------------------------------------------- */
struct stats { uint64_t v[11]; };
struct service { uint16_t af, proto, port; uint8_t addr[16]; uint32_t fwmark, flags[2], timeout, netmask;
                 char sched[16], pe[16]; struct stats stats, stats64; };
struct dest { uint16_t af, port, tun_port, tun_flags; uint8_t addr[16], tun_type;
              uint32_t fwd, weight, u_thresh, l_thresh, active, inactive, persist; struct stats stats, stats64; };
static struct service *svcs;
static size_t nsvcs, capsvcs;
static struct dest *dests;   /* the dests of the service being listed (reused) */
static size_t ndests, capdests;
static long rows;

#define FOR_ATTRS(a, start, n) \
    for (struct nlattr *a = (struct nlattr *)(start); (n) >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= (n); \
         (n) -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
#define PAYLOAD(a) ((char *)(a) + NLA_HDRLEN)
#define PLEN(a) ((a)->nla_len - NLA_HDRLEN)
static void copy(void *to, size_t size, struct nlattr *a) {
    size_t n = (size_t)PLEN(a) < size ? (size_t)PLEN(a) : size;
    memcpy(to, PAYLOAD(a), n);
}
static void decode_stats(struct stats *s, struct nlattr *nestattr) {
    int left = PLEN(nestattr);
    FOR_ATTRS(a, PAYLOAD(nestattr), left) {
        int t = a->nla_type & NLA_TYPE_MASK;
        if (t < 1 || t > 10) continue;
        uint64_t v = 0;
        if (PLEN(a) == 8) memcpy(&v, PAYLOAD(a), 8);
        else if (PLEN(a) == 4) { uint32_t w; memcpy(&w, PAYLOAD(a), 4); v = w; }
        s->v[t] = v;
    }
}
/* The attributes nested in the genl message's first attribute (SERVICE or DEST). */
static struct nlattr *entry(struct nlmsghdr *h, uint16_t type, int *left) {
    struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
    int n = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
    FOR_ATTRS(x, a, n) if ((x->nla_type & NLA_TYPE_MASK) == type) { *left = PLEN(x); return (struct nlattr *)PAYLOAD(x); }
    errno = EBADMSG; die("reply without its entry attribute");
    return NULL;
}
static void on_service(struct nlmsghdr *h) {
    if (nsvcs == capsvcs) { capsvcs = capsvcs ? 2 * capsvcs : 1024; svcs = realloc(svcs, capsvcs * sizeof *svcs); if (!svcs) die("realloc"); }
    struct service *s = &svcs[nsvcs++];
    memset(s, 0, sizeof *s);
    int left;
    struct nlattr *first = entry(h, IPVS_CMD_ATTR_SERVICE, &left);
    FOR_ATTRS(a, first, left) {
        switch (a->nla_type & NLA_TYPE_MASK) {
        case IPVS_SVC_ATTR_AF: copy(&s->af, 2, a); break;
        case IPVS_SVC_ATTR_PROTOCOL: copy(&s->proto, 2, a); break;
        case IPVS_SVC_ATTR_ADDR: copy(s->addr, 16, a); break;
        case IPVS_SVC_ATTR_PORT: copy(&s->port, 2, a); break;
        case IPVS_SVC_ATTR_FWMARK: copy(&s->fwmark, 4, a); break;
        case IPVS_SVC_ATTR_SCHED_NAME: copy(s->sched, sizeof s->sched - 1, a); break;
        case IPVS_SVC_ATTR_FLAGS: copy(s->flags, 8, a); break;
        case IPVS_SVC_ATTR_TIMEOUT: copy(&s->timeout, 4, a); break;
        case IPVS_SVC_ATTR_NETMASK: copy(&s->netmask, 4, a); break;
        case IPVS_SVC_ATTR_STATS: decode_stats(&s->stats, a); break;
        case IPVS_SVC_ATTR_PE_NAME: copy(s->pe, sizeof s->pe - 1, a); break;
        case IPVS_SVC_ATTR_STATS64: decode_stats(&s->stats64, a); break;
        }
    }
    rows++;
}
static void on_dest(struct nlmsghdr *h) {
    if (ndests == capdests) { capdests = capdests ? 2 * capdests : 64; dests = realloc(dests, capdests * sizeof *dests); if (!dests) die("realloc"); }
    struct dest *d = &dests[ndests++];
    memset(d, 0, sizeof *d);
    int left;
    struct nlattr *first = entry(h, IPVS_CMD_ATTR_DEST, &left);
    FOR_ATTRS(a, first, left) {
        switch (a->nla_type & NLA_TYPE_MASK) {
        case IPVS_DEST_ATTR_ADDR: copy(d->addr, 16, a); break;
        case IPVS_DEST_ATTR_PORT: copy(&d->port, 2, a); break;
        case IPVS_DEST_ATTR_FWD_METHOD: copy(&d->fwd, 4, a); break;
        case IPVS_DEST_ATTR_WEIGHT: copy(&d->weight, 4, a); break;
        case IPVS_DEST_ATTR_U_THRESH: copy(&d->u_thresh, 4, a); break;
        case IPVS_DEST_ATTR_L_THRESH: copy(&d->l_thresh, 4, a); break;
        case IPVS_DEST_ATTR_ACTIVE_CONNS: copy(&d->active, 4, a); break;
        case IPVS_DEST_ATTR_INACT_CONNS: copy(&d->inactive, 4, a); break;
        case IPVS_DEST_ATTR_PERSIST_CONNS: copy(&d->persist, 4, a); break;
        case IPVS_DEST_ATTR_STATS: decode_stats(&d->stats, a); break;
        case IPVS_DEST_ATTR_ADDR_FAMILY: copy(&d->af, 2, a); break;
        case IPVS_DEST_ATTR_STATS64: decode_stats(&d->stats64, a); break;
        case IPVS_DEST_ATTR_TUN_TYPE: copy(&d->tun_type, 1, a); break;
        case IPVS_DEST_ATTR_TUN_PORT: copy(&d->tun_port, 2, a); break;
        case IPVS_DEST_ATTR_TUN_FLAGS: copy(&d->tun_flags, 2, a); break;
        }
    }
    rows++;
}
static uint64_t checksum;   /* keeps the decoded values observable */
static void list(void) {
    struct nlmsghdr *h = begin(family, NLM_F_DUMP, IPVS_CMD_GET_SERVICE);
    end(h);
    send_buf();
    replies(0, on_service, "list services");
    for (size_t i = 0; i < nsvcs; i++) {
        struct service *s = &svcs[i];
        h = begin(family, NLM_F_DUMP, IPVS_CMD_GET_DEST);
        size_t at = nest(IPVS_CMD_ATTR_SERVICE);
        service_key(s->af, s->proto, s->addr, s->port, s->fwmark);
        nest_end(at);
        end(h);
        send_buf();
        ndests = 0;
        replies(0, on_dest, "list real servers");
        for (size_t j = 0; j < ndests; j++) checksum += dests[j].weight + dests[j].stats64.v[1] + dests[j].stats.v[1];
        checksum += s->stats64.v[1] + s->stats.v[1];
    }
}

static double ms(struct timespec a, struct timespec b) { return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6; }
static double tv_ms(struct timeval t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; }

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "add") == 0 && argc != 4)) {
        fprintf(stderr, "usage: ipvs-ref add SERVICES REALSERVERS | list | flush | encode\n");
        return 2;
    }
    if (strcmp(argv[1], "encode") == 0) {
        encode_only = 1;
        family = 0x21;
        add(1, 1, 0);
        return 0;
    }
    open_socket();
    struct rusage r0, r1;
    struct timespec t0, t1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (strcmp(argv[1], "add") == 0) {
        int s = atoi(argv[2]), r = atoi(argv[3]);
        if (s <= 0 || s > 55000 || r < 0 || r > 250) { fprintf(stderr, "ipvs-ref: services 1..55000, real servers 0..250\n"); return 2; }
        add(s, r, 1);
        rows = (long)s * (1 + r);
    } else if (strcmp(argv[1], "list") == 0) {
        list();
    } else if (strcmp(argv[1], "flush") == 0) {
        struct nlmsghdr *h = begin(family, NLM_F_ACK, IPVS_CMD_FLUSH);
        end(h);
        uint32_t last = h->nlmsg_seq;
        send_buf();
        replies(last, NULL, "flush");
    } else {
        fprintf(stderr, "ipvs-ref: unknown command %s\n", argv[1]);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    printf("%s rows=%ld ms=%.3f user_ms=%.3f sys_ms=%.3f checksum=%llu\n", argv[1], rows, ms(t0, t1),
           tv_ms(r1.ru_utime) - tv_ms(r0.ru_utime), tv_ms(r1.ru_stime) - tv_ms(r0.ru_stime),
           (unsigned long long)checksum);
    return 0;
}
