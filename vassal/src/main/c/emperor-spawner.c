/*
 * emperor-spawner: forks the emperor's workers, so that the emperor never forks itself.
 *
 * Why a separate process: every spawn from the emperor's JVM copies its descriptor table
 * (two descriptors per running worker: a pidfd and an output pipe) and closes the copies
 * again in the child, and what posix_spawn cannot do (user, limits, parent-death signal)
 * needed a second exec; page-table work is dear on virtual machines. Measured with 1,000
 * workers on this project's VMs, that was about 5 ms of CPU per worker. This process has
 * four descriptors and a few pages of memory, its child does the set-up in C, and the
 * emperor's event loop waits only for the clone and one short message round trip.
 *
 * With a second argument `logs` the same program is the log opener instead (log-opener.c).
 *
 * The emperor posix_spawn()s one spawner (own session, every signal at its default, none
 * blocked, /dev/null on stdin, its own stdout/stderr on the emperor's, one end of a Unix
 * stream socket on descriptor 3):
 *
 *   emperor-spawner EMPEROR_PID
 *
 * For each request it clones a child the way vfork does (sharing memory, waiting until the
 * child has exec'd or died) but with CLONE_PARENT, so the worker is the emperor's own child:
 * the emperor watches it with a pidfd and reaps it with waitpid, as if it had forked it.
 * The reply is the worker's pid as a 4-byte native int, written by the worker itself before
 * anything that could block, or -errno written by the spawner when the clone failed. End of file on the socket ends the spawner; so does the emperor's death
 * (SIGKILL by the parent-death signal).
 *
 * A request is a 4-byte native length, then that many bytes: NUL-terminated fields, first
 * the count N of the fields that follow as arguments, then those N fields, then the
 * program's environment, one NAME=VALUE per field, to the end. The worker's output pipe
 * (write end) comes with the first byte as SCM_RIGHTS; a second descriptor there, when
 * given, becomes its stderr instead (log-journal keeps the two streams apart):
 *
 *   N  [-c CGROUP_PROCS] [-r RES:SOFT:HARD]... [-m UMASK] [-d DIR] [-g GID] [-G GID,GID...]
 *      [-u UID] -- PROGRAM ARGV0 ARGS...   NAME=VALUE...
 *
 *   -c  join this cgroup (the path of its cgroup.procs) before anything else the worker
 *       does: whatever it forks later, setsid or not, stays in the vassal's cgroup
 *   -r  setrlimit (RES is nofile, nproc, as or core; values in the kernel's units)
 *   -m  umask (octal)
 *   -d  working directory (chdir after the user switch, as the user)
 *   -g  setgid; -G setgroups; -u setuid (numbers: the emperor resolves names through NSS)
 *
 * The worker, before it execs PROGRAM in place: the output pipe on stdout and stderr, a new
 * session (its own process group, so a stop signal reaches everything it forks), limits,
 * umask, groups and user, then the directory, then SIGKILL as its parent-death signal (after the
 * user switch, which clears it; the "parent" is the emperor's thread that started this
 * spawner) and a check that the emperor is still its parent, every descriptor above 2
 * closed. Any failure there is printed to stderr (the worker's log) as
 * "emperor-spawner: ..." and ends the worker with status 127 before the program runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawner.h"
#define MAX_GROUPS 256
/* Linux refuses an exec whose arguments and environment pass a quarter of the stack limit. */
#define MAX_REQUEST (64u << 20)

static pid_t emperor;
/* The worker's stack until it execs; reused, since clone returns only after that. */
static char child_stack[64 * 1024] __attribute__((aligned(16)));

void say(const char *what, const char *arg, int err) {
    /* One write: the log gets the line whole even if others write at once. */
    char line[1024];
    int n = snprintf(line, sizeof line, "emperor-spawner: %s%s%s%s%s\n", what, arg ? " " : "", arg ? arg : "",
                     err ? ": " : "", err ? strerror(err) : "");
    if (n > 0) {
        ssize_t ignored = write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        (void)ignored;
    }
}

/* In a worker: report and end before the program runs. */
static void die(const char *what, const char *arg, int err) {
    say(what, arg, err);
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
 * ignoring parent would hand down ignored; the raw system call reaches them too. Done once
 * here: the workers inherit it through fork.
 */
static void default_signals(void) {
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } dfl = {0};
    for (int sig = 1; sig <= 64; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
    }
}

