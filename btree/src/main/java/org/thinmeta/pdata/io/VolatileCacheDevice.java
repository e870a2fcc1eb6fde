package org.thinmeta.pdata.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A block device with a volatile write cache, for crash tests. Writes land in the cache and are
 * visible to reads at once, but survive a crash only once {@link #flush()} has made them durable.
 * At a crash each cached write is independently kept or dropped (seeded), which models both loss
 * and reordering: any subset of the unforced writes may have reached the media, and a later write
 * to a block can survive while an earlier one to another block does not.
 *
 * <p>The device can be told to crash when it reaches its Nth write or its Nth flush (counting from
 * 1): that call fails with {@link CrashException} without taking effect, the cache is resolved as
 * above, and every later call fails too. {@link #durableImage()} then gives what the media holds.
 * Unarmed, it counts writes and flushes so that a test can enumerate every crash point.
 */
public final class VolatileCacheDevice implements BlockDevice {
  /** Thrown by the call at which the simulated crash happens, and by every call after it. */
  public static final class CrashException extends IOException {
    private static final long serialVersionUID = 1L;

    CrashException(String message) {
      super(message);
    }
  }

  private final byte[][] durable;
  private final Map<Long, byte[]> cache = new LinkedHashMap<>();
  private final Random random;
  private long writes;
  private long flushes;
  private long crashAtWrite = -1;
  private long crashAtFlush = -1;
  private boolean crashed;

  /**
   * Creates a device whose durable contents are a copy of {@code image} (rounded down to blocks).
   *
   * @param seed decides which cached writes survive a crash
   */
  public VolatileCacheDevice(byte[] image, long seed) {
    int n = image.length / Blocks.BLOCK_SIZE;
    durable = new byte[n][];
    for (int i = 0; i < n; i++) {
      durable[i] = Arrays.copyOfRange(image, i * Blocks.BLOCK_SIZE, (i + 1) * Blocks.BLOCK_SIZE);
    }
    random = new Random(seed);
  }

  /** Creates a zero-filled device of {@code nrBlocks} blocks. */
  public VolatileCacheDevice(long nrBlocks, long seed) {
    durable = new byte[Math.toIntExact(nrBlocks)][];
    random = new Random(seed);
  }

  /** Arms a crash at the {@code n}th write (1-based), counted from the device's creation. */
  public VolatileCacheDevice crashAtWrite(long n) {
    crashAtWrite = n;
    return this;
  }

  /** Arms a crash at the {@code n}th flush (1-based), counted from the device's creation. */
  public VolatileCacheDevice crashAtFlush(long n) {
    crashAtFlush = n;
    return this;
  }

  /** Writes attempted so far (including one that crashed). */
  public long writes() {
    return writes;
  }

  /** Flushes attempted so far (including one that crashed). */
  public long flushes() {
    return flushes;
  }

  /** True once the simulated crash has happened. */
  public boolean crashed() {
    return crashed;
  }

  /** Number of writes waiting in the volatile cache. */
  public int cachedWrites() {
    return cache.size();
  }

  /** Crashes now (if not yet crashed): resolves the cache as at a power failure. */
  public void crash() {
    if (crashed) {
      return;
    }
    crashed = true;
    for (Map.Entry<Long, byte[]> e : cache.entrySet()) {
      if (random.nextBoolean()) {
        durable[e.getKey().intValue()] = e.getValue();
      }
    }
    cache.clear();
  }

  /** What the media holds: after a crash, the surviving image; before it, the flushed state. */
  public byte[] durableImage() {
    byte[] out = new byte[durable.length * Blocks.BLOCK_SIZE];
    for (int i = 0; i < durable.length; i++) {
      if (durable[i] != null) {
        System.arraycopy(durable[i], 0, out, i * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE);
      }
    }
    return out;
  }

  @Override
  public long nrBlocks() {
    return durable.length;
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    checkAlive();
    check(location);
    byte[] b = cache.get(location);
    if (b == null) {
      b = durable[(int) location];
    }
    byte[] copy = b == null ? new byte[Blocks.BLOCK_SIZE] : b.clone();
    return ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    checkAlive();
    check(location);
    writes++;
    if (writes == crashAtWrite) {
      crash();
      throw new CrashException("simulated crash at write " + writes);
    }
    byte[] copy = new byte[Blocks.BLOCK_SIZE];
    block.duplicate().position(0).get(copy, 0, Blocks.BLOCK_SIZE);
    // A rewrite of a cached block replaces it but keeps no ordering promise either way.
    cache.remove(location);
    cache.put(location, copy);
  }

  @Override
  public void flush() throws IOException {
    checkAlive();
    flushes++;
    if (flushes == crashAtFlush) {
      crash();
      throw new CrashException("simulated crash at flush " + flushes);
    }
    for (Map.Entry<Long, byte[]> e : cache.entrySet()) {
      durable[e.getKey().intValue()] = e.getValue();
    }
    cache.clear();
  }

  @Override
  public boolean readOnly() {
    return false;
  }

  @Override
  public String description() {
    return "volatile-cache";
  }

  @Override
  public void close() {}

  private void checkAlive() throws CrashException {
    if (crashed) {
      throw new CrashException("device has crashed");
    }
  }

  private void check(long location) throws IOException {
    if (location < 0 || location >= durable.length) {
      throw new IOException("block " + location + " is beyond the end of the device");
    }
  }
}
