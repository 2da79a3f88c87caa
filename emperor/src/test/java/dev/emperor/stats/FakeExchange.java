package dev.emperor.stats;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/** A request from 127.0.0.1 to 127.0.0.1:8080 with the given headers, for checks that need no socket. */
final class FakeExchange extends HttpExchange {

    private final String method;
    private final URI uri;
    private final Headers request = new Headers();
    private final Headers response = new Headers();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();

    FakeExchange(String method, String path, String host, String origin, String token) {
        this.method = method;
        this.uri = URI.create(path);
        if (host != null) request.add("Host", host);
        if (origin != null) request.add("Origin", origin);
        if (token != null) request.add(DashboardActions.TOKEN_HEADER, token);
    }

    @Override public Headers getRequestHeaders() { return request; }
    @Override public Headers getResponseHeaders() { return response; }
    @Override public URI getRequestURI() { return uri; }
    @Override public String getRequestMethod() { return method; }
    @Override public HttpContext getHttpContext() { return null; }
    @Override public void close() { }
    @Override public InputStream getRequestBody() { return new ByteArrayInputStream(new byte[0]); }
    @Override public OutputStream getResponseBody() { return body; }
    @Override public void sendResponseHeaders(int rCode, long responseLength) { }
    @Override public InetSocketAddress getRemoteAddress() { return new InetSocketAddress("127.0.0.1", 40000); }
    @Override public int getResponseCode() { return -1; }
    @Override public InetSocketAddress getLocalAddress() { return new InetSocketAddress("127.0.0.1", 8080); }
    @Override public String getProtocol() { return "HTTP/1.1"; }
    @Override public Object getAttribute(String name) { return null; }
    @Override public void setAttribute(String name, Object value) { }
    @Override public void setStreams(InputStream i, OutputStream o) { }
    @Override public HttpPrincipal getPrincipal() { return null; }
}