/* SIGKILL when the emperor's spawning thread dies, and the emperor must still be our parent. */
static void watch_parent(const char *program) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("cannot set the parent-death signal", NULL, errno);
    if (getppid() != emperor) die("the emperor is gone; not starting", program, 0);
}

/* Moves this process into the cgroup whose cgroup.procs is `procs` (as root, before the user switch). */
static void join_cgroup(const char *procs, int32_t me) {
    char pid[16];
    int n = snprintf(pid, sizeof pid, "%d\n", (int)me);
    int fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) die("cannot open the vassal's cgroup", procs, errno);
    if (write(fd, pid, (size_t)n) != n) die("cannot join the vassal's cgroup", procs, errno);
    close(fd);
}

/* One worker to start: parsed by the spawner, carried out by the child. */
struct job {
    char **args;        /* options, "--", PROGRAM, ARGV0, ARGS...; NULL-terminated */
    size_t nargs;
    char **environment; /* NULL-terminated */
    int out;            /* the output pipe's write end */
    int err;            /* stderr's pipe, or the same as out */
    const char *problem; /* a malformed request: the child reports it and exits */
};

/*
 * The child, on its own stack in the spawner's memory (CLONE_VM, the spawner waits): what
 * posix_spawn cannot do, then the program in place. No malloc here: the memory is shared.
 */
static int become_worker(void *arg) {
    struct job *job = arg;
    /*
     * The pid first, before any step that could block (a hung NFS directory, a cold disk):
     * from here on the emperor knows and supervises this process, whatever happens next.
     */
    int32_t me = (int32_t)syscall(SYS_getpid);
    if (write(SOCKET_FD, &me, sizeof me) != (ssize_t)sizeof me) _exit(127);
    if (dup2(job->out, 1) < 0 || dup2(job->err, 2) < 0) die("cannot attach the output pipe", NULL, errno);
    if (setsid() < 0) die("cannot start a session", NULL, errno);
    if (job->problem) die("malformed request:", job->problem, 0);
    char **args = job->args;
    size_t nargs = job->nargs;
    const char *dir = NULL;
    long uid = -1, gid = -1;
    gid_t groups[MAX_GROUPS];
    int ngroups = -1;
    size_t i = 0;
    for (; i < nargs && strcmp(args[i], "--") != 0; i += 2) {
        if (i + 1 >= nargs) die("missing value after", args[i], 0);
        const char *opt = args[i];
        char *val = args[i + 1];
        if (strcmp(opt, "-c") == 0) join_cgroup(val, me);
        else if (strcmp(opt, "-r") == 0) set_limit(val);
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
    if (i + 2 >= nargs) die("no program after --", NULL, 0);
    char *program = args[i + 1];
    char **program_argv = args + i + 2;

    if (ngroups >= 0 && setgroups((size_t)ngroups, groups) != 0) die("cannot set supplementary groups", NULL, errno);
    if (gid >= 0 && setgid((gid_t)gid) != 0) die("cannot switch group", NULL, errno);
    if (uid >= 0 && setuid((uid_t)uid) != 0) die("cannot switch user", NULL, errno);
    /* As the user, never as root: root could enter a directory the user may not (bob's 0700 home). */
    if (dir && chdir(dir) != 0) die("cannot change to directory", dir, errno);
    watch_parent(program);
    closefrom(3);
    execve(program, program_argv, job->environment);
    die("cannot run", program, errno);
    return 127;
}

/*
 * Splits the request's NUL-terminated fields into job->args and job->environment (one
 * array, grown as needed, reused by the next request). A malformed request sets problem.
 */
static void parse(char *request, size_t len, struct job *job) {
    static char **fields;
    static size_t capacity;
    job->problem = NULL;
    if (request[len - 1] != '\0') {
        job->problem = "unterminated field";
        return;
    }
    size_t nfields = 0;
    for (size_t i = 0; i < len; i++) nfields += request[i] == '\0';
    /* one more for the NULL after the arguments, one for the NULL after the environment */
    if (nfields + 2 > capacity) {
        free(fields);
        capacity = nfields + 2;
        fields = malloc(capacity * sizeof *fields);
        if (!fields) {
            capacity = 0;
            job->problem = "out of memory";
            return;
        }
    }
    char *end;
    errno = 0;
    unsigned long long nargs = strtoull(request, &end, 10);
    if (errno || *end || nargs < 3 || nargs > nfields - 1) {
        job->problem = "bad argument count";
        return;
    }
    size_t k = 0, at = strlen(request) + 1;
    for (size_t f = 1; f < nfields; f++, at += strlen(request + at) + 1) {
        fields[k++] = request + at;
        if (f == nargs) fields[k++] = NULL;
    }
    fields[k] = NULL;
    job->args = fields;
    job->nargs = nargs;
    job->environment = fields + nargs + 1;
}

/* Reads exactly n bytes; 0 at a clean end of file before the first byte, else 1. */
static int read_fully(char *buf, size_t n, size_t already) {
    while (already < n) {
        ssize_t r = read(SOCKET_FD, buf + already, n - already);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            say("cannot read a request", NULL, errno);
            exit(2);
        }
        if (r == 0) {
            if (already == 0) return 0;
            say("the emperor closed the socket in the middle of a request", NULL, 0);
            exit(2);
        }
        already += (size_t)r;
    }
    return 1;
}

