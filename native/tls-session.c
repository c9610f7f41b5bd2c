// Server-side TLS sessions over memory, for idle connections that cost little: OpenSSL with
// SSL_MODE_RELEASE_BUFFERS frees a session's ~17 KB read and write record buffers whenever they
// are empty (Node's own TLS never sets it), and every session shares one pair of memory BIOs, so
// an idle session keeps only its SSL state. The ciphertext comes from and goes to a JS net.Socket.
//
// No libssl link: the OpenSSL symbols resolve against the node binary, which exports them (the
// headers are Node's own, --nodedir). Everything runs on the thread that loaded the module.
#include "napi-args.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

typedef struct {
  BIO *in;   // ciphertext fed by JS, drained by OpenSSL within the same call
  BIO *out;  // ciphertext OpenSSL writes, drained into a Buffer before the call returns
  unsigned char *scratch;
  size_t scratch_size;
} instance_t;

typedef struct {
  SSL *ssl;
  int hand_off;  // TLS 1.3: give the keys to JS when the handshake is done (see receive)
  // TLS 1.3 application traffic secrets (RFC 8446 §7.1) from the key-log callback, handed to JS
  // once the handshake is done so the SSL object can go (the record layer then runs in JS).
  unsigned char client_secret[EVP_MAX_MD_SIZE], server_secret[EVP_MAX_MD_SIZE];
  size_t client_secret_n, server_secret_n;
} session_t;

enum { HANDSHAKING = 0, ESTABLISHED = 1, CLOSED = 2, HANDED_OFF = 3, FAILED = -1 };

#define CHECK(call) NAPI_CALL_OR_THROW(call, "tls-session: N-API call failed: " #call)

// Tell the module's two kinds of handle apart (and from other modules' externals).
static const napi_type_tag CONTEXT_TAG = {0x73776264746c7363ULL, 0x6f6e746578742d31ULL};
static const napi_type_tag SESSION_TAG = {0x73776264746c7373ULL, 0x657373696f6e2d31ULL};

/** The oldest error on OpenSSL's queue as text, then the queue emptied (Node shares it). */
static void openssl_error(char *text, size_t size, const char *fallback) {
  unsigned long e = ERR_peek_error();
  if (e != 0) ERR_error_string_n(e, text, size);
  else snprintf(text, size, "%s", fallback);
  ERR_clear_error();
}

static napi_value throw_openssl(napi_env env, const char *what) {
  char text[256], message[320];
  openssl_error(text, sizeof text, "unknown error");
  snprintf(message, sizeof message, "%s: %s", what, text);
  return throw_error(env, NULL, message);
}

/** Every certificate of a PEM text into the context's trust store; the CA names too when asked. */
static int add_trust(SSL_CTX *ctx, const char *pem, size_t length, int client_ca_names) {
  BIO *bio = BIO_new_mem_buf(pem, (int)length);
  if (!bio) return 0;
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  X509 *cert;
  while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    X509_STORE_add_cert(store, cert);
    // RFC 5246 §7.4.4: the CertificateRequest names the CAs a client certificate should chain to.
    if (client_ca_names) SSL_CTX_add_client_CA(ctx, cert);
    X509_free(cert);
    added++;
  }
  ERR_clear_error();  // the loop ends on "no start line"
  BIO_free(bio);
  return added > 0;
}

static int verify_always(int preverify_ok, X509_STORE_CTX *store) {
  // 'request': a client certificate is recorded whatever its verification says; JS reads the result.
  return 1;
}

/** Hex digits into bytes; 0 on anything else or too long. */
static size_t from_hex(const char *hex, unsigned char *out, size_t max) {
  size_t n = strlen(hex);
  if (n % 2 || n / 2 > max) return 0;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned int byte;
    if (sscanf(hex + 2 * i, "%2x", &byte) != 1) return 0;
    out[i] = (unsigned char)byte;
  }
  return n / 2;
}

