// Batched UDP receive for RTP recording (Linux): one epoll set for many sockets, drained with
// recvmmsg(2), delivered to JavaScript as one Buffer per batch instead of one 'message' event per
// datagram. Node's dgram costs ~8-10 us of CPU per datagram on the recorder's machine (bench/
// udp-receive-floor.mjs), most of it per-event work (callback, Buffer, rinfo strings); here a batch
// of up to MAX_PACKETS datagrams crosses into JavaScript once.
//
// The module owns its sockets: bind() makes a non-blocking UDP socket, add() puts it in a receiver's
// epoll set under a caller-chosen id, remove() takes it out, closeFd() closes it. A receiver watches
// its epoll descriptor with a libuv poll handle on the main loop, so no threads are involved.
//
// After each wakeup the receiver stops watching for `coalesce` milliseconds (like a NIC's interrupt
// coalescing): at a few thousand datagrams per second a wakeup per arrival would carry a handful of
// datagrams each, and the wakeup, not the datagram, would cost most. Recording tolerates the delay;
// SIP does not, and uses 0 (deliver at once, one batch per wakeup).
//
// Each receiver keeps datagrams of up to `slot` bytes whole (8 KiB unless asked: RTP; SIP asks for
// its largest message plus one); a longer one is delivered cut to `slot` bytes with its real length
// in the truncated field, so the caller can answer it (SIP's 513) or count it.
//
// Context-aware (NAPI_MODULE_INIT, no global state): it loads in worker threads too, each receiver
// tied to the environment and loop that made it. native/batch-sender.c adds the batched sender.
#define _GNU_SOURCE  // recvmmsg(2)
#include "napi-args.h"

#include "batch-sender.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

// Datagrams handed to JavaScript per call at most, and the bytes they may occupy.
#define MAX_PACKETS 1024
#define DATA_BYTES (1024 * 1024)
// Datagrams per recvmmsg(2), and the default largest datagram kept whole (bigger ones are flagged
// truncated). A receiver may ask for up to MAX_SLOT.
#define MMSG 64
#define SLOT 8192
#define MAX_SLOT 65536
// Datagrams drained per readiness callback before yielding to the rest of the event loop (default;
// a receiver may ask for fewer: SIP does, so that replies to the first datagrams of a backlog do
// not wait for the whole backlog to be read and handled).
#define MAX_PER_WAKEUP 16384
// Layout of the shared metadata ArrayBuffer (mirrored in src/native/receiver.ts):
// Int32 fields per packet, then 16 address bytes per packet, then a Float64 arrival time per packet.
#define FIELDS 6
#define FIELD_ID 0
#define FIELD_OFFSET 1
#define FIELD_LENGTH 2
#define FIELD_PORT 3
#define FIELD_FAMILY 4
#define FIELD_TRUNCATED 5
#define META_INTS_BYTES (MAX_PACKETS * FIELDS * 4)
#define META_ADDR_BYTES (MAX_PACKETS * 16)
#define META_BYTES (META_INTS_BYTES + META_ADDR_BYTES + MAX_PACKETS * 8)

typedef struct receiver {
  napi_env env;
  napi_ref callback;
  napi_ref meta_ref;
  napi_async_context context;
  // Held from creation until libuv has closed both handles: a worker thread's environment waits
  // for it before unloading this module, so no close callback runs in unmapped code.
  napi_async_cleanup_hook_handle cleanup;
  uint8_t *meta;
  int epfd;
  int destroyed;
  int open_handles;
  // What keeps it allocated: its libuv handles until both have closed, and its JavaScript handle
  // until collected (a destroyed receiver's handle must still read as destroyed, not freed memory).
  int holders;
  int coalesce_ms;
  int per_wakeup;
  uint32_t slot;
  uv_poll_t poll;
  uv_timer_t pause;
  uint32_t count;
  uint32_t used;
  uint8_t data[DATA_BYTES];
  uint8_t *slots;  // MMSG * slot bytes
  struct mmsghdr msgs[MMSG];
  struct iovec iov[MMSG];
  struct sockaddr_storage from[MMSG];
  uint8_t control[MMSG][CMSG_SPACE(sizeof(struct timespec))];
} receiver;

#define CHECK(call) NAPI_CALL_OR_THROW(call, "batch-receiver: " #call " failed")

// Tells a receiver handle from any other value (a TLS context, another module's external...).
static const napi_type_tag RECEIVER_TAG = {0x7377626472637672ULL, 0x62617463682d7278ULL};

