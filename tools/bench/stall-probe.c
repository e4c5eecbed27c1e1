/*
 * Host-stall probe for `npm run bench:ingest` (BENCH_STALL_PROBE=1; docs/ingestion.md).
 *
 * One thread per online CPU, pinned to it, at SCHED_FIFO priority 99 (the highest a process can
 * ask for), sleeping to an absolute deadline every PERIOD_US. Nothing in the guest can hold such
 * a thread off its core for long: not another process, not a kernel thread running at normal
 * priority. When it wakes THRESHOLD_US or more after its deadline, the most likely reason is that
 * the virtual CPU itself was not running (the host ran something else), which this guest does not
 * report as steal time. Each such tick is printed on exit (SIGTERM or SIGINT) as
 * `<cpu> <epoch ms when it was due> <late µs>`; a summary goes to stderr.
 *
 * Usage: stall-probe [threshold_us] [period_us]   (defaults 2000 and 1000)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 64
#define MAX_LATE 100000

struct late_tick {
  int cpu;
  double due_ms;
  long late_us;
};

static volatile sig_atomic_t stopping = 0;
static long period_us = 1000;
static long threshold_us = 2000;
static struct late_tick late[MAX_LATE];
static int n_late = 0;
static pthread_mutex_t late_lock = PTHREAD_MUTEX_INITIALIZER;
static long ticks[MAX_CPUS];
static int realtime_ok[MAX_CPUS];

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static long us_between(const struct timespec *a, const struct timespec *b) {
  return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

static void *tick_loop(void *arg) {
  int cpu = (int)(long)arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  struct sched_param sp = {.sched_priority = 99};
  realtime_ok[cpu] = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;

  struct timespec due, now, wall;
  clock_gettime(CLOCK_MONOTONIC, &due);
  while (!stopping) {
    due.tv_nsec += period_us * 1000;
    while (due.tv_nsec >= 1000000000) {
      due.tv_nsec -= 1000000000;
      due.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
    ticks[cpu]++;
    long late_us = us_between(&due, &now);
    if (late_us >= threshold_us) {
      clock_gettime(CLOCK_REALTIME, &wall);
      pthread_mutex_lock(&late_lock);
      if (n_late < MAX_LATE) {
        late[n_late].cpu = cpu;
        late[n_late].due_ms = wall.tv_sec * 1e3 + wall.tv_nsec / 1e6 - late_us / 1e3;
        late[n_late].late_us = late_us;
        n_late++;
      }
      pthread_mutex_unlock(&late_lock);
    }
    /* a long stall: start again from now rather than firing the missed ticks back to back */
    if (late_us > period_us) due = now;
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) threshold_us = atol(argv[1]);
  if (argc > 2) period_us = atol(argv[2]);
  if (threshold_us <= 0 || period_us <= 0) {
    fprintf(stderr, "usage: stall-probe [threshold_us > 0] [period_us > 0]\n");
    return 2;
  }
  mlockall(MCL_CURRENT | MCL_FUTURE);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n > MAX_CPUS) n = MAX_CPUS;
  pthread_t threads[MAX_CPUS];
  for (long i = 0; i < n; i++) pthread_create(&threads[i], NULL, tick_loop, (void *)i);
  for (long i = 0; i < n; i++) pthread_join(threads[i], NULL);
  for (int i = 0; i < n_late; i++) printf("%d %.3f %ld\n", late[i].cpu, late[i].due_ms, late[i].late_us);
  for (long i = 0; i < n; i++)
    fprintf(stderr, "cpu%ld ticks %ld %s\n", i, ticks[i], realtime_ok[i] ? "SCHED_FIFO" : "not realtime");
  return 0;
}