// NSS key-log lines ("LABEL <client random> <secret>"): keep the two TLS 1.3 application traffic
// secrets of the session; everything else (handshake secrets, TLS 1.2 master secret) is ignored.
static void keylog(const SSL *ssl, const char *line) {
  session_t *s = SSL_get_app_data(ssl);
  if (!s) return;
  unsigned char *into;
  size_t *length;
  const char *rest;
  if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0) {
    into = s->client_secret, length = &s->client_secret_n, rest = line + 24;
  } else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0) {
    into = s->server_secret, length = &s->server_secret_n, rest = line + 24;
  } else {
    return;
  }
  const char *secret = strchr(rest, ' ');
  *length = secret ? from_hex(secret + 1, into, EVP_MAX_MD_SIZE) : 0;
}

static void context_finalize(napi_env env, void *data, void *hint) { SSL_CTX_free(data); }

// createContext(certPem, keyPem, caPem|null, rootsPem|null, verify 0|1|2, cipherList, cipherSuites)
// verify: 0 no client certificate asked, 1 asked and recorded, 2 required and verified.
static napi_value create_context(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *cert = NULL, *key = NULL, *ca = NULL, *roots = NULL, *ciphers = NULL, *suites = NULL;
  size_t cert_n, key_n, ca_n, roots_n, ciphers_n, suites_n;
  int32_t verify = 0;
  napi_value result = NULL;
  SSL_CTX *ctx = NULL;
  if (argc < 7 || !string_arg(env, argv[0], &cert, &cert_n) || !string_arg(env, argv[1], &key, &key_n) ||
      !optional_string_arg(env, argv[2], &ca, &ca_n) || !optional_string_arg(env, argv[3], &roots, &roots_n) ||
      napi_get_value_int32(env, argv[4], &verify) != napi_ok || !string_arg(env, argv[5], &ciphers, &ciphers_n) ||
      !string_arg(env, argv[6], &suites, &suites_n)) {
    throw_usage(env, "createContext(cert, key, ca, roots, verify, cipherList, cipherSuites)");
    goto done;
  }
  ERR_clear_error();
  ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    throw_openssl(env, "SSL_CTX_new");
    goto done;
  }
  // RFC 8996: TLS 1.0 and 1.1 are deprecated; SIP over TLS asks for 1.2 at least.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // A client renegotiating in a loop would cost us a handshake each time; TLS 1.3 has none anyway.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  // Sessions resume through stateless tickets; a server-side cache would keep one per connection.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // No NewSessionTicket after a TLS 1.3 handshake: nothing of ours follows the server's Finished
  // under the application keys, so the JS record layer starts writing at sequence 0.
  SSL_CTX_set_num_tickets(ctx, 0);
  // No 0-RTT either (the default, said here because the hand-off depends on it).
  SSL_CTX_set_max_early_data(ctx, 0);
  SSL_CTX_set_keylog_callback(ctx, keylog);
  if (!SSL_CTX_set_cipher_list(ctx, ciphers)) {
    throw_openssl(env, "cipher list");
    goto done;
  }
  if (!SSL_CTX_set_ciphersuites(ctx, suites)) {
    throw_openssl(env, "TLS 1.3 cipher suites");
    goto done;
  }
  BIO *bio = BIO_new_mem_buf(cert, (int)cert_n);
  X509 *leaf = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
  if (!leaf || !SSL_CTX_use_certificate(ctx, leaf)) {
    X509_free(leaf);
    BIO_free(bio);
    throw_openssl(env, "certificate");
    goto done;
  }
  X509_free(leaf);
  X509 *chained;
  while ((chained = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) SSL_CTX_add0_chain_cert(ctx, chained);
  ERR_clear_error();
  BIO_free(bio);
  bio = BIO_new_mem_buf(key, (int)key_n);
  EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
  BIO_free(bio);
  if (!pkey || !SSL_CTX_use_PrivateKey(ctx, pkey) || !SSL_CTX_check_private_key(ctx)) {
    EVP_PKEY_free(pkey);
    throw_openssl(env, "private key");
    goto done;
  }
  EVP_PKEY_free(pkey);
  if (ca && !add_trust(ctx, ca, ca_n, 1)) {
    throw_openssl(env, "CA certificates");
    goto done;
  }
  if (roots) add_trust(ctx, roots, roots_n, 0);
  if (verify == 1) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_always);
  else if (verify == 2) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  if ((result = tagged_external(env, ctx, context_finalize, &CONTEXT_TAG)) == NULL) {
    throw_error(env, NULL, "tls-session: cannot wrap the context");
    goto done;
  }
  ctx = NULL;  // the external owns it now
