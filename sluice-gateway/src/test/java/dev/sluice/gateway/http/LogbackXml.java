package dev.sluice.gateway.http;

import ch.qos.logback.classic.LoggerContext;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.fieldnames.LogstashFieldNames;

/** The access-log tests' copy of logback.xml's set-up (sluice-cli), which their lines are compared with. */
final class LogbackXml {
    private LogbackXml() {
    }

    /** A logger context of its own, with an MDC adapter as logback's own configuration gives one. */
    static LoggerContext context() {
        LoggerContext c = new LoggerContext();
        c.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        return c;
    }

    /** The encoder as logback.xml sets it up, started; {@code zone}: its time zone, null for the JVM's. */
    static LogstashEncoder encoder(LoggerContext context, String zone) {
        LogstashEncoder e = new LogstashEncoder();
        e.setContext(context);
        e.setIncludeCallerData(false);
        LogstashFieldNames names = new LogstashFieldNames();
        names.setLevelValue("[ignore]");
        names.setVersion("[ignore]");
        e.setFieldNames(names);
        if (zone != null) e.setTimeZone(zone);
        e.start();
        return e;
    }
}
