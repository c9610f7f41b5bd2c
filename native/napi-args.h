// N-API boilerplate the native modules share (native/napi-args.c): arguments read from napi_value,
// usage errors thrown, results made, methods registered. Each helper does what the modules' own
// copies did, so src/native/*.ts sees the same API. Include it first: it fixes the N-API version.
#ifndef SWITCHBOARD_NAPI_ARGS_H
#define SWITCHBOARD_NAPI_ARGS_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Linked into each module but not exported from it: a library's symbol of the same name (node
// exports thousands) could otherwise stand in for ours.
#pragma GCC visibility push(hidden)

// Inside a callback (its napi_env named env): when an N-API call fails, throw `message` and return
// NULL. Each module wraps it as CHECK(call), naming itself and the call in the message.
#define NAPI_CALL_OR_THROW(call, message)     \
  do {                                        \
    if ((call) != napi_ok) {                  \
      napi_throw_error(env, NULL, (message)); \
      return NULL;                            \
    }                                         \
  } while (0)

// Arguments. napi_get_cb_info fills those JS did not pass with undefined, and a failed
// napi_get_value_* leaves its output alone, so a missing argument reads as its fallback.

/** A number argument as int32, or the fallback when it is not a number. */
int32_t int32_arg(napi_env env, napi_value value, int32_t fallback);

/** A boolean argument, or the fallback when it is not a boolean. */
bool bool_arg(napi_env env, napi_value value, bool fallback);

/**
 * The pointer inside an external made by tagged_external with this tag, or NULL when the value is
 * anything else (another module's handle, another kind of this module's, a number...): handles
 * are tagged so that one kind is never read as another.
 */
void *tagged_arg(napi_env env, napi_value value, const napi_type_tag *tag);

/** A string argument as a malloc'd UTF-8 copy (the caller frees it); 0 when not a string. */
int string_arg(napi_env env, napi_value value, char **out, size_t *length);

/** string_arg, except that undefined and null read as *out NULL, length 0. */
int optional_string_arg(napi_env env, napi_value value, char **out, size_t *length);

// Errors: each returns NULL, for `return throw_usage(env, "f(a, b)");` from a callback.

/** A TypeError, for arguments of the wrong kind (message: the call's usage). */
napi_value throw_usage(napi_env env, const char *usage);

/** An Error with an optional code (err.code, e.g. "ENOMEM"). */
napi_value throw_error(napi_env env, const char *code, const char *message);

// Results.

napi_value js_undefined(napi_env env);
napi_value js_number(napi_env env, double value);
napi_value js_string(napi_env env, const char *text);

// Registration.

typedef struct {
  const char *name;
  napi_callback callback;
} native_method;

/** Defines each method on exports in order, with the same attributes and data for all. */
void define_methods(napi_env env, napi_value exports, const native_method *methods, size_t count,
                    napi_property_attributes attributes, void *data);

/**
 * An external holding data, tagged (napi_type_tag_object) for tagged_arg; NULL when it cannot be
 * made, and then data is still the caller's (finalize is not called).
 */
napi_value tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag);

/** object[name] = value, a number. */
void set_number(napi_env env, napi_value object, const char *name, double value);

#pragma GCC visibility pop

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

#endif
