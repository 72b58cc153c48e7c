/*
 * AES-256-GCM seal and open for the gate's frames, one call per frame.
 *
 * node:crypto has no reusable GCM context: every frame costs a new Cipheriv
 * object (createCipherBase, update, final, getAuthTag: four crossings into
 * C++ and several JS allocations), which profiles showed as ~20% of a gate
 * worker's busy time. Here each thread keeps one EVP_CIPHER_CTX and re-keys
 * it per call (AES-NI key expansion costs far less than the object churn),
 * so a session holds only its 32-byte keys, not an OpenSSL context.
 *
 * The symbols are OpenSSL's inside the node binary (its headers ship with
 * node's), so this is the same implementation node:crypto uses; the tests
 * check both produce identical bytes.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16

typedef struct {
  EVP_CIPHER_CTX *seal;
  EVP_CIPHER_CTX *open;
} thread_contexts;

static void free_contexts(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  thread_contexts *contexts = data;
  EVP_CIPHER_CTX_free(contexts->seal);
  EVP_CIPHER_CTX_free(contexts->open);
  free(contexts);
}

static int read_bytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, (void **)data, &buffer, &offset) != napi_ok) return 0;
  return type == napi_uint8_array;
}

/* Reads (key, nonce, data) and checks their sizes; returns the thread's contexts or NULL with a JS error thrown. */
static thread_contexts *read_args(napi_env env, napi_callback_info info, uint8_t **key, uint8_t **nonce, uint8_t **data, size_t *data_length) {
  size_t argc = 3;
  napi_value argv[3];
  size_t key_length = 0, nonce_length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      !read_bytes(env, argv[0], key, &key_length) || !read_bytes(env, argv[1], nonce, &nonce_length) ||
      !read_bytes(env, argv[2], data, data_length)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected (key: Uint8Array, nonce: Uint8Array, data: Uint8Array)");
    return NULL;
  }
  if (key_length != KEY_BYTES || nonce_length != NONCE_BYTES) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "the key must be 32 bytes and the nonce 12");
    return NULL;
  }
  thread_contexts *contexts = NULL;
  if (napi_get_instance_data(env, (void **)&contexts) != napi_ok || contexts == NULL) {
    napi_throw_error(env, "ERR_AESGCM_STATE", "aesgcm: no cipher context for this thread");
    return NULL;
  }
  return contexts;
}

/* seal(key, nonce, plaintext): Buffer of ciphertext followed by the 16-byte tag. */
static napi_value seal(napi_env env, napi_callback_info info) {
  uint8_t *key, *nonce, *plaintext;
  size_t length;
  thread_contexts *contexts = read_args(env, info, &key, &nonce, &plaintext, &length);
  if (contexts == NULL) return NULL;
  napi_value result;
  uint8_t *out;
  if (napi_create_buffer(env, length + TAG_BYTES, (void **)&out, &result) != napi_ok) return NULL;
  EVP_CIPHER_CTX *ctx = contexts->seal;
  int written = 0, final_written = 0;
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
      (length > 0 && EVP_EncryptUpdate(ctx, out, &written, plaintext, (int)length) != 1) ||
      EVP_EncryptFinal_ex(ctx, out + written, &final_written) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + length) != 1) {
    napi_throw_error(env, "ERR_AESGCM_SEAL", "AES-256-GCM seal failed");
    return NULL;
  }
  return result;
}

/* open(key, nonce, body): the plaintext, or null when the tag does not authenticate. */
static napi_value open_frame(napi_env env, napi_callback_info info) {
  uint8_t *key, *nonce, *body;
  size_t length;
  thread_contexts *contexts = read_args(env, info, &key, &nonce, &body, &length);
  if (contexts == NULL) return NULL;
  napi_value result;
  if (length < TAG_BYTES) {
    napi_get_null(env, &result);
    return result;
  }
  size_t plain_length = length - TAG_BYTES;
  uint8_t *out;
  if (napi_create_buffer(env, plain_length, (void **)&out, &result) != napi_ok) return NULL;
  EVP_CIPHER_CTX *ctx = contexts->open;
  int written = 0, final_written = 0;
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
      (plain_length > 0 && EVP_DecryptUpdate(ctx, out, &written, body, (int)plain_length) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, body + plain_length) != 1 ||
      EVP_DecryptFinal_ex(ctx, out + written, &final_written) != 1) {
    napi_get_null(env, &result); /* forged, replayed or reordered: the verdict is the return value */
  }
  return result;
}

static EVP_CIPHER_CTX *new_context(int encrypt) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL) return NULL;
  if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

NAPI_MODULE_INIT() {
  thread_contexts *contexts = calloc(1, sizeof *contexts);
  if (contexts == NULL || (contexts->seal = new_context(1)) == NULL || (contexts->open = new_context(0)) == NULL) {
    if (contexts) free_contexts(env, contexts, NULL);
    napi_throw_error(env, "ERR_AESGCM_INIT", "aesgcm: cannot create an AES-256-GCM context");
    return NULL;
  }
  napi_set_instance_data(env, contexts, free_contexts, NULL);
  napi_value fn;
  napi_create_function(env, "seal", NAPI_AUTO_LENGTH, seal, NULL, &fn);
  napi_set_named_property(env, exports, "seal", fn);
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_frame, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  return exports;
}
