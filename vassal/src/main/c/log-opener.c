/*
 * The log opener: `emperor-spawner EMPEROR_PID logs` opens and rotates vassal logs as the
 * vassal's own user (uWSGI's logto2 idea), so that a root emperor never creates, follows or
 * renames anything in a directory someone else controls.
 *
 * Why: a log opened by root in a tenant's directory is a root write anywhere the tenant
 * points a symlink (a shell rc file, /etc/cron.d). Opened by a child that has dropped to the
 * vassal's uid, gid and groups, the kernel grants exactly what that user has anyway.
 *
 * A request is a 4-byte native length, then NUL-terminated fields:
 *   OP UID GID GROUPS PATH KEEP
 * OP is "open" or "rotate" (NAME.log -> NAME.log.1 -> ... up to KEEP files, then a new
 * NAME.log); UID and GID are numbers, -1 to keep the emperor's; GROUPS a comma list or "-"
 * to keep the emperor's; PATH absolute. Each request is served by a forked child which drops
 * to the user first (never back), walks PATH from "/" directory by directory without
 * following a symlink it has not checked, and answers: a 4-byte length and a message, with
 * the open descriptor as SCM_RIGHTS when the message is empty (success).
 *
 * The child answers on a private socket, and the helper forwards the answer: once dropped to
 * the user, the child is the user's to stop or kill, so the helper gives it CHILD_DEADLINE_MS,
 * then SIGKILLs it and answers with an error itself. A stopped child thus costs one request a
 * second at most, leaves nothing behind, and can never make the helper answer twice.
 *
 * What the walk refuses (the message says which and why): a directory that is not owned by
 * root or the user, or is writable by group or others without the sticky bit (anyone who can
 * rename entries there could swap what we open); a log that is a symbolic link, not a regular
 * file, owned by someone else, or has other hard links. A symlink in a checked directory is
 * followed (the walk starts again from "/" on its target, so each link on the way is judged)
 * if root or the user could have put it there; in a directory others may write (a sticky one,
 * as /tmp), only if it is owned by root, the user or the directory's owner, the kernel's
 * protected_symlinks rule: anyone may add a link to /tmp, pointing anywhere. Missing
 * directories are created (0750) as the user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawner.h"

#define MAX_LOG_REQUEST 65536
#define MAX_HOPS 40
/* How long a child (the user's to stop once it has dropped to them) may take to answer. */
#define CHILD_DEADLINE_MS 1000

static char why[1024];

static int refuse(const char *fmt, const char *a, long n) {
    snprintf(why, sizeof why, fmt, a, n);
    return -1;
}

/* A directory we may trust: only root or the user can change its entries. Its stat in *st. */
static int trusted(int fd, const char *name, uid_t me, struct stat *st) {
    if (fstat(fd, st) != 0) return refuse("cannot examine directory %s: errno %ld", name, errno);
    if (st->st_uid != 0 && st->st_uid != me) {
        return refuse("directory %s is owned by uid %ld, not by root or the vassal's user", name, (long)st->st_uid);
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX)) {
        return refuse("directory %s is writable by group or others (mode %lo); refused", name,
                      (long)(st->st_mode & 07777));
    }
    return 0;
}

/*
 * The symlink `link` (its own stat) in the directory `dir` (checked, its stat `in`) is
 * followed, and the walk restarts from "/" on `path`'s new value: its target, then `rest`.
 */
