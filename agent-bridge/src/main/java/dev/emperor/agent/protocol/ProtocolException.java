package dev.emperor.agent.protocol;

import java.io.IOException;

/**
 * A peer broke the wire protocol: a line too long, bytes that are not UTF-8, text that is not
 * strict JSON, or JSON that is not a valid message (see docs/protocol.md). The connection
 * cannot be trusted after this: answer with one {@link Message.Error} line and close it.
 *
 * <p>It is an {@link IOException} so that socket code that already closes a connection on
 * I/O failure does the right thing; catch it first to send the error line. The message is
 * short, names the problem, never echoes more than a few bytes of input, and is fit to send
 * back to the peer.
 */
public final class ProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }

    /** No stack trace: a hostile peer can make us build many of these, and the trace says nothing. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
