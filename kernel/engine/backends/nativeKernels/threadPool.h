/**
 * The thread pool the large kernels split their work over: the calling thread runs part 0, workers
 * parts 1..threads-1, then the call returns. Started on first parallel use, never at module load.
 */
#ifndef NATIVE_KERNELS_THREAD_POOL_H
#define NATIVE_KERNELS_THREAD_POOL_H

typedef void (*PartFunction)(void *context, int part, int parts);

/**
 * Runs function(context, part, parts) for every part, on the pool when `parallel` and the pool is free;
 * returns `parts` (1 when it ran on this thread alone, at most poolThreads()).
 */
int runParts(PartFunction function, void *context, int parallel);

/** How many threads the pool runs large kernels on (asking does not start it). */
int poolThreads(void);

#endif
