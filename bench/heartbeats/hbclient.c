/*
 * hbclient: the smallest worker that speaks the emperor's agent protocol (docs/protocol.md),
 * for the 1,000-worker heartbeat benchmark. A few hundred KB of RSS per process, where a
 * Python client costs ~8 MB.
 *
 * Reads EMPEROR_SOCKET, EMPEROR_VASSAL, EMPEROR_WORKER and EMPEROR_TOKEN, connects, sends
 *   {"v":1,"type":"hello","vassal":V,"worker":N,"token":T,"pid":PID,"runtime":"c","agent":"hbclient"}
 * waits (at most 10 s) for {"v":1,"type":"welcome","heartbeat_ms":MS}, then sends
 *   {"v":1,"type":"heartbeat","seq":K,"uptime_ms":U,"telemetry":{"heap.used":123,"hb.sent":K}}
 * at once and every MS milliseconds (absolute deadlines on CLOCK_MONOTONIC, so beats do not
 * drift), seq strictly increasing from 1 on each connection. Anything the emperor sends
 * later (an `error` line) is printed. On any failure it says so on stderr (one line per
 * event: the emperor logs it under the vassal) and reconnects after 1 s, doubling to 30 s
 * (30 s at once after an `error`, as the protocol asks). SIGTERM ends it (default action).
 *
 * Build: cc -O2 -Wall -o hbclient hbclient.c   (bench/heartbeats/heartbeats.py does it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static struct timespec started;

static long long mono_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long long uptime_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)(t.tv_sec - started.tv_sec) * 1000 + (t.tv_nsec - started.tv_nsec) / 1000000;
}

/* JSON string body (no quotes) of s into out; returns 0, or -1 if it does not fit. */
static int json_escape(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char tmp[8];
        const char *piece;
        if (c == '"') piece = "\\\"";
        else if (c == '\\') piece = "\\\\";
        else if (c < 0x20) { snprintf(tmp, sizeof tmp, "\\u%04x", c); piece = tmp; }
        else { tmp[0] = (char)c; tmp[1] = 0; piece = tmp; }
        size_t l = strlen(piece);
        if (n + l + 1 > cap) return -1;
        memcpy(out + n, piece, l);
        n += l;
    }
    out[n] = 0;
    return 0;
}

static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads one line (without the newline) into buf; the socket has a receive timeout. */
static int read_line(int fd, char *buf, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        char c;
        ssize_t r = recv(fd, &c, 1, 0);
        if (r == 0) return -1;
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (c == '\n') break;
        buf[n++] = c;
    }
    buf[n] = 0;
    return 0;
}

static void sleep_ms(long long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {
    }
}

/* One connection: returns the back-off to wait before the next one, in ms. */
static long long session(const char *path, const char *hello, long long *backoff) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "hbclient: socket: %s\n", strerror(errno));
        return *backoff;
    }
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "hbclient: socket path too long: %s\n", path);
        exit(2);
    }
    strcpy(a.sun_path, path);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        fprintf(stderr, "hbclient: cannot reach %s: %s\n", path, strerror(errno));
        close(fd);
        return *backoff;
    }
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char line[4096];
    if (send_all(fd, hello, strlen(hello)) < 0 || read_line(fd, line, sizeof line) < 0) {
        fprintf(stderr, "hbclient: no welcome from %s: %s\n", path, errno ? strerror(errno) : "closed");
        close(fd);
        return *backoff;
    }
    if (!strstr(line, "\"welcome\"")) {
        fprintf(stderr, "hbclient: refused: %s\n", line);
        close(fd);
        return 30000;
    }
    const char *p = strstr(line, "\"heartbeat_ms\":");
    long long every = p ? atoll(p + 15) : 0;
    fprintf(stderr, "hbclient: connected, heartbeat every %lld ms\n", every);
    *backoff = 1000;
    if (every <= 0) { /* no heartbeats wanted: just hold the connection */
        while (read_line(fd, line, sizeof line) == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if (line[0]) fprintf(stderr, "hbclient: emperor says: %s\n", line);
            line[0] = 0;
        }
        close(fd);
        return *backoff;
    }
    long long seq = 0;
    long long next = mono_ms();
    for (;;) {
        char msg[256];
        seq++;
        int len = snprintf(msg, sizeof msg,
                           "{\"v\":1,\"type\":\"heartbeat\",\"seq\":%lld,\"uptime_ms\":%lld,"
                           "\"telemetry\":{\"heap.used\":123,\"hb.sent\":%lld}}\n",
                           seq, uptime_ms(), seq);
        if (send_all(fd, msg, (size_t)len) < 0) {
            fprintf(stderr, "hbclient: lost the emperor after %lld beats: %s\n", seq - 1, strerror(errno));
            close(fd);
            return *backoff;
        }
        /* anything from the emperor now is an error line before it closes */
        ssize_t r = recv(fd, line, sizeof line - 1, MSG_DONTWAIT);
        if (r > 0) {
            line[r] = 0;
            fprintf(stderr, "hbclient: emperor says: %s", line);
            close(fd);
            return 30000;
        }
        if (r == 0) {
            fprintf(stderr, "hbclient: the emperor closed the connection after %lld beats\n", seq);
            close(fd);
            return *backoff;
        }
        next += every;
        long long wait = next - mono_ms();
        if (wait < 0) { /* fell behind (stopped?): do not send a burst */
            next = mono_ms();
            wait = 0;
        }
        sleep_ms(wait);
    }
}

int main(void) {
    clock_gettime(CLOCK_MONOTONIC, &started);
    const char *path = getenv("EMPEROR_SOCKET");
    const char *vassal = getenv("EMPEROR_VASSAL");
    const char *worker = getenv("EMPEROR_WORKER");
    const char *token = getenv("EMPEROR_TOKEN");
    if (!path || !vassal || !worker || atoi(worker) < 1) {
        fprintf(stderr, "hbclient: not an emperor's worker (EMPEROR_SOCKET/VASSAL/WORKER missing)\n");
        return 2;
    }
    char v[512], t[512], hello[1400];
    if (json_escape(vassal, v, sizeof v) < 0 || json_escape(token ? token : "", t, sizeof t) < 0) {
        fprintf(stderr, "hbclient: vassal name or token too long\n");
        return 2;
    }
    snprintf(hello, sizeof hello,
             "{\"v\":1,\"type\":\"hello\",\"vassal\":\"%s\",\"worker\":%d,\"token\":\"%s\",\"pid\":%d,"
             "\"runtime\":\"c\",\"agent\":\"hbclient\"}\n",
             v, atoi(worker), t, (int)getpid());
    long long backoff = 1000;
    for (;;) {
        long long wait = session(path, hello, &backoff);
        sleep_ms(wait);
        if (wait == backoff) backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
    }
}
