package dev.sluice.gateway.console;

import dev.sluice.gateway.admin.AdminRoutes;
import dev.sluice.gateway.pipeline.ApiException;
import dev.sluice.protocol.ErrorKind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Set;

/**
 * The admin console under {@code /console} on the admin port: sign-in with the admin token, server-side sessions,
 * the CSRF and same-origin checks on every change, the pages ({@link Pages}), their data and the pass-through of
 * changes to the admin API ({@link AdminCalls}). The admin token is compared in constant time and never written to
 * a page, a URL or a log.
 */
public final class Console implements AdminRoutes, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Console.class);
    static final String COOKIE = "sluice_console";
    static final String SESSION = "console.session";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD);

    /** Console settings: how long a session lives and how long a wrong token waits for its answer. */
    public record Settings(Duration sessionTtl, Duration wrongTokenDelay) {}

    private final Vertx vertx;
    private final byte[] adminToken;
    private final Settings settings;
    private final ConsoleSessions sessions;
    private final AdminCalls calls;
    private final Assets assets;
    private final Pages pages;

    public Console(Vertx vertx, String adminToken, Settings settings, ConsoleSessions sessions, ConsoleData data) {
        this.vertx = vertx;
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.settings = settings;
        this.sessions = sessions;
        this.calls = new AdminCalls(vertx, adminToken);
        this.assets = Assets.load();
        this.pages = new Pages(calls, data);
    }

    @Override
    public void mount(Router r) {
        r.route("/console").handler(ctx -> {
            if (ctx.request().path().equals("/console")) redirect(ctx, "/console/");
            else ctx.next();
        });
        r.route("/console/*").handler(Console::headers);
        r.get("/console/assets/*").handler(assets::serve);
        r.route("/console/*").method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.PATCH)
                .method(HttpMethod.DELETE).handler(BodyHandler.create(false).setBodyLimit(1024 * 1024));
        r.get("/console/sign-in").handler(ctx -> signInPage(ctx, 200, null));
        r.post("/console/sign-in").handler(this::signIn);
        r.route("/console/*").handler(this::requireSession);
        r.route("/console/*").handler(this::requireSameOriginChange);
        r.post("/console/sign-out").handler(this::signOut);
        r.route("/console/api/*").handler(this::passThrough);
        pages.mount(r);
        r.route("/console/*").handler(ctx -> ctx.fail(ApiException.of(ErrorKind.UNKNOWN_URL, "method",
                ctx.request().method().name(), "path", ctx.request().path())));
        r.route("/console/*").failureHandler(this::failure);
    }

    /** Headers of every console answer: no caching, no framing, scripts and styles only from this origin. */
    private static void headers(RoutingContext ctx) {
        ctx.response().putHeader("content-security-policy", "default-src 'self'; script-src 'self'; "
                        + "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                        + "form-action 'self'; base-uri 'none'")
                .putHeader("x-frame-options", "DENY").putHeader("x-content-type-options", "nosniff")
                .putHeader("referrer-policy", "same-origin");
        if (!ctx.request().path().startsWith("/console/assets/")) ctx.response().putHeader("cache-control", "no-store");
        ctx.next();
    }

    private void signInPage(RoutingContext ctx, int status, String message) {
        if (status == 200 && sessionOf(ctx) != null) {
            redirect(ctx, "/console/");
            return;
        }
        String body = (message == null ? "" : Html.alert(message))
                + "<form method=\"post\" action=\"/console/sign-in\" class=\"card signin\">"
                + "<label for=\"token\">Admin token</label>"
                + "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required"
                + " autofocus aria-describedby=\"token-help\">"
                + "<p id=\"token-help\" class=\"help\">The token from <code>SLUICE_ADMIN_TOKEN</code> or "
                + "<code>&lt;data_dir&gt;/admin-token</code>.</p>"
                + "<button type=\"submit\" id=\"sign-in\">Sign in</button></form>";
        html(ctx, status, Html.page("Sign in", null, null, null, body, false));
    }

    private void signIn(RoutingContext ctx) {
        if (!sameOrigin(ctx)) {
            signInPage(ctx, 403, "Sign-in refused: the form did not come from this console.");
            return;
        }
        String token = ctx.request().getFormAttribute("token");
        boolean ok = token != null && MessageDigest.isEqual(token.strip().getBytes(StandardCharsets.UTF_8), adminToken);
        if (!ok) {
            LOG.warn("console sign-in refused from {}: wrong admin token", remote(ctx.request()));
            // A timer, not a sleep: the event loop keeps serving while this answer waits.
            vertx.setTimer(Math.max(1, settings.wrongTokenDelay().toMillis()), t -> signInPage(ctx, 401,
                    "That is not the admin token. Check it and try again."));
            return;
        }
        ConsoleSessions.Session s = sessions.create();
        Cookie c = Cookie.cookie(COOKIE, s.id()).setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setSecure(ctx.request().isSSL())
                .setMaxAge(sessions.ttl().toSeconds());
        ctx.response().addCookie(c);
        LOG.info("console session started from {}", remote(ctx.request()));
        redirect(ctx, "/console/");
    }

    private void signOut(RoutingContext ctx) {
        ConsoleSessions.Session s = ctx.get(SESSION);
        sessions.invalidate(s.id());
        ctx.response().addCookie(Cookie.cookie(COOKIE, "").setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setSecure(ctx.request().isSSL()).setMaxAge(0));
        redirect(ctx, "/console/sign-in");
    }

    /** Pages without a live session go to the sign-in page; data and API calls get 401 console_sign_in_required. */
    private void requireSession(RoutingContext ctx) {
        ConsoleSessions.Session s = sessionOf(ctx);
        if (s == null) {
            if (SAFE.contains(ctx.request().method()) && !json(ctx)) redirect(ctx, "/console/sign-in");
            else ctx.fail(ApiException.of(ErrorKind.CONSOLE_SIGN_IN_REQUIRED));
            return;
        }
        ctx.put(SESSION, s);
        ctx.next();
    }

    /** Every change needs the session's CSRF token (header or form field) and an Origin / Referer of this console. */
    private void requireSameOriginChange(RoutingContext ctx) {
        if (SAFE.contains(ctx.request().method())) {
            ctx.next();
            return;
        }
        ConsoleSessions.Session s = ctx.get(SESSION);
        String token = ctx.request().getHeader("x-csrf-token");
        if (token == null) token = ctx.request().getFormAttribute("csrf");
        if (!s.csrfMatches(token) || !sameOrigin(ctx)) {
            LOG.warn("console change refused from {}: CSRF token or origin check failed", remote(ctx.request()));
            ctx.fail(ApiException.of(ErrorKind.CONSOLE_CSRF_REFUSED));
            return;
        }
        ctx.next();
    }

    /** {@code /console/api/<path>} → {@code /v1/<path>} of the admin API, answered as the API answers. */
    private void passThrough(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String path = req.path().substring("/console/api".length());
        String query = req.query();
        Buffer body = SAFE.contains(req.method()) || ctx.body() == null || ctx.body().length() == 0 ? null
                : ctx.body().buffer();
        calls.call(req.localAddress(), req.method(), query == null ? path : path + "?" + query,
                req.getHeader("openai-organization"), body).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            AdminCalls.Answer a = ar.result();
            ctx.response().setStatusCode(a.status())
                    .putHeader("content-type", a.contentType() == null ? "application/json" : a.contentType())
                    .end(a.body());
        });
    }

    /** Failures: JSON in the error contract for data and API calls, an HTML page otherwise; never a stack trace. */
    private void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        if (json(ctx) || !SAFE.contains(ctx.request().method()) && !(t instanceof ApiException)) {
            ctx.next(); // the admin router's JSON error contract
            return;
        }
        if (!(t instanceof ApiException)) {
            LOG.error("console page {} failed (request {})", ctx.request().path(), ctx.get("request_id"), t);
        }
        int status = t instanceof ApiException e ? e.status() : ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        String message = t instanceof ApiException e ? e.error().message()
                : "Something went wrong on the gateway. Request id: " + ctx.get("request_id");
        ConsoleSessions.Session s = ctx.get(SESSION);
        html(ctx, status, Html.page("Error " + status, null, s == null ? null : s.csrfToken(), null,
                Html.alert(message), false));
    }

    private ConsoleSessions.Session sessionOf(RoutingContext ctx) {
        Cookie c = ctx.request().getCookie(COOKIE);
        return c == null ? null : sessions.find(c.getValue()).orElse(null);
    }

    /** The Origin header, else the Referer, must name this console's own origin; neither present is refused. */
    static boolean sameOrigin(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        io.vertx.core.net.HostAndPort authority = req.authority();
        if (authority == null) return false;
        String own = (req.isSSL() ? "https://" : "http://") + authority.host()
                + (authority.port() >= 0 ? ":" + authority.port() : "");
        String origin = req.getHeader("origin");
        if (origin != null) return origin.equals(own);
        String referer = req.getHeader("referer");
        return referer != null && (referer.equals(own) || referer.startsWith(own + "/"));
    }

    private static boolean json(RoutingContext ctx) {
        String p = ctx.request().path();
        return p.startsWith("/console/api/") || p.startsWith("/console/data/");
    }

    static void redirect(RoutingContext ctx, String to) {
        ctx.response().setStatusCode(303).putHeader("location", to).end();
    }

    static void html(RoutingContext ctx, int status, String page) {
        ctx.response().setStatusCode(status).putHeader("content-type", "text/html; charset=utf-8").end(page);
    }

    private static String remote(HttpServerRequest req) {
        return req.remoteAddress() == null ? "?" : req.remoteAddress().hostAddress();
    }

    @Override
    public void close() {
        calls.close();
    }
}