done:
  SSL_CTX_free(ctx);
  free(cert);
  free(key);
  free(ca);
  free(roots);
  free(ciphers);
  free(suites);
  return result;
}

static void session_finalize(napi_env env, void *data, void *hint) {
  session_t *s = data;
  SSL_free(s->ssl);
  OPENSSL_cleanse(s, sizeof *s);
  free(s);
}

static session_t *session_arg(napi_env env, napi_value v) {
  session_t *s = tagged_arg(env, v, &SESSION_TAG);
  if (!s) {
    throw_usage(env, "tls-session: not a session");
    return NULL;
  }
  if (!s->ssl) {
    throw_error(env, NULL, "tls-session: the session was freed");
    return NULL;
  }
  return s;
}

// createSession(context, handOff?): a server-side SSL sharing the instance's BIOs. handOff: a TLS 1.3
// session ends in HANDED_OFF (see receive) instead of carrying application data itself.
static napi_value create_session(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  instance_t *inst;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&inst));
  SSL_CTX *ctx = tagged_arg(env, argv[0], &CONTEXT_TAG);
  if (!ctx) return throw_usage(env, "createSession(context)");
  session_t *s = calloc(1, sizeof *s);
  if (!s) return throw_error(env, NULL, "tls-session: out of memory");
  s->hand_off = bool_arg(env, argv[1], false);
  ERR_clear_error();
  s->ssl = SSL_new(ctx);
  if (!s->ssl) {
    free(s);
    return throw_openssl(env, "SSL_new");
  }
  SSL_set_app_data(s->ssl, s);
  BIO_up_ref(inst->in);
  BIO_up_ref(inst->out);
  SSL_set0_rbio(s->ssl, inst->in);
  SSL_set0_wbio(s->ssl, inst->out);
  SSL_set_accept_state(s->ssl);
  if ((result = tagged_external(env, s, session_finalize, &SESSION_TAG)) == NULL) {
    session_finalize(env, s, NULL);
    return throw_error(env, NULL, "tls-session: cannot wrap the session");
  }
  return result;
}

/** What OpenSSL wrote to the shared out BIO, as a Buffer (undefined when nothing). */
static napi_value drain_out(napi_env env, instance_t *inst) {
  size_t n = BIO_ctrl_pending(inst->out);
  napi_value result;
  void *data;
  if (n == 0) return js_undefined(env);
  // BIO_read empties the BIO without BIO_reset's memset of its whole allocation.
  if (napi_create_buffer(env, n, &data, &result) != napi_ok || BIO_read(inst->out, data, (int)n) != (int)n) {
    (void)BIO_reset(inst->out);
    return js_undefined(env);
  }
  return result;
}

/** Anything a call left in the shared BIOs must not reach the next session (rare: errors, close). */
static void reset_bios(instance_t *inst) {
  if (BIO_ctrl_pending(inst->in) > 0) (void)BIO_reset(inst->in);
  if (BIO_ctrl_pending(inst->out) > 0) (void)BIO_reset(inst->out);
}

static napi_value result_array(napi_env env, int state, napi_value plaintext, napi_value ciphertext,
                               const char *error) {
  napi_value array, v;
  napi_create_array_with_length(env, 5, &array);
  napi_create_int32(env, state, &v);
  napi_set_element(env, array, 0, v);
  napi_set_element(env, array, 1, plaintext);
  napi_set_element(env, array, 2, ciphertext);
  napi_set_element(env, array, 3, error ? js_string(env, error) : js_undefined(env));
  return array;
}

