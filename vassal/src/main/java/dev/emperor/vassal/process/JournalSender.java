package dev.emperor.vassal.process;

import java.lang.System.Logger.Level;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Carries journal entries from the output pump to journald on a thread of its own, so that
 * the pump's reader never waits: the reader (and the launcher, for start markers) only
 * {@link #offer}s entries to a queue bounded by {@value #MAX_QUEUED_BYTES} bytes; past that
 * they are dropped and counted. This thread sends them in order and may wait for journald
 * (a full queue there, {@link JournalSocket#send}), which is what lets a burst of a few
 * thousand lines through whole instead of losing all but the journal's queue length
 * (10 datagrams by the kernel's default, 512 under systemd). A journal that is gone costs
 * each entry an errno, not a wait. Started at the first entry: no thread without log-journal.
 */
final class JournalSender implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger("emperor.logs");
    static final long MAX_QUEUED_BYTES = 8 << 20;
    /** What an entry costs the bound beyond its bytes (the queue's node and record). */
    private static final int ENTRY_OVERHEAD = 64;

    private final JournalSocket socket;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private Thread thread;
    /** False once close() began: new entries are dropped, queued ones still go. */
    private volatile boolean accepting = true;
    /** False once close() gave up waiting: a busy journal is not waited for any more. */
    private volatile boolean running = true;

    /** One entry of {@code log}'s; {@code eventFields} head a note of missing lines, if one is due first. */
    private record Item(JournalLog log, byte[] eventFields, byte[] entry) {
    }

    JournalSender(JournalSocket socket) {
        this.socket = socket;
    }

    JournalSocket socket() {
        return socket;
    }

    /** Whether an entry of {@code bytes} would be queued now (checked before encoding a line). */
    boolean hasRoom(int bytes) {
        return accepting && queuedBytes.get() + bytes + ENTRY_OVERHEAD <= MAX_QUEUED_BYTES;
    }

    /**
     * Queues {@code entry} for {@code log}'s vassal without waiting; when the queue is full it is
     * dropped and counted instead. Any thread.
     */
    void offer(JournalLog log, byte[] eventFields, byte[] entry) {
        long size = entry.length + ENTRY_OVERHEAD;
        if (!accepting || queuedBytes.addAndGet(size) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-size);
            log.dropped(Posix.EAGAIN, socket.path());
            return;
        }
        startOnce();
        queue.add(new Item(log, eventFields, entry));
    }

    private synchronized void startOnce() {
        if (thread == null && accepting) {
            thread = Thread.ofPlatform().name("emperor-journal-sender").daemon(true).start(this::loop);
        }
    }

    private void loop() {
        while (true) {
            Item item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (item.log == null) return; // close(): what came before is sent (or dropped)
            queuedBytes.addAndGet(-(item.entry.length + ENTRY_OVERHEAD));
            send(item);
        }
    }

    private void send(Item item) {
        JournalLog log = item.log;
        long missing = log.noteDue();
        if (missing > 0) {
            int err = sendWaiting(JournalEntries.event(item.eventFields, JournalEntries.WARNING, "dropped",
                    missing + " line(s) of this vassal's output are missing here: the journal did not take them"));
            if (err != 0) {
                log.dropped(err, socket.path());
                return;
            }
            log.noted(missing, socket.path());
        }
        int err = sendWaiting(item.entry);
        if (err == 0) {
            log.sent();
        } else {
            log.dropped(err, socket.path());
        }
    }

    /** Sends, waiting for a journal that is there but busy for as long as the emperor runs. */
    private int sendWaiting(byte[] entry) {
        while (true) {
            int err = socket.send(entry);
            if (err != Posix.EAGAIN || !running) return err;
        }
    }

    /** Sends what is queued while the journal takes it within a few seconds, then stops. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            accepting = false;
            t = thread;
        }
        queue.add(new Item(null, null, new byte[0]));
        if (t != null) {
            try {
                t.join(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        running = false; // a journal that still does not take them: the rest is abandoned
        if (t != null && t.isAlive()) {
            try {
                t.join(2 * JournalSocket.SEND_TIMEOUT_MS + 500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (t != null && t.isAlive()) LOG.log(Level.WARNING, "the journal sender did not stop; its socket is left open");
        else socket.close();
    }
}
