/**
 * The thread pool the large kernels split their work over: the calling thread and the workers claim
 * the parts one by one, and the call returns when every part is done. Started on first parallel use,
 * never at module load.
 */
#ifndef NATIVE_KERNELS_THREAD_POOL_H
#define NATIVE_KERNELS_THREAD_POOL_H

typedef void (*PartFunction)(void *context, int part, int parts);

/**
 * Runs function(context, part, parts) for every part, on the pool when `parallel` and the pool is free
 * (then the parts are as many as the pool's threads, else one); returns how many parts there were.
 */
int runParts(PartFunction function, void *context, int parallel);

/** How many threads the pool runs large kernels on (asking does not start it). */
int poolThreads(void);

#endif
