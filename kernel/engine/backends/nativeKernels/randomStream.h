/**
 * The engine's seeded random stream in C (randomStream.c): the same values, bit for bit, as the JS
 * generator in kernel/engine/random.ts, which keeps the stream's state and hands it over on each call.
 */
#ifndef RANDOM_STREAM_H
#define RANDOM_STREAM_H

#include <stddef.h>
#include <stdint.h>

/**
 * Fills `out` with shift + scale u for uniforms u on [0, 1), one xoshiro128** draw each, advancing `state`
 * (4 words); computed in double, rounded to float once.
 */
void fillUniform(uint32_t *state, float *out, size_t length, double shift, double scale);

/**
 * Fills `out` with shift + scale z for standard normals z, one Box-Muller pair (two draws) per two values,
 * advancing `state`; computed in double, rounded to float once.
 */
void fillNormal(uint32_t *state, float *out, size_t length, double shift, double scale);

/**
 * Fills `out` with integers low + floor(u range) for uniforms u on [0, 1), one draw each, advancing `state`;
 * the caller keeps every value within int32.
 */
void fillIntegers(uint32_t *state, int32_t *out, size_t length, double low, double range);

#endif
