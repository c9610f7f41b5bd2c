/* RTP sender for the ng load drivers (recording-load.py, relay-load.py): the 20 ms sending loop in C, so that on a
 * 2-core machine the generator does not starve the processes it measures (the Python loop costs ~0.4 cores at
 * 50,000 packets/s).
 *
 * usage: rtp-sender [-p PHASES] [-m] [-l LATE_MS] START SECONDS DRAIN FD:PORT:SSRC...
 *   START    epoch seconds (float) of the first tick;  SECONDS  sending window (ticks = round(SECONDS * 50))
 *   DRAIN    1: read and count what arrives on the legs' sockets (the relayed packets); 0: leave it unread
 *   FD:PORT:SSRC  one per leg: a UDP socket inherited from the driver, the relay port on 127.0.0.1 it sends
 *            to, and its SSRC. Legs may share a socket (one socket, many relay ports): the relay answers each
 *            stream from its own port, and -m tells the streams apart by SSRC.
 *   -p PHASES  spread the legs over PHASES evenly spaced sub-ticks of the 20 ms (leg i sends at
 *            (i % PHASES) * 20 / PHASES ms into each tick), as calls that did not all start at once; default 1:
 *            every leg in one burst per 20 ms. Draining runs at every sub-tick.
 *   -m       measure per stream: the first 8 payload bytes carry the send time (CLOCK_MONOTONIC ns), and every
 *            packet read back is matched to the stream that sent it by its SSRC; adds per-stream loss, late
 *            packets and the one-way delay through the relay (read at the next sub-tick: +0-20/PHASES ms).
 *   -l LATE_MS  with -m, a packet read back more than LATE_MS after it was sent is late (default 60: a
 *            jitter buffer's depth); late packets are still counted as received.
 * Every 20 ms each leg sends one 172-byte PCMU packet (seq = tick & 0xffff from 1, ts = tick * 160, 160 zero
 * bytes of payload but for -m's stamp), then after the window it waits 0.5 s (still draining) and prints one
 * JSON line: {"ticks","sent","send_errors","relayed","elapsed","worst_late_ms","cpu"}, with -m also
 * "streams","streams_lossy","worst_stream_loss","late","streams_late","unknown","delay_p50_ms",
 * "delay_p99_ms","delay_max_ms".
 *
 * Packets go out through io_uring, one system call per sub-tick for all its legs whatever their sockets
 * (sendmmsg batches only one socket's messages, and one sendto per packet costs about twice the CPU where
 * system calls are dear: PTI, nested virtualisation). Without io_uring (seccomp, kernel.io_uring_disabled,
 * kernel < 5.3), or with RTP_SENDER_SENDTO=1 in the environment, it sends with sendto.
 * build: gcc -O2 -Wall -o bench/.build/rtp-sender bench/rtp-sender.c */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 20000000LL
#define PKT_LEN 172
#define RTP_HEADER 12
#define BATCH 64          /* datagrams per recvmmsg */
#define DELAY_BINS 2001   /* 1 ms bins of the delay histogram; the last holds everything from 2 s */

struct leg {
  int fd, inflight;
  long sent, received, late;
  int64_t stamp_ns;       /* send time written into the payload (-m) */
  struct sockaddr_in dst;
  unsigned char *pkt;     /* own buffer: the SSRC differs, and io_uring reads it after the call returns */
  struct iovec iov;
  struct msghdr msg;
};

static struct leg *legs;
static int nlegs;
static long long sent, send_errors, relayed, unknown;
static int first_errno;
static int measure;
static int64_t late_ns = 60000000LL;
static long long delay_hist[DELAY_BINS];
static int64_t delay_max;

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "rtp-sender: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(2);
}