/** A failed session as [FAILED, undefined, alert to send or undefined, reason]. */
static napi_value failure(napi_env env, instance_t *inst, int ssl_error, const char *fallback) {
  char text[256];
  if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) snprintf(text, sizeof text, "%s", fallback);
  else openssl_error(text, sizeof text, fallback);
  napi_value alert = drain_out(env, inst);
  reset_bios(inst);
  return result_array(env, FAILED, js_undefined(env), alert, text);
}

// The handshake just finished (TLS 1.3, hand-off asked): [HANDED_OFF, undefined, undefined, undefined,
// [suite, client secret, server secret, ciphertext OpenSSL has not read]]. Without read-ahead OpenSSL
// reads a record at a time, so what is left in the in BIO is every record after the client's
// Finished, none of it decrypted: the JS record layer reads from sequence 0 under the client's
// application secret, and writes from 0 under the server's (no tickets, no early data: nothing of
// ours went out under it). The caller frees the session after reading its peer certificate.
static napi_value hand_off(napi_env env, instance_t *inst, session_t *s) {
  const SSL_CIPHER *cipher = SSL_get_current_cipher(s->ssl);
  const char *suite = cipher ? SSL_CIPHER_standard_name(cipher) : NULL;
  if (!suite || s->client_secret_n == 0 || s->client_secret_n != s->server_secret_n ||
      BIO_ctrl_pending(inst->out) > 0 || SSL_pending(s->ssl) > 0 || SSL_has_pending(s->ssl)) {
    reset_bios(inst);
    return result_array(env, FAILED, js_undefined(env), js_undefined(env), "TLS 1.3 keys cannot be handed off");
  }
  napi_value keys, v;
  void *copy;
  napi_create_array_with_length(env, 4, &keys);
  napi_set_element(env, keys, 0, js_string(env, suite));
  napi_create_buffer_copy(env, s->client_secret_n, s->client_secret, &copy, &v);
  napi_set_element(env, keys, 1, v);
  napi_create_buffer_copy(env, s->server_secret_n, s->server_secret, &copy, &v);
  napi_set_element(env, keys, 2, v);
  OPENSSL_cleanse(s->client_secret, sizeof s->client_secret);
  OPENSSL_cleanse(s->server_secret, sizeof s->server_secret);
  size_t left = BIO_ctrl_pending(inst->in);
  v = js_undefined(env);
  if (left > 0) {
    void *data;
    if (napi_create_buffer(env, left, &data, &v) != napi_ok || BIO_read(inst->in, data, (int)left) != (int)left) {
      reset_bios(inst);
      return result_array(env, FAILED, js_undefined(env), js_undefined(env), "tls-session: cannot copy the rest");
    }
  }
  napi_set_element(env, keys, 3, v);
  reset_bios(inst);
  napi_value result = result_array(env, HANDED_OFF, js_undefined(env), js_undefined(env), NULL);
  napi_set_element(env, result, 4, keys);
  return result;
}

