package dev.sluice.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import net.logstash.logback.marker.Markers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LogFormatTest {
    @ParameterizedTest
    @CsvSource({"auto,true,text", "auto,false,json", "json,true,json", "text,false,text"})
    void theFormatFollowsTheSettingAndAutoFollowsTheTerminal(String configured, boolean terminal, String expected) {
        assertThat(LogFormat.resolve(configured, terminal)).isEqualTo(expected);
    }

    @Test
    void anAccessLineReadsAsTextWithItsFieldsAfterTheMessage() {
        LoggerContext lc = new LoggerContext();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", "req_1");
        f.put("method", "POST");
        f.put("route", "/v1/chat/completions");
        f.put("status", 200);
        f.put("error_code", null);
        f.put("latency_ms", 12);
        f.put("model", "sim-mini");
        LoggingEvent e = new LoggingEvent("x", lc.getLogger("sluice.access"), Level.INFO, "{} {} {}", null,
                new Object[] {"POST", "/v1/chat/completions", 200});
        e.addMarker(Markers.appendEntries(f));
        e.setTimeStamp(0);
        String line = new TextLayout().doLayout(e);
        assertThat(line.substring(13)).isEqualTo("INFO  access  POST /v1/chat/completions 200  request_id=req_1 "
                + "latency_ms=12 model=sim-mini" + System.lineSeparator());
        assertThat(line).matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO.*");
    }

    private static void configure(LoggerContext lc, java.net.URL xml) throws Exception {
        lc.reset();
        ch.qos.logback.classic.joran.JoranConfigurator joran = new ch.qos.logback.classic.joran.JoranConfigurator();
        joran.setContext(lc);
        joran.doConfigure(xml);
    }

    @Test
    void theShippedJsonConfigurationHasAccessLinesWrittenDirectlyAndTextKeepsTheLayout() throws Exception {
        LoggerContext lc = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        java.net.URL shipped = LogFormat.class.getResource("/logback.xml");
        java.net.URL tests = LogFormat.class.getResource("/logback-test.xml"); // the gateway's tests', on this path
        try {
            configure(lc, shipped);
            assertThat(dev.sluice.gateway.http.AccessLogWriter.writesJsonDirectly()).isTrue();
            LogFormat.apply("text");
            assertThat(dev.sluice.gateway.http.AccessLogWriter.writesJsonDirectly()).isFalse();
        } finally {
            configure(lc, tests != null ? tests : shipped);
        }
    }
}
