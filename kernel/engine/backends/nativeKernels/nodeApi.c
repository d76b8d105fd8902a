/**
 * The native backend's module entry: its float32 kernels behind Node-API, called synchronously from
 * kernel/engine/backends/native.ts. Storage stays in the JS typed arrays (no copies in or out); views
 * arrive as Int32Array layouts (layout.h). Besides the kernels, the module exports `ops`, its op-code
 * table by the engine's op names (ops.h), and `layout`, the description of the layouts it reads.
 * Loading it has no effect on the process: the thread pool starts on first use, and the allocator
 * changes only when the backend is created (configureAllocator).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include "elementwise.h"
#include "gemm.h"
#include "layout.h"
#include "ops.h"
#include "randomStream.h"
#include "reductions.h"
#include "threadPool.h"
#include "trainingKernels.h"
#include "vectorMath.h"

static void *typedArrayData(napi_env env, napi_value value, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  size_t count = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, &data, NULL, NULL) != napi_ok) return NULL;
  if (length) *length = count;
  return data;
}

static int readArguments(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    napi_throw_error(env, NULL, "native kernel called with the wrong number of arguments");
    return 0;
  }
  return 1;
}

static int readInt(napi_env env, napi_value value) {
  int32_t result = 0;
  napi_get_value_int32(env, value, &result);
  return result;
}

static napi_value failed(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/**
 * Reads the layout for `operands` inputs and the typed arrays of the arguments from `first` on; 0 with
 * an exception pending if they are wrong.
 */
static int readElementwise(napi_env env, napi_value *argv, int first, int operands, ElementwiseJob *job,
                           const char *name) {
  size_t length = 0;
  for (int o = 0; o < operands; o++) job->inputs[o] = typedArrayData(env, argv[first + o], NULL);
  const int32_t *layout = typedArrayData(env, argv[first + operands], &length);
  job->out = typedArrayData(env, argv[first + operands + 1], NULL);
  int ok = layout && job->out && readWalk(layout, length, operands, &job->walk);
  for (int o = 0; o < operands; o++) ok = ok && job->inputs[o];
  if (!ok) napi_throw_error(env, NULL, name);
  return ok;
}

/**
 * The elementwise kernels' entry: arguments ([op,] inputs..., layout, out), the rows done by `row`, each
 * output element `outBytes` wide.
 */
static napi_value elementwiseCall(napi_env env, napi_callback_info info, int takesOp, int operands, RowFunction row,
                                  int outBytes, const char *name) {
  napi_value argv[1 + MAX_OPERANDS + 2];
  ElementwiseJob job = { .row = row, .outBytes = outBytes };
  if (!readArguments(env, info, takesOp + operands + 2, argv)) return NULL;
  if (takesOp) job.op = readInt(env, argv[0]);
  if (readElementwise(env, argv, takesOp, operands, &job, name)) runElementwise(&job);
  return NULL;
}

/** A random stream call's arguments (state, out, shift, scale): the four state words and the array to fill. */
typedef struct {
  uint32_t *state;
  void *out;
  size_t length;
  double shift, scale;
} StreamArguments;

/** Reads a random stream call's arguments, `out` of type `outType`; false (an error thrown) when they are wrong. */
static int readStreamArguments(napi_env env, napi_callback_info info, napi_typedarray_type outType, const char *name,
                               StreamArguments *arguments) {
  napi_value argv[4];
  napi_typedarray_type stateType, foundType;
  size_t words = 0;
  if (!readArguments(env, info, 4, argv)) return 0;
  if (napi_get_typedarray_info(env, argv[0], &stateType, &words, (void **)&arguments->state, NULL, NULL) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &foundType, &arguments->length, &arguments->out, NULL, NULL) != napi_ok ||
      napi_get_value_double(env, argv[2], &arguments->shift) != napi_ok ||
      napi_get_value_double(env, argv[3], &arguments->scale) != napi_ok || stateType != napi_uint32_array ||
      words != 4 || foundType != outType) {
    failed(env, name);
    return 0;
  }
  return 1;
}

