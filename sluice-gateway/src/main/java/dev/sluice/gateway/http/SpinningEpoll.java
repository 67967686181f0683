package dev.sluice.gateway.http;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.IntSupplier;
import io.vertx.core.transport.Transport;

import java.util.function.LongSupplier;

/**
 * The epoll transport whose event loops, when they run out of work, keep looking for ready sockets
 * ({@code epoll_wait} without a timeout) for up to {@code server.event_loop_spin_us} before they block. An answer
 * that arrives within that time — the upstream's answer to the request just sent, the next request of a keep-alive
 * caller — is read without the loop's thread going to sleep and being woken again, which on a virtual machine costs
 * tens of microseconds a hop. A busy loop always has work and never spins; an idle one spins once per idle spell.
 * Everything but the event loops' wait is Vert.x's own epoll transport.
 */
public final class SpinningEpoll implements Transport {

    private final long spinNanos;
    private final LongSupplier nanoTime;
    private final io.vertx.core.spi.transport.Transport implementation;

    SpinningEpoll(long spinMicros, LongSupplier nanoTime) {
        this.spinNanos = spinMicros * 1000;
        this.nanoTime = nanoTime;
        this.implementation = new Delegate(Transport.EPOLL.implementation()) {
            @Override
            public IoHandlerFactory ioHandlerFactory() {
                return EpollIoHandler.newFactory(0, SpinningEpoll.this::strategy);
            }
        };
    }

    /** The transport for {@code server.event_loop_spin_us}; null when it is 0 or epoll is not available here. */
    public static Transport orNull(int spinMicros) {
        return spinMicros > 0 && Transport.EPOLL.available() ? new SpinningEpoll(spinMicros, System::nanoTime) : null;
    }

    /** Whether {@code vertx}'s event loops spin before they sleep (they run on this transport). */
    public static boolean installedIn(io.vertx.core.Vertx vertx) {
        return ((io.vertx.core.internal.VertxInternal) vertx).transport() instanceof Delegate;
    }

    /**
     * Netty asks this before every wait: with tasks queued, look once and go on; otherwise look until something is
     * ready or the spin is over, then block ({@link SelectStrategy#SELECT}, with the loop's usual timeout).
     */
    SelectStrategy strategy() {
        return (IntSupplier selectNow, boolean hasTasks) -> {
            if (hasTasks) return selectNow.get();
            long deadline = nanoTime.getAsLong() + spinNanos;
            do {
                int ready = selectNow.get();
                if (ready > 0) return ready;
                Thread.onSpinWait();
            } while (nanoTime.getAsLong() - deadline < 0);
            return SelectStrategy.SELECT;
        };
    }

    @Override
    public String name() {
        return Transport.EPOLL.name();
    }

    @Override
    public boolean available() {
        return Transport.EPOLL.available();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Transport.EPOLL.unavailabilityCause();
    }

    @Override
    public io.vertx.core.spi.transport.Transport implementation() {
        return implementation;
    }

    /** Every method of the transport SPI handed to Vert.x's epoll transport. */
    private static class Delegate implements io.vertx.core.spi.transport.Transport {
        private final io.vertx.core.spi.transport.Transport d;

        Delegate(io.vertx.core.spi.transport.Transport d) {
            this.d = d;
        }

        @Override public boolean supportsDomainSockets() { return d.supportsDomainSockets(); }
        @Override public boolean supportFileRegion() { return d.supportFileRegion(); }
        @Override public boolean isAvailable() { return d.isAvailable(); }
        @Override public Throwable unavailabilityCause() { return d.unavailabilityCause(); }
        @Override public java.net.SocketAddress convert(io.vertx.core.net.SocketAddress a) { return d.convert(a); }
        @Override public io.vertx.core.net.SocketAddress convert(java.net.SocketAddress a) { return d.convert(a); }
        @Override public IoHandlerFactory ioHandlerFactory() { return d.ioHandlerFactory(); }
        @Override public io.netty.channel.socket.DatagramChannel datagramChannel() { return d.datagramChannel(); }
        @Override public io.netty.channel.socket.DatagramChannel datagramChannel(
                io.netty.channel.socket.InternetProtocolFamily family) { return d.datagramChannel(family); }
        @Override public io.netty.channel.ChannelFactory<? extends io.netty.channel.Channel> channelFactory(
                boolean domainSocket) { return d.channelFactory(domainSocket); }
        @Override public io.netty.channel.ChannelFactory<? extends io.netty.channel.ServerChannel> serverChannelFactory(
                boolean domainSocket) { return d.serverChannelFactory(domainSocket); }
        @Override public void configure(io.netty.channel.socket.DatagramChannel channel,
                                        io.vertx.core.datagram.DatagramSocketOptions options) { d.configure(channel, options); }
        @Override public void configure(io.vertx.core.net.ClientOptionsBase options, int connectTimeout,
                                        boolean domainSocket, io.netty.bootstrap.Bootstrap bootstrap) {
            d.configure(options, connectTimeout, domainSocket, bootstrap);
        }
        @Override public void configure(io.vertx.core.net.NetServerOptions options, boolean domainSocket,
                                        io.netty.bootstrap.ServerBootstrap bootstrap) {
            d.configure(options, domainSocket, bootstrap);
        }
    }
}
