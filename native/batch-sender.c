// Batched UDP send (Linux): many datagrams, to many destinations and from many sockets, handed to
// the kernel with sendmmsg(2) in one crossing from JavaScript. Node's dgram send costs a JS->C++->
// libuv->sendmsg round per datagram (plus an address lookup); the SIP stack's profiles spend a
// quarter to a third of their busy time there.
//
// sendBatch(count, buffers: Buffer[], addresses: string[], meta: Int32Array, results: Int32Array)
//   meta holds [fd, port] per datagram; consecutive datagrams on the same fd go out in one
//   sendmmsg. results[i] is 0 when datagram i was handed to the kernel, else its errno (EAGAIN for
//   every datagram of a run that met a full send buffer, so the caller can retry them).
//   Returns the number sent. Never throws for a datagram's failure: that is the caller's to count.
#define _GNU_SOURCE  // sendmmsg(2)
#include "batch-sender.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

// Datagrams per sendmmsg(2) call (the kernel caps one call at UIO_MAXIOV, 1024).
#define CHUNK 256

static int parse_address(const char *text, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof(struct sockaddr_in6));
  struct sockaddr_in *a4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
  if (port < 0 || port > 65535) return EINVAL;
  if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    *len = sizeof *a4;
    return 0;
  }
  if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    *len = sizeof *a6;
    return 0;
  }
  return EINVAL;  // not an IP literal: names are resolved before they reach a socket
}

// Sends msgs[0..n) on fd; writes each one's outcome into results (indexed through index[]).
static int send_run(int fd, struct mmsghdr *msgs, const uint32_t *index, int n, int32_t *results) {
  int sent = 0;
  int at = 0;
  while (at < n) {
    int r = sendmmsg(fd, msgs + at, n - at, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      for (int k = 0; k < r; k++) results[index[at + k]] = 0;
      sent += r;
      at += r;
      continue;
    }
    int error = r == 0 ? EAGAIN : errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      // The send buffer is full: the rest of this run waits for the caller's retry.
      for (; at < n; at++) results[index[at]] = EAGAIN;
      break;
    }
    // This datagram alone failed (EMSGSIZE, ENETUNREACH, EACCES...): skip it, send the others.
    results[index[at]] = error;
    at++;
  }
  return sent;
}

static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5) {
    return throw_usage(env, "sendBatch(count, buffers, addresses, meta, results)");
  }
  uint32_t count = 0;
  napi_get_value_uint32(env, argv[0], &count);
  napi_typedarray_type type;
  size_t meta_length = 0, results_length = 0;
  void *meta_data = NULL, *results_data = NULL;
  if (napi_get_typedarray_info(env, argv[3], &type, &meta_length, &meta_data, NULL, NULL) != napi_ok ||
      type != napi_int32_array ||
      napi_get_typedarray_info(env, argv[4], &type, &results_length, &results_data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || meta_length < (size_t)count * 2 || results_length < count) {
    return throw_usage(env, "sendBatch: meta and results must be Int32Arrays of 2*count and count");
  }
  const int32_t *meta = meta_data;
  int32_t *results = results_data;

  struct mmsghdr msgs[CHUNK];
  struct iovec iov[CHUNK];
  struct sockaddr_storage to[CHUNK];
  uint32_t index[CHUNK];
  int n = 0;
  int run_fd = -1;
  int sent = 0;
  char text[INET6_ADDRSTRLEN + 8];
  for (uint32_t i = 0; i < count; i++) {
    int fd = meta[i * 2];
    if (n > 0 && (fd != run_fd || n == CHUNK)) {
      sent += send_run(run_fd, msgs, index, n, results);
      n = 0;
    }
    run_fd = fd;
    napi_value buffer, address;
    void *data = NULL;
    size_t length = 0, text_length = 0;
    bool is_buffer = false;
    if (napi_get_element(env, argv[1], i, &buffer) != napi_ok ||
        napi_is_typedarray(env, buffer, &is_buffer) != napi_ok || !is_buffer ||
        napi_get_typedarray_info(env, buffer, &type, &length, &data, NULL, NULL) != napi_ok ||
        type != napi_uint8_array) {
      results[i] = EINVAL;
      continue;
    }
    if (napi_get_element(env, argv[2], i, &address) != napi_ok ||
        napi_get_value_string_utf8(env, address, text, sizeof text, &text_length) != napi_ok) {
      results[i] = EINVAL;
      continue;
    }
    socklen_t name_length = 0;
    int error = parse_address(text, meta[i * 2 + 1], &to[n], &name_length);
    if (error != 0) {
      results[i] = error;
      continue;
    }
    iov[n].iov_base = data;
    iov[n].iov_len = length;
    memset(&msgs[n], 0, sizeof msgs[n]);
    msgs[n].msg_hdr.msg_name = &to[n];
    msgs[n].msg_hdr.msg_namelen = name_length;
    msgs[n].msg_hdr.msg_iov = &iov[n];
    msgs[n].msg_hdr.msg_iovlen = 1;
    index[n] = i;
    n++;
  }
  if (n > 0) sent += send_run(run_fd, msgs, index, n, results);
  return js_number(env, sent);
}