// The receiver behind a handle argument; NULL, with a TypeError thrown, when it is not one.
static receiver *receiver_arg(napi_env env, napi_value value, const char *usage) {
  receiver *r = tagged_arg(env, value, &RECEIVER_TAG);
  if (r == NULL) throw_usage(env, usage);
  return r;
}

// Hands the batch collected so far to JavaScript: fn(data: Buffer, count: number).
static void flush(receiver *r) {
  if (r->count == 0) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[2], result;
  void *copy;
  if (napi_get_reference_value(env, r->callback, &fn) == napi_ok && fn != NULL &&
      napi_create_buffer_copy(env, r->used, r->data, &copy, &argv[0]) == napi_ok) {
    argv[1] = js_number(env, r->count);
    napi_get_global(env, &recv);  // napi_make_callback wants an object as `this`
    if (napi_make_callback(env, r->context, recv, fn, 2, argv, &result) == napi_pending_exception) {
      // The JavaScript side catches its own errors; anything left is dropped rather than fatal.
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
    }
  }
  napi_close_handle_scope(env, scope);
  r->count = 0;
  r->used = 0;
}

static double arrival_ms(struct msghdr *h) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

// Copies received datagram j of the last recvmmsg into the batch and describes it in the metadata.
static void take(receiver *r, int j, int32_t id) {
  struct msghdr *h = &r->msgs[j].msg_hdr;
  // recvmmsg was asked for MSG_TRUNC: msg_len is the datagram's real length, the slot holds its head.
  uint32_t real = r->msgs[j].msg_len;
  uint32_t length = real > r->slot ? r->slot : real;
  if (r->count == MAX_PACKETS || r->used + length > DATA_BYTES) flush(r);
  int32_t *f = (int32_t *)r->meta + r->count * FIELDS;
  uint8_t *address = r->meta + META_INTS_BYTES + r->count * 16;
  f[FIELD_ID] = id;
  f[FIELD_OFFSET] = (int32_t)r->used;
  f[FIELD_LENGTH] = (int32_t)length;
  f[FIELD_TRUNCATED] = (h->msg_flags & MSG_TRUNC) != 0 ? (int32_t)(real > 0 ? real : 1) : 0;
  struct sockaddr_storage *from = &r->from[j];
  if (from->ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)from;
    f[FIELD_FAMILY] = 6;
    f[FIELD_PORT] = ntohs(a->sin6_port);
    memcpy(address, &a->sin6_addr, 16);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)from;
    f[FIELD_FAMILY] = 4;
    f[FIELD_PORT] = ntohs(a->sin_port);
    memset(address, 0, 16);
    memcpy(address, &a->sin_addr, 4);
  }
  double at = arrival_ms(h);
  memcpy(r->meta + META_INTS_BYTES + META_ADDR_BYTES + r->count * 8, &at, 8);
  memcpy(r->data + r->used, r->slots + (size_t)j * r->slot, length);
  r->used += length;
  r->count++;
}

// Drains one ready socket; returns the datagrams read.
static int drain(receiver *r, int fd, int32_t id, int budget) {
  int total = 0;
  while (total < budget && !r->destroyed) {
    for (int j = 0; j < MMSG; j++) {
      struct msghdr *h = &r->msgs[j].msg_hdr;
      r->iov[j].iov_base = r->slots + (size_t)j * r->slot;
      r->iov[j].iov_len = r->slot;
      h->msg_iov = &r->iov[j];
      h->msg_iovlen = 1;
      h->msg_name = &r->from[j];
      h->msg_namelen = sizeof r->from[j];
      h->msg_control = r->control[j];
      h->msg_controllen = sizeof r->control[j];
      h->msg_flags = 0;
    }
    int want = budget - total < MMSG ? budget - total : MMSG;
    int n = recvmmsg(fd, r->msgs, want, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n <= 0) break;  // EAGAIN: drained; other errors: try again on the next wakeup
    for (int j = 0; j < n; j++) take(r, j, id);
    total += n;
    if (n < want) break;
  }
  return total;
}

static void on_pause_end(uv_timer_t *timer);

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  receiver *r = handle->data;
  if (status < 0 || r->destroyed) return;
  struct epoll_event ready[256];
  int budget = r->per_wakeup;
  // Level-triggered: whatever is left over the budget wakes us again on the next loop turn.
  while (budget > 0 && !r->destroyed) {
    int n = epoll_wait(r->epfd, ready, 256, 0);
    if (n <= 0) break;
    int got = 0;
    for (int i = 0; i < n && budget > 0; i++) {
      int fd = (int)(ready[i].data.u64 >> 32);
      int32_t id = (int32_t)(ready[i].data.u64 & 0xffffffffu);
      int k = drain(r, fd, id, budget);
      budget -= k;
      got += k;
    }
    if (got == 0) break;
  }
  if (!r->destroyed) flush(r);
  // A batch's handler may have destroyed the receiver: its handles are closing then.
  if (r->coalesce_ms > 0 && !r->destroyed) {
    uv_poll_stop(&r->poll);
    uv_timer_start(&r->pause, on_pause_end, r->coalesce_ms, 0);
  }
}

