/**
 * The engine's seeded random stream in C (randomStream.c): the same values, bit for bit, as the JS
 * generator in kernel/engine/random.ts, which keeps the stream's state and hands it over on each call.
 */
#ifndef RANDOM_STREAM_H
#define RANDOM_STREAM_H

#include <stddef.h>
#include <stdint.h>

/** Fills `out` with uniforms on [0, 1), one xoshiro128** draw each, advancing `state` (4 words). */
void fillUniform(uint32_t *state, float *out, size_t length);

/** Fills `out` with standard normals, one Box-Muller pair (two draws) per two values, advancing `state`. */
void fillNormal(uint32_t *state, float *out, size_t length);

#endif