/** uniform(state, out, shift, scale): shift + scale u for uniforms u on [0, 1) from the seeded stream. */
static napi_value uniform(napi_env env, napi_callback_info info) {
  StreamArguments a;
  if (readStreamArguments(env, info, napi_float32_array,
                          "uniform(state, out, shift, scale): "
                          "expected a Uint32Array(4), a Float32Array and two numbers",
                          &a))
    fillUniform(a.state, a.out, a.length, a.shift, a.scale);
  return NULL;
}

/** normal(state, out, shift, scale): shift + scale z for standard normals z from the seeded stream. */
static napi_value normal(napi_env env, napi_callback_info info) {
  StreamArguments a;
  if (readStreamArguments(env, info, napi_float32_array,
                          "normal(state, out, shift, scale): "
                          "expected a Uint32Array(4), a Float32Array and two numbers",
                          &a))
    fillNormal(a.state, a.out, a.length, a.shift, a.scale);
  return NULL;
}

/** integers(state, out, low, range): low + floor(u range) for uniforms u on [0, 1), into an Int32Array. */
static napi_value integers(napi_env env, napi_callback_info info) {
  StreamArguments a;
  if (readStreamArguments(env, info, napi_int32_array,
                          "integers(state, out, low, range): "
                          "expected a Uint32Array(4), an Int32Array and two numbers",
                          &a))
    fillIntegers(a.state, a.out, a.length, a.shift, a.scale);
  return NULL;
}

/** copy(source, layout, out): gathers one strided view into contiguous `out`. */
static napi_value copyView(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 0, 1, copyRow, 4, "copy: bad arguments");
}

/** unary(op, source, layout, out). */
static napi_value unary(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 1, 1, unaryRow, 4, "unary: bad arguments");
}

/** binary(op, a, b, layout, out): a and b already broadcast to one shape. */
static napi_value binary(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 1, 2, binaryElements, 4, "binary: bad arguments");
}

/** compare(op, a, b, layout, out (Uint8Array)): a comparison of two float views into 0/1 bytes. */
static napi_value compare(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 1, 2, compareElements, 1, "compare: bad arguments");
}

/** where(condition (uint8), a, b, layout, out). */
static napi_value whereView(napi_env env, napi_callback_info info) {
  return elementwiseCall(env, info, 0, 3, whereRow, 4, "where: bad arguments");
}

/**
 * Reads the (source, layout, out) arguments of a kernel along the last dim, from argv[first] on;
 * 0 with an exception pending when they are wrong.
 */
static int readRowsArguments(napi_env env, napi_value *argv, int first, const float **source,
                             const int32_t **layout, float **out, const char *name) {
  size_t length = 0;
  *source = typedArrayData(env, argv[first], NULL);
  *layout = typedArrayData(env, argv[first + 1], &length);
  *out = typedArrayData(env, argv[first + 2], NULL);
  int ndim = *layout && length >= 3 ? layoutDims(*layout) : 0;
  if (!*source || !*out || ndim < 1 || ndim > MAX_DIMS || length < layoutLength(ndim, 1)) {
    napi_throw_error(env, NULL, name);
    return 0;
  }
  return 1;
}

/** reduce(op, source, layout, out): folds the last dim. */
static napi_value reduce(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!readArguments(env, info, 4, argv)) return NULL;
  int op = readInt(env, argv[0]);
  const float *source;
  const int32_t *layout;
  float *out;
  if (!readRowsArguments(env, argv, 1, &source, &layout, &out, "reduce: bad arguments")) return NULL;
  reduceLastDim(op, source, layout, out);
  return NULL;
}

/** softmax(source, layout, out): along the last dim. */
static napi_value softmax(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!readArguments(env, info, 3, argv)) return NULL;
  const float *source;
  const int32_t *layout;
  float *out;
  if (!readRowsArguments(env, argv, 0, &source, &layout, &out, "softmax: bad arguments")) return NULL;
  softmaxLastDim(source, layout, out);
  return NULL;
}

/** A Float32Array argument's data and length; NULL when it is not one. */
static float *floatArray(napi_env env, napi_value value, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok) return NULL;
  return type == napi_float32_array ? data : NULL;
}