/* The length header, with the output pipe's descriptor (and stderr's, if apart); 0 at end of file. */
static int read_header(uint32_t *len, int *out, int *err) {
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(2 * sizeof(int))];
    } control;
    struct iovec iov = {len, sizeof *len};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t r;
    do r = recvmsg(SOCKET_FD, &msg, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
    if (r < 0) {
        say("cannot read a request", NULL, errno);
        exit(2);
    }
    if (r == 0) return 0;
    *out = -1;
    *err = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        if (c->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(out, CMSG_DATA(c), sizeof(int));
        } else if (c->cmsg_len == CMSG_LEN(2 * sizeof(int))) {
            memcpy(out, CMSG_DATA(c), sizeof(int));
            memcpy(err, CMSG_DATA(c) + sizeof(int), sizeof(int));
        }
    }
    if (*err < 0) *err = *out;
    if (*out < 0 || (msg.msg_flags & MSG_CTRUNC)) {
        say("a request came without its output pipe; stopping", NULL, 0);
        exit(2);
    }
    read_fully((char *)len, sizeof *len, (size_t)r);
    return 1;
}

int main(int argc, char **argv) {
    int logs = argc == 3 && strcmp(argv[2], "logs") == 0;
    if (argc != 2 && !logs) {
        say("usage: emperor-spawner EMPEROR_PID [logs] (requests come on descriptor 3)", NULL, 0);
        return 2;
    }
    emperor = (pid_t)strtol(argv[1], NULL, 10);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != emperor) {
        say("the emperor is gone", NULL, errno);
        return 2;
    }
    /*
     * Only 0-3 are ours: the JDK opens some files and sockets without close-on-exec, and a
     * deleted log or an agent connection held here would never be released. Descriptors 1 and
     * 2 must be open (the emperor's, or /dev/null), so that a received pipe is never one of
     * them: dup2 onto itself would keep its close-on-exec flag.
     */
    closefrom(SOCKET_FD + 1);
    for (int fd = 1; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_WRONLY) != fd) return 2;
    }
    default_signals();
    if (logs) return serve_logs();
    size_t cap = 4096;
    char *request = malloc(cap);
    if (!request) return 2;
    for (;;) {
        uint32_t len;
        int out, err;
        if (!read_header(&len, &out, &err)) return 0;
        if (len == 0 || len > MAX_REQUEST) {
            say("a request of impossible length; stopping", NULL, 0);
            return 2;
        }
        if (len > cap) {
            free(request);
            cap = len;
            request = malloc(cap);
            if (!request) {
                say("out of memory for a request", NULL, 0);
                return 2;
            }
        }
        read_fully(request, len, 0);
        struct job job = {.out = out, .err = err};
        parse(request, len, &job);
        /*
         * Like vfork (no copy of our memory; we wait until the worker has exec'd or died),
         * but the worker's parent is the emperor: it reaps it, and watches it with a pidfd.
         */
        int pid = clone(become_worker, child_stack + sizeof child_stack,
                        CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, &job);
        int cloneErr = errno;
        close(out);
        if (err != out) close(err);
        if (pid > 0) continue; /* the worker has sent its pid itself */
        int32_t reply = -cloneErr;
        const char *at = (const char *)&reply;
        size_t left = sizeof reply;
        while (left > 0) {
            ssize_t w = write(SOCKET_FD, at, left);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return 2; /* the emperor is gone */
            at += w;
            left -= (size_t)w;
        }
    }
}