// receive(session, ciphertext) -> [state, plaintext|undefined, ciphertext to send|undefined, error]
// Runs the handshake while it lasts, then decrypts every whole record; a partial one waits in the
// session for the rest.
static napi_value receive(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  instance_t *inst;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&inst));
  session_t *s = argc >= 2 ? session_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok)
    return throw_usage(env, "receive(session, buffer)");
  ERR_clear_error();
  if (length > 0 && BIO_write(inst->in, data, (int)length) != (int)length) {
    reset_bios(inst);
    return throw_openssl(env, "BIO_write");
  }
  if (!SSL_is_init_finished(s->ssl)) {
    int r = SSL_do_handshake(s->ssl);
    if (r != 1) {
      int e = SSL_get_error(s->ssl, r);
      if (e == SSL_ERROR_WANT_READ) {
        napi_value out = drain_out(env, inst);
        reset_bios(inst);
        return result_array(env, HANDSHAKING, js_undefined(env), out, NULL);
      }
      return failure(env, inst, e, "handshake failed");
    }
    if (s->hand_off && SSL_version(s->ssl) == TLS1_3_VERSION) return hand_off(env, inst, s);
  }
  // Plaintext: whole records into the scratch area, copied out once at the end.
  size_t total = 0;
  int state = ESTABLISHED;
  for (;;) {
    if (inst->scratch_size - total < 16384) {
      size_t bigger = inst->scratch_size * 2;
      unsigned char *grown = realloc(inst->scratch, bigger);
      if (!grown) {
        reset_bios(inst);
        return throw_error(env, NULL, "tls-session: out of memory");
      }
      inst->scratch = grown;
      inst->scratch_size = bigger;
    }
    size_t n = 0;
    int r = SSL_read_ex(s->ssl, inst->scratch + total, inst->scratch_size - total, &n);
    if (r == 1) {
      total += n;
      continue;
    }
    int e = SSL_get_error(s->ssl, r);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_ZERO_RETURN) {  // close_notify (RFC 8446 §6.1)
      state = CLOSED;
      ERR_clear_error();
      break;
    }
    return failure(env, inst, e, "connection failed");
  }
  napi_value plaintext = js_undefined(env);
  if (total > 0) {
    void *copy;
    if (napi_create_buffer_copy(env, total, inst->scratch, &copy, &plaintext) != napi_ok) {
      reset_bios(inst);
      return throw_error(env, NULL, "tls-session: cannot make a buffer");
    }
  }
  napi_value out = drain_out(env, inst);
  reset_bios(inst);
  return result_array(env, state, plaintext, out, NULL);
}

// send(session, plaintext) -> ciphertext Buffer (the session must be established)
static napi_value send_plaintext(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  instance_t *inst;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&inst));
  session_t *s = argc >= 2 ? session_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok)
    return throw_usage(env, "send(session, buffer)");
  if (!SSL_is_init_finished(s->ssl)) return throw_error(env, NULL, "tls-session: send before the handshake finished");
  ERR_clear_error();
  size_t written = 0;
  // The out BIO grows as needed, so a write never waits; the loop only covers partial writes.
  while (written < length) {
    size_t n = 0;
    if (SSL_write_ex(s->ssl, (const char *)data + written, length - written, &n) != 1) {
      reset_bios(inst);
      return throw_openssl(env, "SSL_write");
    }
    written += n;
  }
  napi_value out = drain_out(env, inst);
  reset_bios(inst);
  return out;
}

// shutdown(session) -> our close_notify as ciphertext, or undefined when it cannot be sent
static napi_value shutdown_session(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  instance_t *inst;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&inst));
  session_t *s = argc >= 1 ? session_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  ERR_clear_error();
  if (SSL_is_init_finished(s->ssl)) (void)SSL_shutdown(s->ssl);
  ERR_clear_error();
  napi_value out = drain_out(env, inst);
  reset_bios(inst);
  return out;
}

// peerCertificate(session) -> [DER Buffer, verify error text or undefined] or undefined
static napi_value peer_certificate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  session_t *s = argc >= 1 ? session_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  X509 *cert = SSL_get0_peer_certificate(s->ssl);
  if (!cert) return js_undefined(env);
  int n = i2d_X509(cert, NULL);
  if (n <= 0) {
    ERR_clear_error();
    return js_undefined(env);
  }
  void *der;
  CHECK(napi_create_buffer(env, (size_t)n, &der, &v));
  unsigned char *p = der;
  i2d_X509(cert, &p);
  CHECK(napi_create_array_with_length(env, 2, &result));
  napi_set_element(env, result, 0, v);
  long verified = SSL_get_verify_result(s->ssl);
  napi_set_element(env, result, 1,
                   verified == X509_V_OK ? js_undefined(env) : js_string(env, X509_verify_cert_error_string(verified)));
  return result;
}

// protocol(session) -> "TLSv1.3", "TLSv1.2"
static napi_value protocol(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  session_t *s = argc >= 1 ? session_arg(env, argv[0]) : NULL;
  if (!s) return NULL;
  CHECK(napi_create_string_utf8(env, SSL_get_version(s->ssl), NAPI_AUTO_LENGTH, &result));
  return result;
}

