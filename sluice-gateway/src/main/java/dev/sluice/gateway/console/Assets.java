package dev.sluice.gateway.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The console's scripts and styles, read from the classpath once at start: its own {@code console/} resources and
 * uPlot from the {@code org.webjars.npm:uplot} jar (the npm package repackaged). Nothing is fetched at run time.
 */
final class Assets {
    private record Asset(String type, Buffer bytes) {}

    private final Map<String, Asset> byPath;

    private Assets(Map<String, Asset> byPath) {
        this.byPath = Map.copyOf(byPath);
    }

    static Assets load() {
        Map<String, Asset> m = new HashMap<>();
        m.put("/console/assets/console.css", read("console/console.css", "text/css; charset=utf-8"));
        m.put("/console/assets/console.js", read("console/console.js", "text/javascript; charset=utf-8"));
        String dist = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        m.put(Html.UPLOT, read(dist + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        m.put("/console/assets/uplot/uPlot.min.css", read(dist + "uPlot.min.css", "text/css; charset=utf-8"));
        return new Assets(m);
    }

    void serve(RoutingContext ctx) {
        Asset a = byPath.get(ctx.request().path());
        if (a == null) {
            ctx.next();
            return;
        }
        ctx.response().putHeader("content-type", a.type()).putHeader("cache-control", "private, max-age=300")
                .end(a.bytes());
    }

    private static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = resource("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static Asset read(String name, String type) {
        try (InputStream in = resource(name)) {
            return new Asset(type, Buffer.buffer(in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Assets.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new IOException("console asset missing from the classpath: " + name);
        return in;
    }
}
