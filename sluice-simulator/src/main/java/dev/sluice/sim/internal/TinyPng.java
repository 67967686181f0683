package dev.sluice.sim.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** A valid 16×16 single-colour PNG whose colour comes from a seed: a real image that costs a few hundred bytes. */
public final class TinyPng {
    private static final int SIZE = 16;

    private TinyPng() {}

    public static byte[] of(long seed) {
        byte r = (byte) (seed >>> 16), g = (byte) (seed >>> 8), b = (byte) seed;
        byte[] raw = new byte[SIZE * (1 + SIZE * 3)];
        int p = 0;
        for (int y = 0; y < SIZE; y++) {
            raw[p++] = 0; // filter: none
            for (int x = 0; x < SIZE; x++) {
                raw[p++] = r;
                raw[p++] = g;
                raw[p++] = b;
            }
        }
        Deflater deflater = new Deflater();
        deflater.setInput(raw);
        deflater.finish();
        byte[] buf = new byte[1024];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        while (!deflater.finished()) idat.write(buf, 0, deflater.deflate(buf));
        deflater.end();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = {0, 0, 0, SIZE, 0, 0, 0, SIZE, 8, 2, 0, 0, 0}; // 8-bit RGB
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        writeInt(out, data.length);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