static int64_t now_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}
static double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
static void sleep_until(int64_t deadline) {
  struct timespec t = { deadline / 1000000000LL, deadline % 1000000000LL };
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {}
}
static void send_failed(int err) {
  send_errors++;
  if (!first_errno) first_errno = err;
}
static void stamp(struct leg *l, const uint16_t *seq_n, const uint32_t *ts_n, int64_t now) {
  memcpy(l->pkt + 2, seq_n, 2);
  memcpy(l->pkt + 4, ts_n, 4);
  if (measure) memcpy(l->pkt + RTP_HEADER, &now, sizeof now);
}

/* --- streams by SSRC (-m): open addressing, linear probing; the driver draws distinct SSRCs --- */
static int *by_ssrc;      /* leg index + 1, 0: empty */
static uint32_t ssrc_mask;

static uint32_t ssrc_slot(uint32_t ssrc) { return (ssrc * 2654435761u) & ssrc_mask; }
static void ssrc_index(void) {
  uint32_t size = 16;
  while (size < 2u * (uint32_t)nlegs) size <<= 1;
  ssrc_mask = size - 1;
  by_ssrc = calloc(size, sizeof *by_ssrc);
  if (!by_ssrc) die("%s", "out of memory");
  for (int i = 0; i < nlegs; i++) {
    uint32_t ssrc, h;
    memcpy(&ssrc, legs[i].pkt + 8, 4);
    for (h = ssrc_slot(ssrc); by_ssrc[h]; h = (h + 1) & ssrc_mask) {}
    by_ssrc[h] = i + 1;
  }
}
static struct leg *ssrc_leg(const unsigned char *pkt) {
  uint32_t ssrc;
  memcpy(&ssrc, pkt + 8, 4);
  for (uint32_t h = ssrc_slot(ssrc); by_ssrc[h]; h = (h + 1) & ssrc_mask) {
    struct leg *l = &legs[by_ssrc[h] - 1];
    if (!memcmp(l->pkt + 8, &ssrc, 4)) return l;
  }
  return NULL;
}

/* --- io_uring through its raw system calls (no liburing: libc only) --- */
static struct {
  int fd;
  unsigned entries, *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
} ring = { .fd = -1 };

static int ring_init(unsigned want) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  unsigned entries = 8;
  while (entries < want && entries < 4096) entries <<= 1;   /* more legs than that go in several calls */
  int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
  if (fd < 0) return -errno;
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if ((p.features & IORING_FEAT_SINGLE_MMAP) && cq_len > sq_len) sq_len = cq_len;
  char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
  char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq
             : mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
  void *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) { int e = errno; close(fd); return -e; }
  ring.fd = fd;
  ring.entries = p.sq_entries;
  ring.sq_head = (unsigned *)(sq + p.sq_off.head);
  ring.sq_tail = (unsigned *)(sq + p.sq_off.tail);
  ring.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  ring.sq_array = (unsigned *)(sq + p.sq_off.array);
  ring.cq_head = (unsigned *)(cq + p.cq_off.head);
  ring.cq_tail = (unsigned *)(cq + p.cq_off.tail);
  ring.cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  ring.sqes = sqes;
  ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  return 0;
}

static void ring_reap(void) {
  unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
  for (; head != tail; head++) {
    struct io_uring_cqe *c = &ring.cqes[head & *ring.cq_mask];
    struct leg *l = &legs[c->user_data];
    l->inflight = 0;
    if (c->res == PKT_LEN) { sent++; l->sent++; }
    else send_failed(c->res < 0 ? -c->res : EMSGSIZE);
  }
  __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
}