// free(session): the SSL state goes now rather than at the next garbage collection.
static napi_value free_session(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  session_t *s = tagged_arg(env, argv[0], &SESSION_TAG);
  if (!s) return throw_usage(env, "free(session)");
  SSL_free(s->ssl);
  s->ssl = NULL;
  return js_undefined(env);
}

// Measurement helpers for experiments/tls-memory (not a server's API): malloc's bytes in use, a
// client session (no verification) to handshake with in-process, and version/ticket limits.
static napi_value malloc_in_use(napi_env env, napi_callback_info info) {
  struct mallinfo2 mi = mallinfo2();
  napi_value r;
  napi_create_double(env, (double)mi.uordblks, &r);
  return r;
}

static napi_value create_client_session(napi_env env, napi_callback_info info) {
  instance_t *inst;
  size_t argc = 0;
  napi_value r;
  CHECK(napi_get_cb_info(env, info, &argc, NULL, NULL, (void **)&inst));
  static SSL_CTX *client_ctx;
  if (!client_ctx) {
    client_ctx = SSL_CTX_new(TLS_client_method());
    if (!client_ctx) return throw_openssl(env, "SSL_CTX_new");
    SSL_CTX_set_mode(client_ctx, SSL_MODE_RELEASE_BUFFERS);
  }
  session_t *s = calloc(1, sizeof *s);
  if (!s || !(s->ssl = SSL_new(client_ctx))) {
    free(s);
    return throw_openssl(env, "SSL_new");
  }
  BIO_up_ref(inst->in);
  BIO_up_ref(inst->out);
  SSL_set0_rbio(s->ssl, inst->in);
  SSL_set0_wbio(s->ssl, inst->out);
  SSL_set_connect_state(s->ssl);
  if ((r = tagged_external(env, s, session_finalize, &SESSION_TAG)) == NULL) {
    session_finalize(env, s, NULL);
    return throw_error(env, NULL, "tls-session: cannot wrap the session");
  }
  return r;
}

// limit(context, maxVersion (0: none), tickets (-1: default))
static napi_value limit(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t max_version, tickets;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  SSL_CTX *ctx = tagged_arg(env, argv[0], &CONTEXT_TAG);
  if (argc < 3 || !ctx || napi_get_value_int32(env, argv[1], &max_version) != napi_ok ||
      napi_get_value_int32(env, argv[2], &tickets) != napi_ok)
    return throw_usage(env, "limit(context, maxVersion, tickets)");
  if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
  if (tickets >= 0) SSL_CTX_set_num_tickets(ctx, (size_t)tickets);
  return js_undefined(env);
}

static void instance_finalize(napi_env env, void *data, void *hint) {
  instance_t *inst = data;
  BIO_free(inst->in);
  BIO_free(inst->out);
  free(inst->scratch);
  free(inst);
}

NAPI_MODULE_INIT() {
  instance_t *inst = calloc(1, sizeof *inst);
  if (!inst) return NULL;
  inst->in = BIO_new(BIO_s_mem());
  inst->out = BIO_new(BIO_s_mem());
  inst->scratch_size = 32768;
  inst->scratch = malloc(inst->scratch_size);
  if (!inst->in || !inst->out || !inst->scratch) {
    instance_finalize(env, inst, NULL);
    return NULL;
  }
  // An empty in BIO means "wait for more", not end of stream.
  BIO_set_mem_eof_return(inst->in, -1);
  napi_set_instance_data(env, inst, instance_finalize, NULL);
  static const native_method methods[] = {
      {"createContext", create_context},
      {"createSession", create_session},
      {"receive", receive},
      {"send", send_plaintext},
      {"shutdown", shutdown_session},
      {"peerCertificate", peer_certificate},
      {"protocol", protocol},
      {"free", free_session},
      {"mallocInUse", malloc_in_use},
      {"createClientSession", create_client_session},
      {"limit", limit},
  };
  define_methods(env, exports, methods, COUNT_OF(methods), napi_default, inst);
  return exports;
}
