/**
 * The thread pool (threadPool.h). A worker spins briefly after each job before it sleeps: a forward
 * pass is a burst of kernels a few microseconds apart, and waking a sleeping thread costs tens of
 * microseconds each time.
 */
#include "threadPool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { SPIN_LIMIT = 20000 };

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int threads;
  int started;
  int sleepers; // guarded by lock
  unsigned generation; // atomic: bumped (under lock) to hand out a job
  int pending; // atomic: workers still running the job
  PartFunction function;
  void *context;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0, 0, 0, 0, NULL, NULL };

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *poolWorker(void *argument) {
  int part = (int)(intptr_t)argument;
  unsigned seen = 0;
  for (;;) {
    unsigned generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
    for (int spins = 0; generation == seen && spins < SPIN_LIMIT; spins++) {
      relax();
      generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
    }
    if (generation == seen) {
      pthread_mutex_lock(&pool.lock);
      pool.sleepers++;
      while ((generation = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) == seen) {
        pthread_cond_wait(&pool.wake, &pool.lock);
      }
      pool.sleepers--;
      pthread_mutex_unlock(&pool.lock);
    }
    seen = generation;
    pool.function(pool.context, part, pool.threads);
    __atomic_sub_fetch(&pool.pending, 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

/** Threads asked for: ATTENTION_LAB_THREADS, else one per online core, within [1, 64]. */
static int requestedThreads(void) {
  const char *requested = getenv("ATTENTION_LAB_THREADS");
  long threads = requested && *requested ? atol(requested) : sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  return threads > 64 ? 64 : (int)threads;
}

static void startPool(void) {
  if (pool.started) return;
  pool.started = 1;
  int threads = requestedThreads(), created = 1;
  for (int part = 1; part < threads; part++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, poolWorker, (void *)(intptr_t)part) != 0) break;
    pthread_detach(thread);
    created++;
  }
  pool.threads = created;
}

/** One caller at a time owns the pool (the module may be loaded by several worker threads). */
static pthread_mutex_t poolOwner = PTHREAD_MUTEX_INITIALIZER;

int runParts(PartFunction function, void *context, int parallel) {
  if (parallel) {
    pthread_mutex_lock(&poolOwner);
    startPool();
    pthread_mutex_unlock(&poolOwner);
  }
  if (!parallel || pool.threads == 1 || pthread_mutex_trylock(&poolOwner) != 0) {
    function(context, 0, 1);
    return 1;
  }
  pool.function = function;
  pool.context = context;
  __atomic_store_n(&pool.pending, pool.threads - 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&pool.lock);
  __atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
  if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  function(context, 0, pool.threads);
  while (__atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE) > 0) relax();
  int parts = pool.threads;
  pthread_mutex_unlock(&poolOwner);
  return parts;
}

int poolThreads(void) {
  pthread_mutex_lock(&poolOwner);
  int count = pool.started ? pool.threads : requestedThreads();
  pthread_mutex_unlock(&poolOwner);
  return count;
}
