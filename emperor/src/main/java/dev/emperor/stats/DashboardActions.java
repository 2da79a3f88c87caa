package dev.emperor.stats;

import com.sun.net.httpserver.HttpExchange;
import dev.emperor.logging.RateLimitedLog;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntPredicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The dashboard's buttons (reload, restart, stop, start) and its private view of one vassal
 * (diagnosis and the last restart's thread dump), when the operator turned actions on. Every
 * local user can reach the stats port, so each request must pass what the control socket
 * checks, and what a browser needs on top:
 * <ul>
 * <li>the peer is the emperor's user or root: a loopback connection whose client socket
 *     {@code /proc/net/tcp} shows as theirs ({@link PeerUid});</li>
 * <li>CSRF: a POST for a change; its {@code Host} names this listener by a loopback address
 *     (a DNS-rebound name is refused); its {@code Origin} is this page; and it carries the
 *     token the page was served with (an HMAC of the time it was issued, under a key made at
 *     start, so no list of tokens grows).</li>
 * </ul>
 * Then the request is passed, as a control-socket line, to the same handler the socket uses.
 */
final class DashboardActions {

    static final String TOKEN_HEADER = "X-Emperor-Token";
    private static final System.Logger LOG = System.getLogger("emperor.stats");
    private static final Set<String> ACTIONS = Set.of("reload", "restart", "stop", "start");
    private static final long TOKEN_LIFETIME_MS = 12 * 3600_000L;
    private static final int MAX_BODY = 1024;
    private static final int MAX_NAME = 255;

    /** Why a request was refused: the HTTP status and a line for the operator. */
    record Refusal(int status, String reason) {
    }

    /** Who is behind a connection (the uid of its client socket), if it can be told. */
    interface PeerLookup {
        OptionalInt uid(InetSocketAddress peer, InetSocketAddress local);
    }

    private final Function<String, String> control;
    private final IntPredicate allowedUid;
    private final PeerLookup peers;
    private final byte[] key = new byte[32];
    private final RateLimitedLog refusals = new RateLimitedLog(LOG);

    /** Actions for the emperor's effective user and root, through {@code control} (the control socket's handler). */
    DashboardActions(Function<String, String> control) {
        this(control, uid -> uid == 0 || uid == effectiveUid(), PeerUid::of);
    }

    DashboardActions(Function<String, String> control, IntPredicate allowedUid, PeerLookup peers) {
        this.control = control;
        this.allowedUid = allowedUid;
        this.peers = peers;
        new SecureRandom().nextBytes(key);
    }

    /** A token for one page, valid for {@link #TOKEN_LIFETIME_MS}. */
    String issueToken(long nowMs) {
        String issued = Long.toString(nowMs, 36);
        return issued + "." + mac(issued);
    }

    boolean validToken(String token, long nowMs) {
        if (token == null || token.length() > 128) return false;
        int dot = token.indexOf('.');
        if (dot <= 0) return false;
        String issued = token.substring(0, dot);
        long at;
        try {
            at = Long.parseLong(issued, 36);
        } catch (NumberFormatException e) {
            return false;
        }
        boolean fresh = at <= nowMs + 60_000 && nowMs - at <= TOKEN_LIFETIME_MS;
        return fresh && MessageDigest.isEqual(mac(issued).getBytes(StandardCharsets.US_ASCII),
                token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** {@code POST /actions} with {@code action=reload|restart|stop|start&vassal=NAME}: the control socket's answer. */
    void act(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("POST")) {
            StatsServer.send(exchange, 405, "text/plain; charset=utf-8", "actions are POST only\n");
            return;
        }
        Refusal refusal = refusal(exchange, System.currentTimeMillis());
        if (refusal != null) {
            refuse(exchange, refusal);
            return;
        }
        Map<String, String> form = form(exchange.getRequestBody());
        String action = form.get("action");
        String vassal = form.get("vassal");
        if (action == null || !ACTIONS.contains(action) || !validName(vassal)) {
            StatsServer.send(exchange, 400, "text/plain; charset=utf-8",
                    "expected action=reload|restart|stop|start and vassal=NAME\n");
            return;
        }
        LOG.log(Level.INFO, "dashboard: " + action + " " + vassal + " asked from " + exchange.getRemoteAddress());
        String answer = control.apply(action + " " + vassal);
        int status = answer.startsWith("error:") ? 409 : 200;
        StatsServer.send(exchange, status, "text/plain; charset=utf-8", answer);
    }

    /**
     * {@code GET /private/vassal?name=NAME}: the control socket's {@code status NAME}, which
     * holds what /stats withholds (thread dumps, what the app said). Same checks as a change:
     * only the Origin may be absent, as browsers send none on a same-origin GET.
     */
    void privateVassal(HttpExchange exchange) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            StatsServer.send(exchange, 405, "text/plain; charset=utf-8", "only GET\n");
            return;
        }
        Refusal refusal = refusal(exchange, System.currentTimeMillis());
        if (refusal != null) {
            refuse(exchange, refusal);
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        String name = query == null ? null : form(query).get("name");
        if (!validName(name)) {
            StatsServer.send(exchange, 400, "text/plain; charset=utf-8", "expected ?name=VASSAL\n");
            return;
        }
        String answer = control.apply("status " + name);
        if (answer.startsWith("error:")) StatsServer.send(exchange, 404, "text/plain; charset=utf-8", answer);
        else StatsServer.send(exchange, 200, "application/json", answer);
    }

    /** Why this request may not act, or null: the checks are in order of cost, /proc last. */
    Refusal refusal(HttpExchange exchange, long nowMs) {
        InetSocketAddress peer = exchange.getRemoteAddress();
        InetSocketAddress local = exchange.getLocalAddress();
        if (!peer.getAddress().isLoopbackAddress()) {
            return new Refusal(403, "actions are for loopback connections only, not from " + peer.getAddress().getHostAddress());
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (!loopbackHost(host, local.getPort())) {
            return new Refusal(403, "the Host header must name this listener by a loopback address"
                    + " (127.0.0.1, [::1] or localhost and its port)");
        }
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        boolean post = exchange.getRequestMethod().equals("POST");
        if ((post || origin != null) && !("http://" + host).equalsIgnoreCase(origin)) {
            return new Refusal(403, "the request comes from another site (Origin " + origin + ")");
        }
        if (!validToken(exchange.getRequestHeaders().getFirst(TOKEN_HEADER), nowMs)) {
            return new Refusal(403, "no valid page token: reload the dashboard");
        }
        OptionalInt uid = peers.uid(peer, local);
        if (uid.isEmpty()) {
            return new Refusal(403, "the connection's user could not be told from /proc/net/tcp");
        }
        if (!allowedUid.test(uid.getAsInt())) {
            return new Refusal(403, "actions are for the emperor's user and root only, not uid " + uid.getAsInt());
        }
        return null;
    }

    private void refuse(HttpExchange exchange, Refusal r) throws IOException {
        refusals.log(Level.WARNING, "dashboard " + r.reason(), () -> "dashboard: refused a request from "
                + exchange.getRemoteAddress() + ": " + r.reason());
        StatsServer.send(exchange, r.status(), "text/plain; charset=utf-8", "refused: " + r.reason() + "\n");
    }

    static boolean loopbackHost(String host, int port) {
        if (host == null) return false;
        String suffix = ":" + port;
        if (!host.endsWith(suffix)) return false;
        String name = host.substring(0, host.length() - suffix.length()).toLowerCase(java.util.Locale.ROOT);
        return name.equals("localhost") || name.equals("[::1]") || name.matches("127(\\.\\d{1,3}){3}");
    }

    static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || !name.equals(name.strip())) return false;
        return name.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    private static Map<String, String> form(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) return Map.of();
        return form(new String(bytes, StandardCharsets.UTF_8));
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> out = new HashMap<>();
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            try {
                out.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return Map.of(); // malformed %-escape
            }
        }
        return out;
    }

    /** The emperor's effective uid, from /proc/self/status ("Uid: real effective saved fs"). */
    static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        } catch (IOException | RuntimeException e) {
            // fall through: then only root may act
        }
        return 0;
    }
}
