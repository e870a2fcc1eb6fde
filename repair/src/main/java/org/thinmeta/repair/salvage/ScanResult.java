package org.thinmeta.repair.salvage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.thinmeta.thin.format.Superblock;

/**
 * What a scan of every metadata block found: the kind of each block, a compact summary of every
 * btree node that passes the fatal node rules (underfull nodes are fine), and the superblock copies
 * whose block number is their location. Summaries are stored in parallel primitive arrays indexed
 * by a dense node number, so a scan of millions of blocks stays small.
 */
public final class ScanResult {
  /** Block kind: zero-filled or unrecognised. */
  public static final byte UNKNOWN = 0;

  /** Block kind: a thin superblock whose block number is its location. */
  public static final byte SUPERBLOCK = 1;

  /** Block kind: a btree node passing the fatal rules (it has a summary). */
  public static final byte NODE = 2;

  /** Block kind: a btree node checksum, but the node breaks a fatal rule. */
  public static final byte BAD_NODE = 3;

  /** Block kind: a space-map bitmap. */
  public static final byte BITMAP = 4;

  /** Block kind: a metadata space-map index block. */
  public static final byte INDEX = 5;

  /** Block kind: another recognised checksum (e.g. a superblock copy elsewhere, cache, era). */
  public static final byte OTHER = 6;

  /** Block kind: every byte is zero. */
  public static final byte ZERO = 7;

  static final int F_LEAF = 1;
  static final int F_UNSORTED = 2;
  static final int F_ALL_SMALL = 4;

  private final long nrBlocks;
  private final long smallLimit;
  private final byte[] kinds;
  private final int[] nodeAt;
  private int nrNodes;
  private long[] loc = new long[1024];
  private int[] flags = new int[1024];
  private int[] valueSize = new int[1024];
  private int[] nrEntries = new int[1024];
  private long[] firstKey = new long[1024];
  private long[] lastKey = new long[1024];
  private int[] maxTime = new int[1024];
  private int[] atMaxTime = new int[1024];
  private long[] maxData = new long[1024];
  private int[] aux = new int[1024];
  private long[] pool = new long[4096];
  private int poolSize;
  private final List<SuperblockCopy> superblocks = new ArrayList<>();
  private long dataIndexMaxKey = -1;
  private long dataIndexMaxBitmap = -1;

  /** A superblock found on disk whose block number equals its location. */
  public record SuperblockCopy(long location, Superblock superblock) {}

  ScanResult(long nrBlocks) {
    this.nrBlocks = nrBlocks;
    this.smallLimit = Math.min(nrBlocks, 4_161_600L);
    int n = Math.toIntExact(nrBlocks);
    this.kinds = new byte[n];
    this.nodeAt = new int[n];
    Arrays.fill(nodeAt, -1);
  }

  /** Number of metadata blocks scanned. */
  public long nrBlocks() {
    return nrBlocks;
  }

  /**
   * Values of 8-byte leaves below this may be metadata block numbers (top-level tree values); a
   * mapping with such a value maps data block 0.
   */
  public long smallLimit() {
    return smallLimit;
  }

  /** Kind of block {@code b} (one of the constants here). */
  public byte kind(long b) {
    return b >= 0 && b < nrBlocks ? kinds[(int) b] : UNKNOWN;
  }

  /** Node number of the valid node at block {@code b}, or -1. */
  public int nodeAt(long b) {
    return b >= 0 && b < nrBlocks ? nodeAt[(int) b] : -1;
  }

  /** Number of valid nodes. */
  public int nrNodes() {
    return nrNodes;
  }

  /** Location of node {@code n}. */
  public long location(int n) {
    return loc[n];
  }

  /** True if node {@code n} is a leaf. */
  public boolean isLeaf(int n) {
    return (flags[n] & F_LEAF) != 0;
  }

  /** True if the leaf's keys were unique but not in order (it must be sorted when read). */
  public boolean isUnsorted(int n) {
    return (flags[n] & F_UNSORTED) != 0;
  }

  /** True if every value of this 8-byte leaf is below {@link #smallLimit}. */
  public boolean allSmall(int n) {
    return (flags[n] & F_ALL_SMALL) != 0;
  }

