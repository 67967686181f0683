package dev.sluice.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * An attacker in a process of its own (one JVM cannot hold 20,000 sockets next to its own descriptors): opens
 * {@code count} connections from loopback address {@code from} to {@code port}, sends nothing, prints
 * {@code idle-sockets opened N failed M}, and holds them until its standard input closes.
 */
public final class IdleSockets {
    private IdleSockets() {}

    public static void main(String[] args) throws IOException {
        InetAddress from = InetAddress.getByName(args[0]);
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        List<Socket> held = new ArrayList<>(count);
        int failed = 0;
        for (int i = 0; i < count; i++) {
            Socket s = new Socket();
            try {
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
                held.add(s);
            } catch (IOException e) {
                failed++;
                s.close();
            }
        }
        System.out.println("idle-sockets opened " + held.size() + " failed " + failed);
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold until the parent closes our input
        }
        for (Socket s : held) s.close();
    }
}
