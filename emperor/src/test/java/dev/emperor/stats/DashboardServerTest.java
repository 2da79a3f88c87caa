package dev.emperor.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import dev.emperor.daemon.EmperorSnapshot;
import dev.emperor.logging.InternalErrors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DashboardServerTest {

    private static final Pattern TOKEN = Pattern.compile("name=\"emperor-token\" content=\"([^\"]*)\"");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> controlRequests = new CopyOnWriteArrayList<>();
    private final Function<String, String> control = line -> {
        controlRequests.add(line);
        return line.startsWith("status ") ? "{\"name\":\"web\",\"workers\":[]}\n" : "restarting web\n";
    };
    private StatsServer server;

    private String start(Optional<Function<String, String>> actions) throws Exception {
        server = new StatsServer(new InetSocketAddress("127.0.0.1", 0),
                () -> CompletableFuture.completedFuture(new EmperorSnapshot(1, "test", 0, 1, List.of("/d"), List.of(),
                        List.of(), 0, 0L, 0L)), new MetricRegistry(), new InternalErrors(), actions);
        server.start();
        return "http://" + server.hostPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void thePageIsStaticWithAPolicyThatAllowsOnlyItsOwnScript() throws Exception {
        String base = start(Optional.empty());
        HttpResponse<String> page = get(base + "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe"));
        assertThat(page.body()).contains("<script src=\"dashboard.js\"").doesNotContain("<script>")
                .contains("name=\"emperor-actions\" content=\"off\"").contains("name=\"emperor-token\" content=\"\"");
        HttpResponse<String> js = get(base + "/dashboard.js");
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.body()).contains("textContent").doesNotContain("innerHTML");
        assertThat(get(base + "/history").body()).contains("\"interval_ms\":5000").contains("\"capacity\":120");
    }

    @Test
    void eventsStreamTheStatsDocument() throws Exception {
        String base = start(Optional.empty());
        HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/events")).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<java.io.InputStream> s = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(s.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.body(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = in.readLine();
            } while (line != null && !line.equals("event: stats"));
            assertThat(line).isEqualTo("event: stats");
            assertThat(in.readLine()).startsWith("data: {\"emperor\":{\"pid\":1,");
        }
    }

    @Test
    void liveStreamsAreBoundedAndTheNextClientIsToldToPoll() throws Exception {
        String base = start(Optional.empty());
        List<java.io.InputStream> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < EventStream.MAX_STREAMS; i++) {
                HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/events"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                open.add(r.body());
                assertThat(r.body().read()).isNotEqualTo(-1); // streaming
            }
            HttpResponse<String> refused = get(base + "/events");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("poll /stats");
            assertThat(get(base + "/stats").statusCode()).isEqualTo(200);
        } finally {
            for (java.io.InputStream in : open) in.close();
        }
    }

    @Test
    void withActionsOffNothingActs() throws Exception {
        String base = start(Optional.empty());
        HttpResponse<String> r = post(base, "", "http://" + server.hostPort(), "action=restart&vassal=web");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("stats-actions = true");
        assertThat(get(base + "/private/vassal?name=web").statusCode()).isEqualTo(403);
        assertThat(controlRequests).isEmpty();
    }

    @Test
    void anActionWithTheTokenFromThisPageGoesToTheControlHandler() throws Exception {
        String base = start(Optional.of(control));
        String token = token(base);
        String origin = "http://" + server.hostPort();
        HttpResponse<String> ok = post(base, token, origin, "action=restart&vassal=web");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("restarting web\n");
        assertThat(controlRequests).containsExactly("restart web");

        HttpResponse<String> priv = http.send(HttpRequest.newBuilder(URI.create(base + "/private/vassal?name=web"))
                .header(DashboardActions.TOKEN_HEADER, token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(priv.statusCode()).isEqualTo(200);
        assertThat(controlRequests).containsExactly("restart web", "status web");
    }

    @Test
    void crossSiteRequestsAreRefused() throws Exception {
        String base = start(Optional.of(control));
        String token = token(base);
        String origin = "http://" + server.hostPort();
        assertThat(post(base, "", origin, "action=restart&vassal=web").statusCode()).isEqualTo(403); // no token
        assertThat(post(base, token + "x", origin, "action=restart&vassal=web").statusCode()).isEqualTo(403);
        assertThat(post(base, token, "http://evil.example", "action=restart&vassal=web").statusCode()).isEqualTo(403);
        assertThat(post(base, token, null, "action=restart&vassal=web").statusCode()).isEqualTo(403); // no Origin
        // a DNS-rebound name: the browser sends the attacker's host name
        String[] hp = server.hostPort().split(":");
        try (Socket s = new Socket(hp[0], Integer.parseInt(hp[1]))) {
            String body = "action=restart&vassal=web";
            s.getOutputStream().write(("POST /actions HTTP/1.1\r\nHost: evil.example:" + hp[1] + "\r\nOrigin: http://evil.example:"
                    + hp[1] + "\r\n" + DashboardActions.TOKEN_HEADER + ": " + token + "\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 403 Forbidden");
        }
        // a GET cannot act
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(base + "/actions?action=restart&vassal=web"))
                .header(DashboardActions.TOKEN_HEADER, token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(controlRequests).isEmpty();
    }

    @Test
    void anotherLocalUserIsRefusedEvenWithAValidPage() throws Exception {
        DashboardActions actions = new DashboardActions(control, uid -> uid == 0, (peer, local) -> OptionalInt.of(1001));
        String token = actions.issueToken(System.currentTimeMillis());
        assertThat(actions.validToken(token, System.currentTimeMillis())).isTrue();
        assertThat(actions.validToken(token, System.currentTimeMillis() + 13 * 3600_000L)).isFalse(); // expired
        var exchange = new FakeExchange("POST", "/actions", "127.0.0.1:8080", "http://127.0.0.1:8080", token);
        DashboardActions.Refusal refusal = actions.refusal(exchange, System.currentTimeMillis());
        assertThat(refusal).isNotNull();
        assertThat(refusal.reason()).contains("not uid 1001");
        var unknown = new DashboardActions(control, uid -> true, (peer, local) -> OptionalInt.empty());
        assertThat(unknown.refusal(new FakeExchange("POST", "/actions", "127.0.0.1:8080", "http://127.0.0.1:8080",
                unknown.issueToken(System.currentTimeMillis())), System.currentTimeMillis())).isNotNull();
    }

    @Test
    void hostNamesAreLoopbackOnly() {
        assertThat(DashboardActions.loopbackHost("127.0.0.1:8080", 8080)).isTrue();
        assertThat(DashboardActions.loopbackHost("localhost:8080", 8080)).isTrue();
        assertThat(DashboardActions.loopbackHost("[::1]:8080", 8080)).isTrue();
        assertThat(DashboardActions.loopbackHost("127.0.0.1:8081", 8080)).isFalse();
        assertThat(DashboardActions.loopbackHost("127.0.0.1.evil.example:8080", 8080)).isFalse();
        assertThat(DashboardActions.loopbackHost("evil.example:8080", 8080)).isFalse();
        assertThat(DashboardActions.validName("web")).isTrue();
        assertThat(DashboardActions.validName("web\nstop other")).isFalse();
        assertThat(DashboardActions.validName(" web")).isFalse();
    }

    private String token(String base) throws Exception {
        Matcher m = TOKEN.matcher(get(base + "/").body());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isNotEmpty();
        return m.group(1);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String base, String token, String origin, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/actions")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (!token.isEmpty()) b.header(DashboardActions.TOKEN_HEADER, token);
        if (origin != null) b.header("Origin", origin);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