// Watching again: whatever arrived during the pause makes the descriptor readable at once.
static void on_pause_end(uv_timer_t *timer) {
  receiver *r = timer->data;
  if (!r->destroyed) uv_poll_start(&r->poll, UV_READABLE, on_readable);
}

static void release(receiver *r) {
  if (--r->holders == 0) {
    free(r->slots);
    free(r);
  }
}

static void on_handle_collected(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release(data);
}

static void on_handle_closed(uv_handle_t *handle) {
  receiver *r = handle->data;
  if (--r->open_handles == 0) {
    napi_remove_async_cleanup_hook(r->cleanup);
    release(r);
  }
}

static void teardown(receiver *r) {
  if (r->destroyed) return;
  r->destroyed = 1;
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->pause);
  close(r->epfd);
  napi_delete_reference(r->env, r->callback);
  napi_delete_reference(r->env, r->meta_ref);
  napi_async_destroy(r->env, r->context);
  uv_close((uv_handle_t *)&r->poll, on_handle_closed);
  uv_close((uv_handle_t *)&r->pause, on_handle_closed);
}

// The environment is going (a worker thread terminated, or the process exiting): close the
// handles; on_handle_closed then tells node the cleanup is done. Nothing to do when destroyReceiver
// already started it.
static void on_env_exit(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  teardown(arg);
}

// destroyReceiver(handle): stops it and frees it once libuv has closed its handles; idempotent.
// Its sockets stay open (closeFd closes them).
static napi_value destroy_receiver(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver *r = receiver_arg(env, argv[0], "destroyReceiver(receiver)");
  if (r != NULL) teardown(r);
  return NULL;
}

// bind(address: string, port: number, receiveBufferSize: number, v6only = true): fd, or -errno.
// v6only false makes an IPv6 socket dual-stack (IPv4 peers as ::ffff:a.b.c.d), like node:dgram's.
static napi_value bind_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char host[64];
  size_t len = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], host, sizeof host, &len));
  int port = int32_arg(env, argv[1], -1);
  int rcvbuf = int32_arg(env, argv[2], -1);
  bool v6only = bool_arg(env, argv[3], true);
  struct sockaddr_storage addr;
  memset(&addr, 0, sizeof addr);
  socklen_t addrlen;
  int family;
  struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    family = a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    addrlen = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    family = a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    addrlen = sizeof *a6;
  } else {
    return js_number(env, -EINVAL);
  }
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return js_number(env, -errno);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  int v6 = v6only ? 1 : 0;
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof v6);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (bind(fd, (struct sockaddr *)&addr, addrlen) < 0) {
    int error = errno;
    close(fd);
    return js_number(env, -error);
  }
  return js_number(env, fd);
}

// closeFd(fd: number): void
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = int32_arg(env, argv[0], -1);
  if (fd >= 0) close(fd);
  return NULL;
}

