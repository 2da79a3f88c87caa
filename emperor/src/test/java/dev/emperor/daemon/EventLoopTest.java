package dev.emperor.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emperor.daemon.EmperorEvent.Shutdown;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A handler that throws is a bug: logged with the event and its trace, counted, and the loop goes on. */
class EventLoopTest {

    private final Logger log = Logger.getLogger("emperor");
    private final java.util.List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private EventLoop loop;

    EventLoopTest() {
        log.setUseParentHandlers(false);
        log.addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        log.removeHandler(capture);
        log.setUseParentHandlers(true);
        if (loop != null) loop.shutdown();
    }

    @Test
    void aHandlerThatThrowsIsLoggedCountedAndTheLoopGoesOn() throws Exception {
        CompletableFuture<String> handledAfter = new CompletableFuture<>();
        loop = new EventLoop(event -> {
            if (event instanceof Shutdown s) {
                switch (s.reason()) {
                    case "boom" -> throw new IllegalStateException("a bug in a handler");
                    case "assert" -> throw new AssertionError("an Error, not an Exception");
                    case "deep" -> throw new StackOverflowError();
                    case "internal" -> throw new InternalError("a VirtualMachineError");
                    default -> handledAfter.complete(s.reason());
                }
            }
        });

        loop.post(new Shutdown("boom"));
        loop.post(new Shutdown("assert"));
        loop.post(new Shutdown("deep"));
        loop.post(new Shutdown("internal"));
        loop.post(new Shutdown("after"));

        assertThat(handledAfter.get(10, TimeUnit.SECONDS)).isEqualTo("after");
        assertThat(loop.internalErrors()).isEqualTo(4);
        assertThat(records).filteredOn(r -> r.getMessage().startsWith("internal error while handling"))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.getThrown()).isNotNull())
                .anySatisfy(r -> {
                    assertThat(r.getMessage()).contains("Shutdown[reason=boom]");
                    assertThat(r.getThrown()).isInstanceOf(IllegalStateException.class).hasMessage("a bug in a handler");
                });
    }

    @Test
    void timersAfterAThrowingHandlerStillFire() throws Exception {
        CompletableFuture<Boolean> fired = new CompletableFuture<>();
        loop = new EventLoop(event -> {
            if (event instanceof Shutdown s && s.reason().equals("boom")) throw new NullPointerException("bug");
            fired.complete(true);
        });
        loop.post(new Shutdown("boom"));
        loop.schedule(java.time.Duration.ofMillis(20), new Shutdown("timer"));
        assertThat(fired.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.internalErrors()).isEqualTo(1);
    }
}