static int follow(int dir, const char *comp, const char *walked, const struct stat *link, const struct stat *in,
                  uid_t me, char *path, const char *rest) {
    if ((in->st_mode & (S_IWGRP | S_IWOTH)) && link->st_uid != 0 && link->st_uid != me && link->st_uid != in->st_uid) {
        return refuse("symlink %s in a directory others may write is owned by uid %ld; refused", walked,
                      (long)link->st_uid);
    }
    char target[PATH_MAX], resolved[PATH_MAX];
    ssize_t n = readlinkat(dir, comp, target, sizeof target - 1);
    if (n <= 0) {
        snprintf(why, sizeof why, "cannot read symbolic link %s: %s", walked, n == 0 ? "empty" : strerror(errno));
        return -1;
    }
    target[n] = '\0';
    /* A relative target counts from the link's directory: `walked` without its last component. */
    int base = target[0] == '/' ? 0 : (int)(strrchr(walked, '/') - walked);
    int len = snprintf(resolved, sizeof resolved, "%.*s%s%s%s%s", base, walked, base || target[0] != '/' ? "/" : "",
                       target, rest ? "/" : "", rest ? rest : "");
    if (len >= (int)sizeof resolved) return refuse("path too long behind symbolic link %s", walked, 0);
    memcpy(path, resolved, (size_t)len + 1);
    return 0;
}

/*
 * Opens (O_PATH) the directory `dir` after checking every directory from "/" down; a
 * symlink met on the way, sitting in a checked directory, restarts the walk on its target.
 */
static int open_dir(const char *dir, uid_t me) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return refuse("path too long: %s", dir, 0);
    for (int hop = 0; hop < MAX_HOPS; hop++) {
        struct stat here; /* the directory `fd` */
        int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || trusted(fd, "/", me, &here) != 0) {
            if (fd >= 0) close(fd);
            return fd < 0 ? refuse("cannot open %s: errno %ld", "/", errno) : -1;
        }
        char walked[PATH_MAX] = "";
        char *rest = path, *comp;
        int restarted = 0;
        while ((comp = strsep(&rest, "/")) != NULL) {
            if (*comp == '\0' || strcmp(comp, ".") == 0) continue;
            if (strcmp(comp, "..") == 0) {
                /*
                 * From a link's target (the emperor sends normalized paths). All walked so
                 * far are real directories, so ".." is the real parent, checked on the way.
                 */
                char *last = strrchr(walked, '/');
                if (last) *last = '\0';
                int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                if (up < 0) return refuse("cannot open the parent of %s: errno %ld", walked, errno);
                if (trusted(up, *walked ? walked : "/", me, &here) != 0) {
                    close(up);
                    return -1;
                }
                fd = up;
                continue;
            }
            strncat(walked, "/", sizeof walked - strlen(walked) - 1);
            strncat(walked, comp, sizeof walked - strlen(walked) - 1);
            struct stat st;
            if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT || mkdirat(fd, comp, 0750) != 0 ||
                    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                    int err = errno;
                    close(fd);
                    snprintf(why, sizeof why, "cannot create directory %s: %s", walked, strerror(err));
                    return -1;
                }
            }
            if (S_ISLNK(st.st_mode)) {
                int r = follow(fd, comp, walked, &st, &here, me, path, rest);
                close(fd);
                if (r != 0) return -1;
                restarted = 1;
                break;
            }
            if (!S_ISDIR(st.st_mode)) {
                close(fd);
                return refuse("%s is not a directory", walked, 0);
            }
            int next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int err = errno;
            close(fd);
            if (next < 0) {
                snprintf(why, sizeof why, "cannot open directory %s: %s", walked, strerror(err));
                return -1;
            }
            if (trusted(next, walked, me, &here) != 0) {
                close(next);
                return -1;
            }
            fd = next;
        }
        if (!restarted) return fd;
    }
    return refuse("too many symbolic links in %s", dir, 0);
}

/* Opens NAME in the checked directory for appending; refuses anything but our own plain file. */
static int open_log(int dir, const char *name, const char *path, uid_t me) {
    int fd = openat(dir, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0640);
    if (fd < 0) {
        int err = errno;
        if (err == ELOOP) return refuse("%s is a symbolic link; a log is never opened through one (refused)", path, 0);
        snprintf(why, sizeof why, "cannot open %s: %s", path, strerror(err));
        return -1;
    }
    struct stat st;
    const char *problem = NULL;
    long n = 0;
    if (fstat(fd, &st) != 0) {
        problem = "%s cannot be examined";
    } else if (!S_ISREG(st.st_mode)) {
        problem = "%s is not a regular file (refused)";
    } else if (st.st_uid != me) {
        problem = "%s is owned by uid %ld, not by the vassal's user (refused)";
        n = (long)st.st_uid;
    } else if (st.st_nlink != 1) {
        problem = "%s has %ld hard links; a log must have one (refused)";
        n = (long)st.st_nlink;
    }
    if (problem) {
        close(fd);
        return refuse(problem, path, n);
    }
    fcntl(fd, F_SETFL, O_APPEND); /* blocking again: O_NONBLOCK only kept a FIFO from hanging the open */
    return fd;
}

