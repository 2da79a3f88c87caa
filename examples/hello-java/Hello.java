// A small HTTP service in one source file: `java Hello.java` compiles and runs it (Java 11+).
// It answers on 127.0.0.1:$PORT with which vassal, worker and pid served the request, and stops
// cleanly on SIGTERM (the emperor's default stop signal).
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

public class Hello {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8081"));
        String vassal = System.getenv().getOrDefault("EMPEROR_VASSAL", "standalone");
        String worker = System.getenv().getOrDefault("EMPEROR_WORKER", "1");
        long pid = ProcessHandle.current().pid();
        AtomicLong served = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 128);
        server.createContext("/", exchange -> {
            byte[] body = String.format("hello from vassal %s, worker %s, pid %d (request %d)%n",
                    vassal, worker, pid, served.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("hello: stopping after " + served.get() + " request(s)");
            server.stop(1);
        }));
        server.start();
        System.out.println("hello: listening on http://127.0.0.1:" + port + "/ as " + vassal + " worker " + worker);
    }
}