// localPort(fd): the port a socket is bound to (after binding port 0), or -errno.
static napi_value local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = int32_arg(env, argv[0], -1);
  struct sockaddr_storage name;
  socklen_t length = sizeof name;
  int port;
  if (getsockname(fd, (struct sockaddr *)&name, &length) < 0)
    port = -errno;
  else if (name.ss_family == AF_INET6)
    port = ntohs(((struct sockaddr_in6 *)&name)->sin6_port);
  else
    port = ntohs(((struct sockaddr_in *)&name)->sin_port);
  return js_number(env, port);
}

// setBuffers(fd, receiveBytes, sendBytes): 0 or -errno; 0 or less leaves a size as it is.
static napi_value set_buffers(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = int32_arg(env, argv[0], -1), receive = int32_arg(env, argv[1], 0), send = int32_arg(env, argv[2], 0);
  int result = 0;
  if (receive > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive, sizeof receive) < 0) result = -errno;
  if (send > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send, sizeof send) < 0) result = -errno;
  return js_number(env, result);
}

// setTos(fd, tos): the DS field (RFC 2474 §3: DSCP << 2) of what the socket sends: IP_TOS on an
// IPv4 socket; IPV6_TCLASS on an IPv6 one, and IP_TOS as well for the IPv4 peers of a dual-stack
// one (best effort: a v6-only socket may refuse it). 0 or -errno.
static napi_value set_tos(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = int32_arg(env, argv[0], -1), tos = int32_arg(env, argv[1], 0);
  int result = 0;
  int domain = 0;
  socklen_t length = sizeof domain;
  if (tos < 0 || tos > 255)
    result = -EINVAL;
  else if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0)
    result = -errno;
  else if (domain == AF_INET6) {
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos) < 0) result = -errno;
    else setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  } else if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) < 0)
    result = -errno;
  return js_number(env, result);
}

void batch_sender_register(napi_env env, napi_value exports) {
  static const native_method methods[] = {
      {"sendBatch", send_batch},
      {"localPort", local_port},
      {"setBuffers", set_buffers},
      {"setTos", set_tos},
  };
  define_methods(env, exports, methods, COUNT_OF(methods), napi_enumerable, NULL);
  napi_value errno_names;
  napi_create_object(env, &errno_names);
  // The errno values JavaScript needs to tell apart (they differ between platforms).
  const struct {
    const char *name;
    int value;
  } known[] = {{"EAGAIN", EAGAIN},           {"ENOBUFS", ENOBUFS},   {"EMSGSIZE", EMSGSIZE},
               {"ENETUNREACH", ENETUNREACH}, {"EHOSTUNREACH", EHOSTUNREACH}, {"ECONNREFUSED", ECONNREFUSED},
               {"EINVAL", EINVAL},           {"EAFNOSUPPORT", EAFNOSUPPORT}, {"EBADF", EBADF},
               {"EACCES", EACCES},           {"EPERM", EPERM},               {"ENOPROTOOPT", ENOPROTOOPT}};
  for (size_t i = 0; i < COUNT_OF(known); i++) set_number(env, errno_names, known[i].name, known[i].value);
  napi_set_named_property(env, exports, "errno", errno_names);
}
