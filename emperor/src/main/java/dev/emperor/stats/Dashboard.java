package dev.emperor.stats;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The page at {@code /} and its two static files, shipped in the jar (no build step, no CDN).
 * The page updates itself from {@code /events} (or by polling /stats) and renders every
 * string from a vassal with {@code textContent}. Two meta tags tell it whether actions are on
 * and carry its token; that is all that differs between two loads.
 */
final class Dashboard {

    /** Scripts and styles only from this origin, no inline code; no framing; nothing sent elsewhere. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    record Asset(String type, byte[] bytes) {
    }

    private final String page;
    private final Map<String, Asset> assets;

    Dashboard() {
        this.page = new String(resource("index.html"), StandardCharsets.UTF_8);
        this.assets = Map.of(
                "/dashboard.js", new Asset("text/javascript; charset=utf-8", resource("dashboard.js")),
                "/dashboard.css", new Asset("text/css; charset=utf-8", resource("dashboard.css")));
    }

    /** The page; {@code token} is null when actions are off. */
    String html(String token) {
        return page.replace("{{ACTIONS}}", token == null ? "off" : "on")
                .replace("{{TOKEN}}", token == null ? "" : token);
    }

    Asset asset(String path) {
        return assets.get(path);
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) throw new IllegalStateException("dashboard/" + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
