package dev.emperor.trust;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.InputStream;

/** Reads a descriptor the trust walk opened and checked; closing the stream closes it. */
final class FdInputStream extends InputStream {

    private int fd;

    FdInputStream(int fd) {
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (fd < 0) throw new IOException("closed");
        if (len == 0) return 0;
        byte[] buf = off == 0 ? b : new byte[len];
        try {
            long n = Libc.c().read(fd, buf, len);
            if (n == 0) return -1;
            if (buf != b) System.arraycopy(buf, 0, b, off, (int) n);
            return (int) n;
        } catch (LastErrorException e) {
            throw new IOException("read failed: " + Libc.describe(e));
        }
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        fd = -1;
    }
}
