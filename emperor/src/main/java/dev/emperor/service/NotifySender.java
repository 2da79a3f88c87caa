package dev.emperor.service;

/** Where notification datagrams go: the service manager's socket, or a test's recorder. */
interface NotifySender {

    /** Sends one datagram; throws when it was not taken (the manager's queue is full, it is gone). */
    void send(String message) throws NotifyException;

    /** Why a datagram was not sent, for a log line. */
    final class NotifyException extends Exception {
        NotifyException(String message) {
            super(message);
        }
    }
}