/** An optional Float32Array argument of `length` floats: 1 with *data NULL for null, 0 when it is neither. */
static int optionalFloats(napi_env env, napi_value value, size_t length, float **data) {
  napi_valuetype kind;
  napi_typeof(env, value, &kind);
  size_t found = 0;
  *data = NULL;
  if (kind == napi_null) return 1;
  *data = floatArray(env, value, &found);
  return *data != NULL && found == length;
}

/**
 * copyBlocks(source, out, blocks, block, outStride): `blocks` runs of `block` floats, contiguous in source,
 * to out at every outStride floats (a part's rows in a concat along an inner dim).
 */
static napi_value copyBlocks(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!readArguments(env, info, 5, argv)) return NULL;
  size_t sourceLength = 0, outLength = 0;
  const float *source = floatArray(env, argv[0], &sourceLength);
  float *out = floatArray(env, argv[1], &outLength);
  long blocks = readInt(env, argv[2]), block = readInt(env, argv[3]), outStride = readInt(env, argv[4]);
  if (!source || !out || blocks < 0 || block < 0 || outStride < block || (size_t)(blocks * block) > sourceLength ||
      (blocks > 0 && (size_t)((blocks - 1) * outStride + block) > outLength))
    return failed(env, "copyBlocks(source, out, blocks, block, outStride): bad arguments");
  for (long i = 0; i < blocks; i++) memcpy(out + i * outStride, source + i * block, block * sizeof(float));
  return NULL;
}

/** softmaxBackward(grad, out, n, dx): contiguous rows of n, dx = y·(g - Σ g·y) per row. */
static napi_value softmaxBackward(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!readArguments(env, info, 4, argv)) return NULL;
  size_t gradLength = 0, outLength = 0, dxLength = 0;
  const float *grad = floatArray(env, argv[0], &gradLength), *out = floatArray(env, argv[1], &outLength);
  long n = readInt(env, argv[2]);
  float *dx = floatArray(env, argv[3], &dxLength);
  if (!grad || !out || !dx || n < 1 || gradLength % n || outLength != gradLength || dxLength != gradLength)
    return failed(env, "softmaxBackward(grad, out, n, dx): expected Float32Arrays of one length, a multiple of n");
  softmaxBackwardRows(grad, out, (long)gradLength / n, n, dx);
  return NULL;
}

/** reluBackward(grad, out, dx): dx = grad where out > 0, else 0, over Float32Arrays of one length. */
static napi_value reluBackward(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!readArguments(env, info, 3, argv)) return NULL;
  size_t gradLength = 0, outLength = 0, dxLength = 0;
  const float *grad = floatArray(env, argv[0], &gradLength), *out = floatArray(env, argv[1], &outLength);
  float *dx = floatArray(env, argv[2], &dxLength);
  if (!grad || !out || !dx || outLength != gradLength || dxLength != gradLength)
    return failed(env, "reluBackward(grad, out, dx): expected Float32Arrays of one length");
  reluBackwardElements(grad, out, (long)gradLength, dx);
  return NULL;
}

/** layerNorm(x, weight|null, bias|null, n, eps, out, mean, rstd): contiguous rows of n. */
static napi_value layerNorm(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!readArguments(env, info, 8, argv)) return NULL;
  size_t length = 0, outLength = 0, meanLength = 0, rstdLength = 0;
  const float *x = floatArray(env, argv[0], &length);
  long n = readInt(env, argv[3]);
  double eps = 0;
  napi_get_value_double(env, argv[4], &eps);
  float *weight, *bias;
  float *out = floatArray(env, argv[5], &outLength), *mean = floatArray(env, argv[6], &meanLength),
        *rstd = floatArray(env, argv[7], &rstdLength);
  long rows = n > 0 ? (long)length / n : 0;
  if (!x || n < 1 || length % n || !optionalFloats(env, argv[1], n, &weight) || !optionalFloats(env, argv[2], n, &bias) ||
      !out || outLength != length || !mean || meanLength != (size_t)rows || !rstd || rstdLength != (size_t)rows)
    return failed(env, "layerNorm(x, weight, bias, n, eps, out, mean, rstd): bad arguments");
  layerNormRows(x, weight, bias, rows, n, (float)eps, out, mean, rstd);
  return NULL;
}

