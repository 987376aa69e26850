package io.cuga.memory.support.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Embeddings as stored (little-endian IEEE 754 float32, 4 bytes a dimension) and compared (cosine). */
public final class Vectors {

    private Vectors() {
    }

    /**
     * @param v a vector
     * @return its bytes
     */
    public static byte[] toBytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /**
     * @param bytes bytes written by {@link #toBytes}, or null
     * @return the vector, or null
     */
    public static float[] fromBytes(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.length / Float.BYTES];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return v;
    }

    /**
     * @param a a vector
     * @param b another
     * @return their cosine similarity (-1 to 1), NaN when the dimensions differ or one of them is zero
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.NaN;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return Double.NaN;
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }
}
