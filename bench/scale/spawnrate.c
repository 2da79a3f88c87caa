/*
 * spawnrate: how fast this machine can start N processes from one thread, with no JVM and
 * no supervisor logic: the floor under scale.py's start-up figures.
 *
 *   cc -O2 -o /tmp/spawnrate bench/scale/spawnrate.c
 *   /tmp/spawnrate 1000            # posix_spawn("sleep 600") x N            (1 exec each)
 *   /tmp/spawnrate 1000 chain      # the emperor's chain: setpriv --pdeathsig KILL -- setsid --
 *                                  #   env --default-signal -- sleep 600        (4 execs each)
 *
 * Prints the time to issue the N spawns and the time until all N run `sleep` (polled from
 * /proc/PID/comm), then kills every child (SIGKILL, by pid) and reaps it, also on SIGINT or
 * SIGTERM. The children sleep 600 s, so even a SIGKILLed spawnrate leaves nothing for long.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
static pid_t *kids;
static volatile int spawned;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void cleanup(void) {
    for (int i = 0; i < spawned; i++) kill(kids[i], SIGKILL);
    for (int i = 0; i < spawned; i++) waitpid(kids[i], 0, 0);
}

static void on_signal(int sig) {
    (void)sig;
    cleanup();
    _exit(130);
}

static int runs_sleep(pid_t pid) {
    char path[64], buf[32] = {0};
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int ok = fgets(buf, sizeof buf, f) && strncmp(buf, "sleep", 5) == 0;
    fclose(f);
    return ok;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int chain = argc > 2 && strcmp(argv[2], "chain") == 0;
    if (n < 1 || n > 20000) {
        fprintf(stderr, "usage: spawnrate N [chain]   (1 <= N <= 20000)\n");
        return 2;
    }
    kids = calloc((size_t)n, sizeof *kids);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    char *direct[] = {"/usr/bin/sleep", "600", 0};
    char *wrapped[] = {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/setsid", "--", "/usr/bin/env",
                       "--default-signal", "--", "/usr/bin/sleep", "600", 0};
    char **argv2 = chain ? wrapped : direct;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        pid_t p;
        int e = posix_spawn(&p, argv2[0], 0, 0, argv2, environ);
        if (e) {
            fprintf(stderr, "posix_spawn: %s after %d\n", strerror(e), i);
            break;
        }
        kids[i] = p;
        spawned = i + 1;
    }
    double t1 = now();
    int all = 1;
    for (int i = 0; i < spawned; i++) {
        double give_up = now() + 60;
        int r;
        while ((r = runs_sleep(kids[i])) == 0 && now() < give_up) usleep(500);
        if (r != 1) all = 0;
    }
    double t2 = now();
    printf("%s: %d spawns issued in %.2f s (%.2f ms each); all running sleep after %.2f s%s\n",
           chain ? "setpriv/setsid/env chain" : "direct sleep", spawned, t1 - t0, (t1 - t0) * 1000 / spawned,
           t2 - t0, all ? "" : " (some never did)");
    cleanup();
    return 0;
}