/** layerNormBackward(grad, x, mean, rstd, weight|null, n, dx, dweight|null, dbias|null): contiguous rows of n. */
static napi_value layerNormBackward(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!readArguments(env, info, 9, argv)) return NULL;
  size_t length = 0, xLength = 0, meanLength = 0, rstdLength = 0, dxLength = 0;
  const float *grad = floatArray(env, argv[0], &length), *x = floatArray(env, argv[1], &xLength);
  const float *mean = floatArray(env, argv[2], &meanLength), *rstd = floatArray(env, argv[3], &rstdLength);
  long n = readInt(env, argv[5]);
  float *weight, *dweight, *dbias, *dx = floatArray(env, argv[6], &dxLength);
  long rows = n > 0 ? (long)length / n : 0;
  if (!grad || !x || n < 1 || length % n || xLength != length || !mean || meanLength != (size_t)rows || !rstd ||
      rstdLength != (size_t)rows || !optionalFloats(env, argv[4], n, &weight) || !dx || dxLength != length ||
      !optionalFloats(env, argv[7], n, &dweight) || !optionalFloats(env, argv[8], n, &dbias))
    return failed(env, "layerNormBackward(grad, x, mean, rstd, weight, n, dx, dweight, dbias): bad arguments");
  layerNormBackwardRows(grad, x, mean, rstd, weight, rows, n, dx, dweight, dbias);
  return NULL;
}

/**
 * adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq|null, scalars): Float32Arrays of one length, updated in
 * place; scalars a Float64Array [beta1, beta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt,
 * maximize].
 */
static napi_value adamStep(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!readArguments(env, info, 6, argv)) return NULL;
  size_t length = 0, gradLength = 0, mLength = 0, vLength = 0, scalarCount = 0;
  float *param = floatArray(env, argv[0], &length), *expAvg = floatArray(env, argv[2], &mLength);
  const float *grad = floatArray(env, argv[1], &gradLength);
  float *expAvgSq = floatArray(env, argv[3], &vLength), *maxExpAvgSq;
  napi_typedarray_type type;
  double *numbers = NULL;
  if (napi_get_typedarray_info(env, argv[5], &type, &scalarCount, (void **)&numbers, NULL, NULL) != napi_ok ||
      type != napi_float64_array)
    numbers = NULL;
  if (!param || !grad || !expAvg || !expAvgSq || gradLength != length || mLength != length || vLength != length ||
      !optionalFloats(env, argv[4], length, &maxExpAvgSq) || !numbers || scalarCount != 8)
    return failed(env, "adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, scalars): bad arguments");
  AdamScalars scalars = {
    .beta1 = (float)numbers[0], .beta2 = (float)numbers[1], .oneMinusBeta1 = (float)(1 - numbers[0]),
    .oneMinusBeta2 = (float)(1 - numbers[1]), .eps = (float)numbers[2], .weightDecay = (float)numbers[3],
    .paramScale = (float)numbers[4], .stepSize = (float)numbers[5], .biasCorrection2Sqrt = (float)numbers[6],
    .maximize = numbers[7] != 0,
  };
  adamStepElements(param, grad, expAvg, expAvgSq, maxExpAvgSq, (long)length, &scalars);
  return NULL;
}

/**
 * matmul(a, b, layout, out, bias): a matmul layout (layout.h), out (batch, M, N) contiguous; bias null or
 * N floats added to every row of the product (addmm: the sum is the same float add as a separate op's).
 */