/* Sends legs first, first + step, ... (one phase of the tick) in as few io_uring_enter calls as the ring allows. */
static void ring_send(int first, int step, const uint16_t *seq_n, const uint32_t *ts_n) {
  ring_reap();
  int i = first;
  int64_t now = measure ? now_ns(CLOCK_MONOTONIC) : 0;
  while (i < nlegs || *ring.sq_tail != __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE)) {
    unsigned tail = *ring.sq_tail, head = __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE);
    for (; i < nlegs && tail - head < ring.entries; i += step) {
      struct leg *l = &legs[i];
      /* a send io_uring could not finish at once (it waits for buffer space) still owns the buffer: this
       * tick's packet for that leg is dropped and counted, not written under it */
      if (l->inflight) { send_failed(EBUSY); continue; }
      stamp(l, seq_n, ts_n, now);
      unsigned idx = tail & *ring.sq_mask;
      struct io_uring_sqe *e = &ring.sqes[idx];
      memset(e, 0, sizeof *e);
      e->opcode = IORING_OP_SENDMSG;
      e->fd = l->fd;
      e->addr = (uintptr_t)&l->msg;
      e->len = 1;
      e->msg_flags = MSG_DONTWAIT;
      e->user_data = (uint64_t)i;
      ring.sq_array[idx] = idx;
      l->inflight = 1;
      tail++;
    }
    __atomic_store_n(ring.sq_tail, tail, __ATOMIC_RELEASE);
    /* non-blocking UDP sends complete inside this call; their completions are read right after */
    if (syscall(__NR_io_uring_enter, ring.fd, tail - head, 0, 0, NULL, 0) < 0 &&
        errno != EINTR && errno != EAGAIN && errno != EBUSY)
      die("io_uring_enter: %s", strerror(errno));
    ring_reap();
  }
}

static void sendto_send(int first, int step, const uint16_t *seq_n, const uint32_t *ts_n) {
  int64_t now = measure ? now_ns(CLOCK_MONOTONIC) : 0;
  for (int i = first; i < nlegs; i += step) {
    struct leg *l = &legs[i];
    stamp(l, seq_n, ts_n, now);
    if (sendto(l->fd, l->pkt, PKT_LEN, MSG_DONTWAIT, (struct sockaddr *)&l->dst, sizeof l->dst) == PKT_LEN) {
      sent++;
      l->sent++;
    } else send_failed(errno);
  }
}

/* --- draining: everything queued on the readable sockets, once per sub-tick (one epoll_wait for all of them
 * rather than a wake-up per packet, as reading them as they arrive would cost) --- */
static struct epoll_event *evs;
static int nsockets;
static char bufs[BATCH][2048];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];

static void account(int got) {
  int64_t now = now_ns(CLOCK_MONOTONIC);
  for (int j = 0; j < got; j++) {
    const unsigned char *p = (const unsigned char *)bufs[j];
    struct leg *l = msgs[j].msg_len >= RTP_HEADER + 8 ? ssrc_leg(p) : NULL;
    if (!l) { unknown++; continue; }
    int64_t sent_at;
    memcpy(&sent_at, p + RTP_HEADER, sizeof sent_at);
    int64_t delay = now - sent_at;
    if (delay < 0) delay = 0;
    l->received++;
    if (delay > late_ns) l->late++;
    if (delay > delay_max) delay_max = delay;
    int64_t bin = delay / 1000000;
    delay_hist[bin < DELAY_BINS - 1 ? bin : DELAY_BINS - 1]++;
  }
}

static void drain_ready(int ep, int timeout_ms) {
  int n = epoll_wait(ep, evs, nsockets, timeout_ms);
  for (int i = 0; i < n; i++) {
    int fd = evs[i].data.fd;
    for (;;) {   /* a short batch means the queue was empty: saves the call that would end in EAGAIN */
      int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
      if (got <= 0) break;
      relayed += got;
      if (measure) account(got);
      if (got < BATCH) break;
    }
  }
}

/* The delay under which a fraction q of the packets read back arrived, in ms (bin upper edge). */
static double delay_quantile(double q) {
  long long total = 0, seen = 0;
  for (int i = 0; i < DELAY_BINS; i++) total += delay_hist[i];
  if (!total) return 0;
  for (int i = 0; i < DELAY_BINS; i++) {
    seen += delay_hist[i];
    if (seen >= q * total) return i + 1;
  }
  return DELAY_BINS;
}

