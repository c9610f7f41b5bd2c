// N-API boilerplate shared by the native modules: see napi-args.h.
#include "napi-args.h"

#include <stdlib.h>

int32_t int32_arg(napi_env env, napi_value value, int32_t fallback) {
  int32_t out = fallback;
  napi_get_value_int32(env, value, &out);
  return out;
}

bool bool_arg(napi_env env, napi_value value, bool fallback) {
  bool out = fallback;
  napi_get_value_bool(env, value, &out);
  return out;
}

void *tagged_arg(napi_env env, napi_value value, const napi_type_tag *tag) {
  bool tagged = false;
  void *out = NULL;
  if (napi_check_object_type_tag(env, value, tag, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, value, &out) != napi_ok)
    return NULL;
  return out;
}

int string_arg(napi_env env, napi_value value, char **out, size_t *length) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) return 0;
  size_t n;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &n) != napi_ok) return 0;
  *out = malloc(n + 1);
  if (!*out) return 0;
  napi_get_value_string_utf8(env, value, *out, n + 1, &n);
  *length = n;
  return 1;
}

int optional_string_arg(napi_env env, napi_value value, char **out, size_t *length) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  *out = NULL;
  *length = 0;
  if (type == napi_undefined || type == napi_null) return 1;
  return string_arg(env, value, out, length);
}

napi_value throw_usage(napi_env env, const char *usage) {
  napi_throw_type_error(env, NULL, usage);
  return NULL;
}

napi_value throw_error(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

napi_value js_undefined(napi_env env) {
  napi_value out;
  napi_get_undefined(env, &out);
  return out;
}

napi_value js_number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

napi_value js_string(napi_env env, const char *text) {
  napi_value out = NULL;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

void define_methods(napi_env env, napi_value exports, const native_method *methods, size_t count,
                    napi_property_attributes attributes, void *data) {
  for (size_t i = 0; i < count; i++) {
    napi_property_descriptor method = {methods[i].name, NULL, methods[i].callback, NULL, NULL, NULL, attributes, data};
    napi_define_properties(env, exports, 1, &method);
  }
}

napi_value tagged_external(napi_env env, void *data, napi_finalize finalize, const napi_type_tag *tag) {
  napi_value out;
  // Tagged before the finalizer is attached, so a failure leaves data with the caller.
  if (napi_create_external(env, data, NULL, NULL, &out) != napi_ok || napi_type_tag_object(env, out, tag) != napi_ok)
    return NULL;
  if (finalize != NULL && napi_add_finalizer(env, out, data, finalize, NULL, NULL) != napi_ok) return NULL;
  return out;
}

void set_number(napi_env env, napi_value object, const char *name, double value) {
  napi_set_named_property(env, object, name, js_number(env, value));
}
