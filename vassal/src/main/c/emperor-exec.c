/*
 * emperor-exec: the one step between the emperor and a worker's program.
 *
 * The emperor posix_spawn()s this helper (already in its own session, with every signal at
 * its default action and none blocked, stdout/stderr on the worker's output pipe); the
 * helper then does what posix_spawn cannot and execs the program in place, so the pid the
 * emperor holds is the program's own:
 *
 *   emperor-exec PARENT_PID [-r RES:SOFT:HARD]... [-m UMASK] [-d DIR]
 *                [-g GID] [-G GID,GID...] [-u UID] -- PROGRAM ARGV0 ARGS...
 *
 *   -r  setrlimit (RES is nofile, nproc, as or core; values in the kernel's units)
 *   -m  umask (octal)
 *   -d  working directory (chdir before the user switch, as root)
 *   -g  setgid; -G setgroups; -u setuid (numbers: the emperor resolves names through NSS)
 *
 * Then it asks the kernel for SIGKILL when its parent thread dies (after the user switch,
 * which would clear it) and checks that the parent is still PARENT_PID: an emperor that died
 * between the spawn and the prctl leaves no worker behind. Finally it closes every inherited
 * descriptor above 2 and execs PROGRAM.
 *
 * Any failure is printed to stderr (the worker's log) as "emperor-exec: ..." and ends the
 * process with status 127 before the program runs. Statically linked so that one exec costs
 * as little as the kernel allows: no dynamic loader, no shared libraries to map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_GROUPS 256

extern char **environ;

static void die(const char *what, const char *arg, int err) {
    /* One write: the worker's log gets the line whole even if others write at once. */
    char line[1024];
    int n = snprintf(line, sizeof line, "emperor-exec: %s%s%s%s%s\n", what, arg ? " " : "", arg ? arg : "",
                     err ? ": " : "", err ? strerror(err) : "");
    if (n > 0) {
        ssize_t ignored = write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)ignored;
    }
    _exit(127);
}

static unsigned long long number(const char *s, int base, const char *what) {
    char *end;
    errno = 0;
    if (strcmp(s, "unlimited") == 0) return RLIM_INFINITY;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || end == s || *end) die("bad number for", what, 0);
    return v;
}

static void set_limit(char *spec) {
    char *res = strtok(spec, ":"), *soft = strtok(NULL, ":"), *hard = strtok(NULL, ":");
    if (!res || !soft || !hard) die("bad limit (want RES:SOFT:HARD):", spec, 0);
    int which;
    if (strcmp(res, "nofile") == 0) which = RLIMIT_NOFILE;
    else if (strcmp(res, "nproc") == 0) which = RLIMIT_NPROC;
    else if (strcmp(res, "as") == 0) which = RLIMIT_AS;
    else if (strcmp(res, "core") == 0) which = RLIMIT_CORE;
    else die("unknown limit", res, 0);
    struct rlimit r = {number(soft, 10, res), number(hard, 10, res)};
    if (setrlimit(which, &r) != 0) die("cannot set limit", res, errno);
}

/*
 * posix_spawn resets every signal but the two glibc keeps for itself (32 and 33), which an
 * ignoring parent would hand down ignored; the raw system call reaches them too.
 */
static void default_signals(void) {
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } dfl = {0};
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    }
}

int main(int argc, char **argv) {
    if (argc < 4) die("usage: emperor-exec PARENT_PID [options] -- PROGRAM ARGV0 ARGS...", NULL, 0);
    pid_t parent = (pid_t)number(argv[1], 10, "parent pid");
    const char *dir = NULL;
    long uid = -1, gid = -1;
    gid_t groups[MAX_GROUPS];
    int ngroups = -1;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc) die("missing value after", argv[i], 0);
        const char *opt = argv[i];
        char *val = argv[i + 1];
        if (strcmp(opt, "-r") == 0) set_limit(val);
        else if (strcmp(opt, "-m") == 0) umask((mode_t)number(val, 8, "umask"));
        else if (strcmp(opt, "-d") == 0) dir = val;
        else if (strcmp(opt, "-u") == 0) uid = (long)number(val, 10, "uid");
        else if (strcmp(opt, "-g") == 0) gid = (long)number(val, 10, "gid");
        else if (strcmp(opt, "-G") == 0) {
            ngroups = 0;
            for (char *g = strtok(val, ","); g; g = strtok(NULL, ",")) {
                if (ngroups == MAX_GROUPS) die("too many groups", NULL, 0);
                groups[ngroups++] = (gid_t)number(g, 10, "group");
            }
        } else die("unknown option", opt, 0);
    }
    if (i + 2 >= argc) die("no program after --", NULL, 0);
    char *program = argv[i + 1];
    char **program_argv = argv + i + 2;

    if (dir && chdir(dir) != 0) die("cannot change to directory", dir, errno);
    if (ngroups >= 0 && setgroups((size_t)ngroups, groups) != 0) die("cannot set supplementary groups", NULL, errno);
    if (gid >= 0 && setgid((gid_t)gid) != 0) die("cannot switch group", NULL, errno);
    if (uid >= 0 && setuid((uid_t)uid) != 0) die("cannot switch user", NULL, errno);

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("cannot set the parent-death signal", NULL, errno);
    if (getppid() != parent) die("the emperor is gone; not starting", program, 0);

    default_signals();
    closefrom(3);
    execve(program, program_argv, environ);
    die("cannot run", program, errno);
    return 127;
}