static napi_value matmul(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!readArguments(env, info, 5, argv)) return NULL;
  size_t length = 0;
  const float *a = typedArrayData(env, argv[0], NULL);
  const float *b = typedArrayData(env, argv[1], NULL);
  const int32_t *layout = typedArrayData(env, argv[2], &length);
  float *out = typedArrayData(env, argv[3], NULL);
  float *bias = NULL;
  // With K = 0 the operands are empty (no data pointer) and the product is zeros.
  int operandsRead = layout && length == MATMUL_LAYOUT_LENGTH && (layout[MATMUL_K] == 0 || (a && b));
  if (!operandsRead || !out || !optionalFloats(env, argv[4], layout[MATMUL_N], &bias))
    return failed(env, "matmul(a, b, layout, out, bias): bad arguments");
  const int32_t *aFields = matmulOperand(layout, 0), *bFields = matmulOperand(layout, 1);
  Gemm g = {
    .a = a + aFields[MATMUL_OFFSET], .b = b + bFields[MATMUL_OFFSET], .c = out,
    .batch = layout[MATMUL_BATCH], .m = layout[MATMUL_M], .k = layout[MATMUL_K], .n = layout[MATMUL_N],
    .aBatch = aFields[MATMUL_BATCH_STRIDE], .aRow = aFields[MATMUL_ROW_STRIDE], .aCol = aFields[MATMUL_COL_STRIDE],
    .bBatch = bFields[MATMUL_BATCH_STRIDE], .bRow = bFields[MATMUL_ROW_STRIDE], .bCol = bFields[MATMUL_COL_STRIDE],
  };
  gemm(&g);
  if (bias) addToRows(out, g.batch * g.m, g.n, bias);
  return NULL;
}

/** threads(): how many threads the pool runs large kernels on (asking does not start it). */
static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_int32(env, poolThreads(), &result);
  return result;
}

/** simd(): the instruction set the kernels were compiled for. */
static napi_value simd(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_string_utf8(env, HAVE_AVX2 ? "AVX2+FMA" : "portable C", NAPI_AUTO_LENGTH, &result);
  return result;
}

/** Set once any thread has configured the allocator. */
static int allocatorConfigured;

/**
 * configureAllocator(): tunes the process's allocator for tensors, once; the backend calls it when
 * it is created. Returns true when this call changed the allocator, false when an earlier call had
 * or the C library is not glibc.
 */
static napi_value configureAllocator(napi_env env, napi_callback_info info) {
  (void)info;
  int changed = 0;
#if defined(__GLIBC__)
  if (!__atomic_exchange_n(&allocatorConfigured, 1, __ATOMIC_ACQ_REL)) {
    // Tensors are large and short-lived: glibc would mmap each one fresh and munmap it when freed, so
    // every new tensor paid a page fault per 4 KiB (17 ms for 32 MiB here, against 1 ms to write it).
    // Served from the heap and kept there when freed, the next tensor reuses warm pages.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    changed = 1;
  }
#endif
  napi_value result;
  napi_get_boolean(env, changed, &result);
  return result;
}

typedef struct {
  const char *name;
  int code;
} OpName;

#define OP_NAME(code, name) { name, code },
static const OpName unaryOps[] = { UNARY_OPS(OP_NAME) };
static const OpName binaryOps[] = { BINARY_OPS(OP_NAME) };
static const OpName reduceOps[] = { REDUCE_OPS(OP_NAME) };
#undef OP_NAME

/** { name: code } for one op list. */
static napi_value opCodes(napi_env env, const OpName *ops, size_t count) {
  napi_value table, code;
  napi_create_object(env, &table);
  for (size_t i = 0; i < count; i++) {
    napi_create_int32(env, ops[i].code, &code);
    napi_set_named_property(env, table, ops[i].name, code);
  }
  return table;
}

/** The `ops` export: { unary: { neg: 0, ... }, binary: { ... }, reduce: { ... } }. */
static napi_value opTable(napi_env env) {
  napi_value table;
  napi_create_object(env, &table);
  napi_set_named_property(env, table, "unary", opCodes(env, unaryOps, sizeof unaryOps / sizeof unaryOps[0]));
  napi_set_named_property(env, table, "binary", opCodes(env, binaryOps, sizeof binaryOps / sizeof binaryOps[0]));
  napi_set_named_property(env, table, "reduce", opCodes(env, reduceOps, sizeof reduceOps / sizeof reduceOps[0]));
  return table;
}

#define FIELD_NAME(name) name,
#define INDEXED_FIELD_NAME(index, name) name,
static const char *const viewHead[] = { VIEW_HEAD_FIELDS(FIELD_NAME) };
static const char *const viewOperand[] = { VIEW_OPERAND_FIELDS(FIELD_NAME) };
static const char *const matmulHead[] = { MATMUL_HEAD_FIELDS(INDEXED_FIELD_NAME) };
static const char *const matmulOperandFields[] = { MATMUL_OPERAND_FIELDS(INDEXED_FIELD_NAME) };
#undef FIELD_NAME
#undef INDEXED_FIELD_NAME