static int rotate(int dir, const char *name, long keep) {
    char from[NAME_MAX + 32], to[NAME_MAX + 32];
    for (long i = keep - 1; i >= 1; i--) {
        snprintf(from, sizeof from, "%s.%ld", name, i);
        snprintf(to, sizeof to, "%s.%ld", name, i + 1);
        if (renameat(dir, from, dir, to) != 0 && errno != ENOENT) {
            snprintf(why, sizeof why, "cannot rename %s to %s: %s", from, to, strerror(errno));
            return -1;
        }
    }
    snprintf(to, sizeof to, "%s.1", name);
    if (renameat(dir, name, dir, to) != 0 && errno != ENOENT) {
        snprintf(why, sizeof why, "cannot rename %s to %s: %s", name, to, strerror(errno));
        return -1;
    }
    return 0;
}

/* Sends the answer on `sock`: the descriptor, or the message in why when fd is -1. */
static void reply(int sock, int fd) {
    uint32_t len = fd >= 0 ? 0 : (uint32_t)strlen(why);
    char buf[sizeof len + sizeof why];
    memcpy(buf, &len, sizeof len);
    memcpy(buf + sizeof len, why, len);
    struct iovec iov = {buf, sizeof len + len};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof control.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t r;
    do r = sendmsg(sock, &msg, MSG_NOSIGNAL); while (r < 0 && errno == EINTR);
    if (r != (ssize_t)iov.iov_len) _exit(1);
}

/* In the child: become the user, then do the request. Returns the log's descriptor or -1 (why says). */
static int serve(char **f) {
    const char *op = f[0], *path = f[4];
    long uid = strtol(f[1], NULL, 10), gid = strtol(f[2], NULL, 10), keep = strtol(f[5], NULL, 10);
    if (strcmp(f[3], "-") != 0) {
        gid_t groups[256];
        size_t n = 0;
        for (char *g = strtok(f[3], ","); g && n < 256; g = strtok(NULL, ",")) groups[n++] = (gid_t)strtoul(g, NULL, 10);
        if (setgroups(n, groups) != 0) return refuse("cannot set the groups for %s: errno %ld", path, errno);
    }
    if (gid >= 0 && setgid((gid_t)gid) != 0) return refuse("cannot switch group for %s: errno %ld", path, errno);
    if (uid >= 0 && setuid((uid_t)uid) != 0) return refuse("cannot switch user for %s: errno %ld", path, errno);
    uid_t me = geteuid();
    if (path[0] != '/') return refuse("log path %s is not absolute", path, 0);
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    size_t dlen = (size_t)(slash - path);
    if (dlen >= sizeof dir || slash[1] == '\0') return refuse("bad log path %s", path, 0);
    memcpy(dir, path, dlen);
    dir[dlen] = '\0';
    if (dlen == 0) strcpy(dir, "/");
    int dfd = open_dir(dir, me);
    if (dfd < 0) return -1;
    int fd = -1;
    if (strcmp(op, "rotate") == 0 && rotate(dfd, slash + 1, keep < 1 ? 1 : keep) != 0) {
        close(dfd);
        return -1;
    }
    if (strcmp(op, "open") == 0 || strcmp(op, "rotate") == 0) fd = open_log(dfd, slash + 1, path, me);
    else refuse("unknown request %s", op, 0);
    close(dfd);
    return fd;
}

