/* Shared by emperor-spawner.c and log-opener.c (one static program, two roles). */
#ifndef EMPEROR_SPAWNER_H
#define EMPEROR_SPAWNER_H

#define SOCKET_FD 3

/* One line on stderr: "emperor-spawner: WHAT ARG: strerror(ERR)". */
void say(const char *what, const char *arg, int err);

/* The log opener's loop (argument "logs"): serves requests on SOCKET_FD until end of file. */
int serve_logs(void);

#endif