static napi_value stringArray(napi_env env, const char *const *strings, size_t count) {
  napi_value array, string;
  napi_create_array_with_length(env, count, &array);
  for (size_t i = 0; i < count; i++) {
    napi_create_string_utf8(env, strings[i], NAPI_AUTO_LENGTH, &string);
    napi_set_element(env, array, (uint32_t)i, string);
  }
  return array;
}

/** { head: [...], perOperand: [...] }: a layout's fields before the operands, then each operand's. */
static napi_value fieldLists(napi_env env, const char *const *head, size_t headCount, const char *const *operand,
                             size_t operandCount) {
  napi_value lists;
  napi_create_object(env, &lists);
  napi_set_named_property(env, lists, "head", stringArray(env, head, headCount));
  napi_set_named_property(env, lists, "perOperand", stringArray(env, operand, operandCount));
  return lists;
}

static napi_value int32Value(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

/** The `layout` export: { maxDims, maxOperands, view: fieldLists, matmul: fieldLists }. */
static napi_value layoutDescription(napi_env env) {
  napi_value description;
  napi_create_object(env, &description);
  napi_set_named_property(env, description, "maxDims", int32Value(env, MAX_DIMS));
  napi_set_named_property(env, description, "maxOperands", int32Value(env, MAX_OPERANDS));
  napi_set_named_property(env, description, "view",
                          fieldLists(env, viewHead, sizeof viewHead / sizeof viewHead[0], viewOperand,
                                     sizeof viewOperand / sizeof viewOperand[0]));
  napi_set_named_property(env, description, "matmul",
                          fieldLists(env, matmulHead, sizeof matmulHead / sizeof matmulHead[0], matmulOperandFields,
                                     sizeof matmulOperandFields / sizeof matmulOperandFields[0]));
  return description;
}

static napi_value initialize(napi_env env, napi_value exports) {
#if HAVE_AVX2
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    napi_throw_error(env, NULL, "built for AVX2 and FMA, which this CPU lacks");
    return NULL;
  }
#endif
  const napi_property_descriptor properties[] = {
    { "copy", NULL, copyView, NULL, NULL, NULL, napi_default, NULL },
    { "copyBlocks", NULL, copyBlocks, NULL, NULL, NULL, napi_default, NULL },
    { "unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL },
    { "binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL },
    { "compare", NULL, compare, NULL, NULL, NULL, napi_default, NULL },
    { "where", NULL, whereView, NULL, NULL, NULL, napi_default, NULL },
    { "reduce", NULL, reduce, NULL, NULL, NULL, napi_default, NULL },
    { "matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL },
    { "softmax", NULL, softmax, NULL, NULL, NULL, napi_default, NULL },
    { "softmaxBackward", NULL, softmaxBackward, NULL, NULL, NULL, napi_default, NULL },
    { "reluBackward", NULL, reluBackward, NULL, NULL, NULL, napi_default, NULL },
    { "layerNorm", NULL, layerNorm, NULL, NULL, NULL, napi_default, NULL },
    { "layerNormBackward", NULL, layerNormBackward, NULL, NULL, NULL, napi_default, NULL },
    { "adamStep", NULL, adamStep, NULL, NULL, NULL, napi_default, NULL },
    { "uniform", NULL, uniform, NULL, NULL, NULL, napi_default, NULL },
    { "normal", NULL, normal, NULL, NULL, NULL, napi_default, NULL },
    { "integers", NULL, integers, NULL, NULL, NULL, napi_default, NULL },
    { "threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL },
    { "simd", NULL, simd, NULL, NULL, NULL, napi_default, NULL },
    { "configureAllocator", NULL, configureAllocator, NULL, NULL, NULL, napi_default, NULL },
    { "ops", NULL, NULL, NULL, NULL, opTable(env), napi_enumerable, NULL },
    { "layout", NULL, NULL, NULL, NULL, layoutDescription(env), napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, initialize)
