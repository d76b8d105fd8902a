/**
 * The thread pool (threadPool.h). A job's parts are claimed one at a time from a shared counter by the
 * calling thread and the workers alike, so a worker the OS has not scheduled (a loaded machine) never
 * holds a job up: the caller runs whatever parts nobody has claimed. Which thread runs a part does not
 * change its result; the parts are always `threads` many. A worker spins briefly after each job before
 * it sleeps: a forward pass is a burst of kernels a few microseconds apart, and waking a sleeping
 * thread costs tens of microseconds each time.
 */
#include "threadPool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

enum { SPIN_LIMIT = 20000 };

/** The claim word: the job's generation (high 32 bits), its part count (16 bits), the next unclaimed part (16 bits). */
static inline uint64_t claimWord(unsigned generation, int parts, int next) {
  return (uint64_t)generation << 32 | (uint64_t)parts << 16 | (uint64_t)next;
}

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int threads;
  int started;
  int sleepers; // guarded by lock
  unsigned generation; // atomic: bumped (under lock) to hand out a job
  uint64_t claim; // atomic: claimWord of the current job
  int finished; // atomic: parts of the current job done
  PartFunction function;
  void *context;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0, 0, 0, 0, 0, NULL, NULL };

static inline void relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/** Claims and runs parts of job `generation` until none is left (or a newer job replaced it). */
static void runClaimedParts(unsigned generation) {
  uint64_t word = __atomic_load_n(&pool.claim, __ATOMIC_ACQUIRE);
  for (;;) {
    int parts = (int)(word >> 16 & 0xffff), next = (int)(word & 0xffff);
    if ((unsigned)(word >> 32) != generation || next >= parts) return;
    if (!__atomic_compare_exchange_n(&pool.claim, &word, word + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) continue;
    // The part is ours and unfinished, so the caller still waits and the job's function and context hold.
    pool.function(pool.context, next, parts);
    __atomic_add_fetch(&pool.finished, 1, __ATOMIC_RELEASE);
    word = __atomic_load_n(&pool.claim, __ATOMIC_ACQUIRE);
  }
}

static void *poolWorker(void *argument) {
  (void)argument;
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
    runClaimedParts(generation);
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
    if (pthread_create(&thread, NULL, poolWorker, NULL) != 0) break;
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
  int parts = pool.threads;
  pool.function = function;
  pool.context = context;
  __atomic_store_n(&pool.finished, 0, __ATOMIC_RELAXED);
  pthread_mutex_lock(&pool.lock);
  unsigned generation = pool.generation + 1;
  __atomic_store_n(&pool.claim, claimWord(generation, parts, 0), __ATOMIC_RELEASE);
  __atomic_store_n(&pool.generation, generation, __ATOMIC_RELEASE);
  if (pool.sleepers > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.lock);
  runClaimedParts(generation);
  while (__atomic_load_n(&pool.finished, __ATOMIC_ACQUIRE) < parts) relax();
  pthread_mutex_unlock(&poolOwner);
  return parts;
}

int poolThreads(void) {
  pthread_mutex_lock(&poolOwner);
  int count = pool.started ? pool.threads : requestedThreads();
  pthread_mutex_unlock(&poolOwner);
  return count;
}