  /** Value size of node {@code n}. */
  public int valueSize(int n) {
    return valueSize[n];
  }

  /** Number of entries of node {@code n}. */
  public int nrEntries(int n) {
    return nrEntries[n];
  }

  /** Lowest key of node {@code n} (unspecified if it has no entries). */
  public long firstKey(int n) {
    return firstKey[n];
  }

  /** Highest key of node {@code n} (unspecified if it has no entries). */
  public long lastKey(int n) {
    return lastKey[n];
  }

  /** For 8-byte leaves: the highest time of the values read as block_time. */
  public long maxTime(int n) {
    return Integer.toUnsignedLong(maxTime[n]);
  }

  /** For 8-byte leaves: how many values have the highest time. */
  public int atMaxTime(int n) {
    return atMaxTime[n];
  }

  /** For 8-byte leaves: the highest data block of the values read as block_time. */
  public long maxData(int n) {
    return maxData[n];
  }

  /** Key {@code i} of an internal node, or of an 8-byte leaf whose values are all small. */
  public long auxKey(int n, int i) {
    return pool[aux[n] + i];
  }

  /** Child {@code i} of an internal node, or value {@code i} of an all-small 8-byte leaf. */
  public long auxValue(int n, int i) {
    return pool[aux[n] + nrEntries[n] + i];
  }

  /** True if keys and values of node {@code n} are held in memory. */
  public boolean hasAux(int n) {
    return aux[n] >= 0;
  }

  /** Superblock copies found, in block order. */
  public List<SuperblockCopy> superblocks() {
    return superblocks;
  }

  /**
   * A lower bound of the pool's data blocks from data space-map index leaves found on disk, or 0.
   */
  public long dataIndexLowerBound() {
    if (dataIndexMaxKey < 0 || kind(dataIndexMaxBitmap) != BITMAP) {
      return 0;
    }
    return dataIndexMaxKey * 16320L + 1;
  }

  void setKind(long b, byte k) {
    kinds[(int) b] = k;
  }

  void addSuperblock(SuperblockCopy c) {
    superblocks.add(c);
  }

  void dataIndexEvidence(long maxKey, long bitmap) {
    if (maxKey > dataIndexMaxKey) {
      dataIndexMaxKey = maxKey;
      dataIndexMaxBitmap = bitmap;
    }
  }

  int addNode(
      long location,
      int f,
      int vs,
      int nr,
      long first,
      long last,
      long mt,
      int atMax,
      long md,
      long[] keys,
      long[] values) {
    int n = nrNodes;
    if (n == loc.length) {
      int cap = n * 2;
      loc = Arrays.copyOf(loc, cap);
      flags = Arrays.copyOf(flags, cap);
      valueSize = Arrays.copyOf(valueSize, cap);
      nrEntries = Arrays.copyOf(nrEntries, cap);
      firstKey = Arrays.copyOf(firstKey, cap);
      lastKey = Arrays.copyOf(lastKey, cap);
      maxTime = Arrays.copyOf(maxTime, cap);
      atMaxTime = Arrays.copyOf(atMaxTime, cap);
      maxData = Arrays.copyOf(maxData, cap);
      aux = Arrays.copyOf(aux, cap);
    }
    loc[n] = location;
    flags[n] = f;
    valueSize[n] = vs;
    nrEntries[n] = nr;
    firstKey[n] = first;
    lastKey[n] = last;
    maxTime[n] = (int) mt;
    atMaxTime[n] = atMax;
    maxData[n] = md;
    if (keys != null) {
      aux[n] = poolSize;
      ensurePool(2 * nr);
      System.arraycopy(keys, 0, pool, poolSize, nr);
      System.arraycopy(values, 0, pool, poolSize + nr, nr);
      poolSize += 2 * nr;
    } else {
      aux[n] = -1;
    }
    nodeAt[(int) location] = n;
    kinds[(int) location] = NODE;
    nrNodes++;
    return n;
  }

  private void ensurePool(int more) {
    if (poolSize + more > pool.length) {
      pool = Arrays.copyOf(pool, Math.max(pool.length * 2, poolSize + more));
    }
  }
}