// createReceiver(onBatch: (data: Buffer, count: number) => void, coalesceMs: number,
//   slotBytes = 8192, perWakeup = 16384): [handle, meta: ArrayBuffer]
static napi_value create_receiver(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype type;
  if (napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function)
    return throw_usage(env, "createReceiver(onBatch: function, coalesceMs, slotBytes?, perWakeup?)");
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  receiver *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_error(env, "ENOMEM", "batch-receiver: out of memory");
  r->env = env;
  r->epfd = -1;
  // A coalesce of 0 or less means none; a slot or budget out of range, the default.
  r->coalesce_ms = int32_arg(env, argv[1], 0);
  int32_t slot = int32_arg(env, argv[2], SLOT);
  r->slot = slot < 1 ? SLOT : slot > MAX_SLOT ? MAX_SLOT : (uint32_t)slot;
  int32_t per_wakeup = int32_arg(env, argv[3], MAX_PER_WAKEUP);
  r->per_wakeup = per_wakeup < 1 || per_wakeup > MAX_PER_WAKEUP ? MAX_PER_WAKEUP : per_wakeup;
  napi_value meta, name, handle, out;
  const char *failed = "batch-receiver: out of memory";
  // Everything that can fail comes before the libuv handles, which can only be freed by closing.
  if ((r->slots = malloc((size_t)MMSG * r->slot)) == NULL) goto fail;
  failed = "batch-receiver: epoll_create1 failed";
  if ((r->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) goto fail;
  failed = "batch-receiver: cannot make its buffers or handle";
  if (napi_create_arraybuffer(env, META_BYTES, (void **)&r->meta, &meta) != napi_ok ||
      napi_create_reference(env, meta, 1, &r->meta_ref) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &r->callback) != napi_ok ||
      napi_create_string_utf8(env, "switchboard:batch-receiver", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &r->context) != napi_ok ||
      (handle = tagged_external(env, r, NULL, &RECEIVER_TAG)) == NULL ||
      napi_create_array_with_length(env, 2, &out) != napi_ok || napi_set_element(env, out, 0, handle) != napi_ok ||
      napi_set_element(env, out, 1, meta) != napi_ok)
    goto fail;
  int error = uv_poll_init(loop, &r->poll, r->epfd);
  if (error != 0) {
    failed = uv_strerror(error);
    goto fail;
  }
  uv_timer_init(loop, &r->pause);
  r->open_handles = 2;
  r->holders = 1;
  r->poll.data = r;
  r->pause.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  // The handles keep the loop alive only while sockets are registered (see keepAlive).
  uv_unref((uv_handle_t *)&r->poll);
  uv_unref((uv_handle_t *)&r->pause);
  napi_add_async_cleanup_hook(env, on_env_exit, r, &r->cleanup);
  if (napi_add_finalizer(env, handle, r, on_handle_collected, NULL, NULL) == napi_ok) r->holders++;
  return out;
fail:
  // Nothing refers to r yet (an external made already has no finalizer): undo what was made.
  if (r->context != NULL) napi_async_destroy(env, r->context);
  if (r->callback != NULL) napi_delete_reference(env, r->callback);
  if (r->meta_ref != NULL) napi_delete_reference(env, r->meta_ref);
  if (r->epfd >= 0) close(r->epfd);
  free(r->slots);
  free(r);
  return throw_error(env, NULL, failed);
}

// add(handle, fd: number, id: number): 0 or -errno
static napi_value add_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver *r = receiver_arg(env, argv[0], "add(receiver, fd, id)");
  if (r == NULL) return NULL;
  if (r->destroyed) return js_number(env, -EBADF);
  int fd = int32_arg(env, argv[1], -1);
  uint32_t id = (uint32_t)int32_arg(env, argv[2], -1);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((uint64_t)(uint32_t)fd << 32) | id};
  if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) return js_number(env, -errno);
  return js_number(env, 0);
}

// remove(handle, fd: number): 0 or -errno
static napi_value remove_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver *r = receiver_arg(env, argv[0], "remove(receiver, fd)");
  if (r == NULL) return NULL;
  if (r->destroyed) return js_number(env, -EBADF);
  if (epoll_ctl(r->epfd, EPOLL_CTL_DEL, int32_arg(env, argv[1], -1), NULL) < 0) return js_number(env, -errno);
  return js_number(env, 0);
}

// keepAlive(handle, on: boolean): whether registered sockets keep the process running
static napi_value keep_alive(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  receiver *r = receiver_arg(env, argv[0], "keepAlive(receiver, on)");
  bool on = bool_arg(env, argv[1], false);
  if (r != NULL && !r->destroyed) {
    if (on) {
      uv_ref((uv_handle_t *)&r->poll);
      uv_ref((uv_handle_t *)&r->pause);
    } else {
      uv_unref((uv_handle_t *)&r->poll);
      uv_unref((uv_handle_t *)&r->pause);
    }
  }
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  static const native_method methods[] = {
      {"bind", bind_socket},
      {"closeFd", close_fd},
      {"createReceiver", create_receiver},
      {"destroyReceiver", destroy_receiver},
      {"add", add_socket},
      {"remove", remove_socket},
      {"keepAlive", keep_alive},
  };
  napi_value constants;
  napi_create_object(env, &constants);
  set_number(env, constants, "maxPackets", MAX_PACKETS);
  set_number(env, constants, "fields", FIELDS);
  set_number(env, constants, "metaAddressOffset", META_INTS_BYTES);
  set_number(env, constants, "metaArrivalOffset", META_INTS_BYTES + META_ADDR_BYTES);
  define_methods(env, exports, methods, COUNT_OF(methods), napi_enumerable, NULL);
  napi_set_named_property(env, exports, "layout", constants);
  batch_sender_register(env, exports);
  return exports;
}