int main(int argc, char **argv) {
  const char *usage = "usage: rtp-sender [-p PHASES] [-m] [-l LATE_MS] START SECONDS DRAIN FD:PORT:SSRC...";
  char *end;
  int phases = 1, opt;
  while ((opt = getopt(argc, argv, "+p:ml:")) != -1) {
    if (opt == 'p') {
      phases = (int)strtol(optarg, &end, 10);
      if (*end || phases < 1 || phases > 1000) die("bad -p '%s' (want 1-1000 phases per 20 ms)", optarg);
    } else if (opt == 'm') measure = 1;
    else if (opt == 'l') {
      double ms = strtod(optarg, &end);
      if (*end || ms <= 0) die("bad -l '%s' (want milliseconds > 0)", optarg);
      late_ns = (int64_t)(ms * 1e6);
    } else die("%s", usage);
  }
  argc -= optind - 1;
  argv += optind - 1;
  if (argc < 5) die("%s", usage);
  double start = strtod(argv[1], &end);
  if (*end || start <= 0) die("bad start time '%s'", argv[1]);
  double seconds = strtod(argv[2], &end);
  if (*end || seconds < 0) die("bad seconds '%s'", argv[2]);
  int drain = strcmp(argv[3], "0") != 0;
  long total_ticks = (long)(seconds * 50 + 0.5);

  nlegs = argc - 4;
  if (phases > nlegs) phases = nlegs;
  legs = calloc(nlegs, sizeof *legs);
  unsigned char *pkts = calloc(nlegs, PKT_LEN);
  if (!legs || !pkts) die("%s", "out of memory");
  for (int i = 0; i < nlegs; i++) {
    char *a = argv[i + 4], *p = a;
    long fd = strtol(p, &end, 10);
    if (end == p || *end != ':') die("bad leg '%s' (want FD:PORT:SSRC)", a);
    p = end + 1;
    long port = strtol(p, &end, 10);
    if (end == p || *end != ':' || port < 1 || port > 65535) die("bad leg '%s' (want FD:PORT:SSRC)", a);
    p = end + 1;
    unsigned long ssrc = strtoul(p, &end, 10);
    if (end == p || *end || ssrc > 0xffffffffUL) die("bad leg '%s' (want FD:PORT:SSRC)", a);
    int type; socklen_t tl = sizeof type;
    /* a missing pass_fds shows here rather than as a run that sent nothing */
    if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
      die("leg '%s': fd is not an inherited UDP socket", a);
    struct leg *l = &legs[i];
    l->fd = (int)fd;
    l->dst.sin_family = AF_INET;
    l->dst.sin_port = htons((uint16_t)port);
    l->dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l->pkt = pkts + (size_t)i * PKT_LEN;
    l->pkt[0] = 0x80;                       /* V=2, PT 0 (PCMU); the payload stays zero */
    uint32_t ssrc_n = htonl((uint32_t)ssrc);
    memcpy(l->pkt + 8, &ssrc_n, 4);
    l->iov.iov_base = l->pkt;
    l->iov.iov_len = PKT_LEN;
    l->msg.msg_name = &l->dst;
    l->msg.msg_namelen = sizeof l->dst;
    l->msg.msg_iov = &l->iov;
    l->msg.msg_iovlen = 1;
  }
  if (measure) ssrc_index();

  const char *force = getenv("RTP_SENDER_SENDTO");
  int use_ring = !(force && *force && strcmp(force, "0"));
  if (use_ring) {
    int err = ring_init((unsigned)(nlegs + phases - 1) / phases);
    if (err) {
      fprintf(stderr, "rtp-sender: io_uring unavailable (%s), sending with sendto\n", strerror(-err));
      use_ring = 0;
    }
  }

  int ep = -1;
  if (drain) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i]; iovs[i].iov_len = sizeof bufs[i];
      msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1;
    }
    evs = calloc(nlegs, sizeof *evs);
    ep = epoll_create1(0);
    if (!evs || ep < 0) die("epoll: %s", strerror(errno));
    /* each socket once, however many legs share it */
    for (int i = 0; i < nlegs; i++) {
      struct epoll_event ev = { .events = EPOLLIN, .data.fd = legs[i].fd };
      if (epoll_ctl(ep, EPOLL_CTL_ADD, legs[i].fd, &ev) == 0) nsockets++;
      else if (errno != EEXIST) die("epoll_ctl: %s", strerror(errno));
    }
  }

  /* START is wall-clock (shared with the driver and the other senders); the schedule runs on the monotonic
   * clock from the matching instant so that a clock step mid-window cannot skip or bunch ticks. */
  int64_t t0 = now_ns(CLOCK_MONOTONIC) + (int64_t)((start - now_ns(CLOCK_REALTIME) / 1e9) * 1e9);
  sleep_until(t0);

  int64_t worst_late = 0, next = t0;
  long ticks = 0;
  double cpu0 = cpu_s();
  for (long sub = 0; sub < total_ticks * phases; sub++) {
    int64_t late = now_ns(CLOCK_MONOTONIC) - next;
    if (late > worst_late) worst_late = late;
    int phase = (int)(sub % phases);
    if (phase == 0) ticks++;
    uint16_t seq = htons((uint16_t)(ticks & 0xffff));
    uint32_t ts = htonl((uint32_t)(ticks * 160));
    if (use_ring) ring_send(phase, phases, &seq, &ts); else sendto_send(phase, phases, &seq, &ts);
    if (drain) drain_ready(ep, 0);
    /* absolute schedule: a late sub-tick is followed at once by the next, not skipped, as in the Python loop */
    next = t0 + (sub + 1) * TICK_NS / phases;
    sleep_until(next);
  }
  /* like the Python loop: measured after the last tick's 20 ms, so sent / elapsed is the offered rate */
  double elapsed = (now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
  int64_t after = now_ns(CLOCK_MONOTONIC) + 500000000LL;   /* let the relay and the recorder finish what is queued */
  for (int64_t now; (now = now_ns(CLOCK_MONOTONIC)) < after;) {
    if (drain) drain_ready(ep, (int)((after - now + 999999) / 1000000));
    else sleep_until(after);
  }
  double cpu = cpu_s() - cpu0;
  if (use_ring) {
    ring_reap();
    for (int i = 0; i < nlegs; i++)
      if (legs[i].inflight) send_failed(ETIMEDOUT);   /* still not sent 0.5 s on */
  }

  if (send_errors)
    fprintf(stderr, "rtp-sender: %lld of %lld sends failed (first: %s)\n", send_errors, sent + send_errors,
            strerror(first_errno));
  printf("{\"ticks\": %ld, \"sent\": %lld, \"send_errors\": %lld, \"relayed\": %lld, \"elapsed\": %.6f, "
         "\"worst_late_ms\": %.3f, \"cpu\": %.6f",
         ticks, sent, send_errors, relayed, elapsed, worst_late / 1e6, cpu);
  if (measure) {
    long lossy = 0, worst_loss = 0, streams_late = 0;
    long long late = 0;
    for (int i = 0; i < nlegs; i++) {
      long loss = legs[i].sent - legs[i].received;
      if (loss > 0) lossy++;
      if (loss > worst_loss) worst_loss = loss;
      if (legs[i].late) streams_late++;
      late += legs[i].late;
    }
    printf(", \"streams\": %d, \"streams_lossy\": %ld, \"worst_stream_loss\": %ld, \"late\": %lld, "
           "\"streams_late\": %ld, \"unknown\": %lld, \"delay_p50_ms\": %.0f, \"delay_p99_ms\": %.0f, "
           "\"delay_max_ms\": %.1f",
           nlegs, lossy, worst_loss, late, streams_late, unknown, delay_quantile(0.5), delay_quantile(0.99),
           delay_max / 1e6);
  }
  printf("}\n");
  return 0;
}
