package dev.emperor.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final RateLimitedLog log = new RateLimitedLog(new Capture(lines), Duration.ofMinutes(1), 3, now::get);

    @Test
    void aFloodCostsOneLineAndASummaryAMinute() {
        for (int i = 0; i < 74_000; i++) {
            int n = i;
            log.log(Level.WARNING, "refused uid 1000", () -> "refused a hello from pid " + n);
        }
        assertThat(lines).containsExactly("refused a hello from pid 0");

        now.addAndGet(Duration.ofSeconds(61).toNanos());
        log.flush();
        assertThat(lines).containsExactly("refused a hello from pid 0",
                "refused a hello from pid 73999 (suppressed 73999 like this in the last minute)");
    }

    @Test
    void eachKeyHasItsOwnWindow() {
        log.log(Level.WARNING, "a", () -> "from a");
        log.log(Level.WARNING, "b", () -> "from b");
        log.log(Level.WARNING, "a", () -> "from a again");
        assertThat(lines).containsExactly("from a", "from b");
    }

    @Test
    void aNewWindowLogsAtOnceAfterSummarizingTheOldOne() {
        log.log(Level.WARNING, "a", () -> "first");
        log.log(Level.WARNING, "a", () -> "second");
        now.addAndGet(Duration.ofSeconds(60).toNanos());
        log.log(Level.WARNING, "a", () -> "third");
        assertThat(lines).containsExactly("first", "second (suppressed 1 like this in the last minute)", "third");
    }

    @Test
    void anAttackerVaryingTheKeyCannotGrowTheTableNorTheLog() {
        for (int uid = 0; uid < 10_000; uid++) {
            int u = uid;
            log.log(Level.WARNING, "uid " + uid, () -> "from uid " + u);
        }
        // three keys of their own, then one shared overflow window
        assertThat(lines).containsExactly("from uid 0", "from uid 1", "from uid 2", "from uid 3");
        log.flushAll();
        assertThat(lines).last().isEqualTo("from uid 9999 (suppressed 9996 like this in the last minute)");
    }

    /** A System.Logger that keeps the messages. */
    private record Capture(List<String> lines) implements System.Logger {
        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            lines.add(msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            lines.add(format);
        }
    }
}