static long elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * The child's answer from `from` within CHILD_DEADLINE_MS: the descriptor, or -1 with why
 * set (the child's message, or why there was none).
 */
static int await_child(int from, pid_t child) {
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        long left = CHILD_DEADLINE_MS - elapsed_ms(&start);
        if (left <= 0) {
            snprintf(why, sizeof why, "the log opener's child (pid %d, running as the log's user) did not answer"
                     " within %d ms: stopped by that user, or stuck on a slow file system; killed", (int)child,
                     CHILD_DEADLINE_MS);
            return -1;
        }
        struct pollfd p = {.fd = from, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r > 0) break;
        if (r < 0 && errno != EINTR) {
            snprintf(why, sizeof why, "cannot wait for the log opener's child: %s", strerror(errno));
            return -1;
        }
    }
    uint32_t len;
    char buf[sizeof len + sizeof why];
    struct iovec iov = {buf, sizeof buf};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n = recvmsg(from, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    int fd = -1;
    for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
        }
    }
    if (n >= (ssize_t)sizeof len) memcpy(&len, buf, sizeof len);
    if (n < (ssize_t)sizeof len || len >= sizeof why || (size_t)n != sizeof len + len || (msg.msg_flags & MSG_CTRUNC) ||
        (len == 0) != (fd >= 0)) {
        if (fd >= 0) close(fd);
        snprintf(why, sizeof why, "the log opener's child (pid %d) ended without a proper answer", (int)child);
        return -1;
    }
    memcpy(why, buf + sizeof len, len);
    why[len] = '\0';
    return fd;
}

/*
 * Done or too slow, the child ends now: SIGKILL reaches a stopped process too. It is
 * reaped as soon as it is gone, so that nothing of the user's is left (userdel works);
 * one stuck in the kernel (a hung file system) is reaped by a later request instead.
 */
static void end_child(pid_t child) {
    kill(child, SIGKILL); /* not reaped yet: the pid is still the child's */
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    if (pidfd >= 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        while (poll(&p, 1, CHILD_DEADLINE_MS) < 0 && errno == EINTR) {}
        close(pidfd);
    }
    while (waitpid(child, NULL, WNOHANG) < 0 && errno == EINTR) {}
}

/* Forks the child that serves request `f` as its user; returns what to answer (why set on -1). */
static int serve_in_child(char **f) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        return refuse("cannot make a socket for the log opener's child%s: errno %ld", "", errno);
    }
    pid_t child = fork();
    if (child == 0) {
        /* The emperor's socket is never the child's: whatever becomes of it, it cannot speak there. */
        close(SOCKET_FD);
        close(pair[0]);
        reply(pair[1], serve(f));
        _exit(0);
    }
    close(pair[1]);
    int fd = child < 0 ? refuse("cannot fork the log opener's child%s: errno %ld", "", errno)
                       : await_child(pair[0], child);
    close(pair[0]);
    if (child > 0) end_child(child);
    return fd;
}

int serve_logs(void) {
    char *request = malloc(MAX_LOG_REQUEST + 1);
    if (!request) return 2;
    for (;;) {
        uint32_t len;
        ssize_t r;
        size_t got = 0;
        while (got < sizeof len) {
            r = read(SOCKET_FD, (char *)&len + got, sizeof len - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return got == 0 && r == 0 ? 0 : 2;
            got += (size_t)r;
        }
        if (len == 0 || len > MAX_LOG_REQUEST) {
            say("a log request of impossible length; stopping", NULL, 0);
            return 2;
        }
        for (got = 0; got < len;) {
            r = read(SOCKET_FD, request + got, len - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return 2;
            got += (size_t)r;
        }
        request[len] = '\0';
        char *f[6];
        size_t at = 0;
        int nf = 0;
        while (nf < 6 && at < len) {
            f[nf++] = request + at;
            at += strlen(request + at) + 1;
        }
        /* Children killed while stuck in the kernel (a hung file system) are reaped once they end. */
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        int fd = nf == 6 ? serve_in_child(f) : refuse("malformed log request%s", "", 0);
        reply(SOCKET_FD, fd);
        if (fd >= 0) close(fd);
    }
}
