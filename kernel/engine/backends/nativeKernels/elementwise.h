/**
 * The elementwise kernels (copy, unary, binary, where) over one walk: the output is contiguous in the
 * walk's row-major order, and each row is handed to a row function as element range [i0, i1) of that
 * row. Large jobs split over the pool by rows, or within the row when there is only one (a contiguous
 * tensor merges into a single row).
 */
#ifndef NATIVE_KERNELS_ELEMENTWISE_H
#define NATIVE_KERNELS_ELEMENTWISE_H

#include "stridedWalk.h"

typedef struct ElementwiseJob ElementwiseJob;
/** Writes elements [i0, i1) of one row; `out` is the row's start in the output (of the job's element size). */
typedef void (*RowFunction)(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);

struct ElementwiseJob {
  Walk walk;
  int op;
  const void *inputs[MAX_OPERANDS];
  /** Contiguous output: float32, or uint8 for the comparisons. */
  void *out;
  /** Bytes per output element. */
  int outBytes;
  RowFunction row;
};

/** Gathers one strided float view. */
void copyRow(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);
/** A unary op (ops.h) of one float view. */
void unaryRow(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);
/** A binary op (ops.h) of two float views already broadcast to one shape. */
void binaryElements(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);
/** A comparison (ops.h: eq, ne, lt, le, gt, ge) of two float views of one shape into uint8 0/1. */
void compareElements(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);
/** where(condition (uint8), a, b) over three views of one shape. */
void whereRow(const ElementwiseJob *job, const long *starts, void *out, long i0, long i1);

/** Runs job->row over every row of job->walk, on the pool when the job is large. */
void runElementwise(ElementwiseJob *job);

#endif
