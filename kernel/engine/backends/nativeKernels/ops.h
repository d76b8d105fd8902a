/**
 * The ops the elementwise and reduction kernels run, under the engine's names (kernel/engine/backend.ts).
 * Each list makes its enum here and its part of the op-code table the module exports (nodeApi.c), which
 * native.ts reads: codes are only ever looked up by name, so reordering a list changes nothing.
 */
#ifndef NATIVE_KERNELS_OPS_H
#define NATIVE_KERNELS_OPS_H

#define UNARY_OPS(X)                                                                                      \
  X(UNARY_NEG, "neg") X(UNARY_EXP, "exp") X(UNARY_LOG, "log") X(UNARY_SQRT, "sqrt") X(UNARY_TANH, "tanh") \
  X(UNARY_SIGMOID, "sigmoid") X(UNARY_RELU, "relu") X(UNARY_GELU, "gelu") X(UNARY_ABS, "abs")
#define BINARY_OPS(X)                                                                                      \
  X(BINARY_ADD, "add") X(BINARY_SUB, "sub") X(BINARY_MUL, "mul") X(BINARY_DIV, "div") X(BINARY_POW, "pow") \
  X(BINARY_MAXIMUM, "maximum") X(BINARY_MINIMUM, "minimum") X(BINARY_EQ, "eq") X(BINARY_NE, "ne")           \
  X(BINARY_LT, "lt") X(BINARY_LE, "le") X(BINARY_GT, "gt") X(BINARY_GE, "ge")
#define REDUCE_OPS(X) X(REDUCE_SUM, "sum") X(REDUCE_MAX, "max") X(REDUCE_MIN, "min")

#define OP_CODE(code, name) code,
enum { UNARY_OPS(OP_CODE) };
enum { BINARY_OPS(OP_CODE) };
enum { REDUCE_OPS(OP_CODE) };
#undef OP_CODE

#endif
