package dev.emperor.vassal;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A process that never ran: a fixed pid and nothing else. The vassal must not wait for it,
 * read it or destroy it (it signals process groups through the host instead); any attempt
 * is recorded or refused so that a test notices.
 */
final class FakeProcess extends Process {

    private final long pid;
    boolean destroyed;

    FakeProcess(long pid) {
        this.pid = pid;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public int waitFor() {
        throw new UnsupportedOperationException("a vassal must never block on a worker");
    }

    @Override
    public int exitValue() {
        throw new IllegalThreadStateException("fake process " + pid + " is still running");
    }

    @Override
    public boolean isAlive() {
        return !destroyed;
    }

    @Override
    public void destroy() {
        destroyed = true;
    }

    @Override
    public String toString() {
        return "FakeProcess[" + pid + "]";
    }
}
