package org.thinmeta.e2e;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;

/**
 * Seeded, in-memory mutations of a metadata image aimed at the blocks that matter: the superblock,
 * btree nodes, bitmaps and the index. Each mutation returns a short description so that a failure
 * can be replayed.
 */
final class Mutator {
  static final int BS = 4096;

  /** An image and the blocks whose checksum identifies them as metadata. */
  record Source(String name, byte[] image, int[] blocks, BlockKind[] kinds) {
    static Source of(String name, byte[] image) {
      List<Integer> bl = new ArrayList<>();
      List<BlockKind> ks = new ArrayList<>();
      for (int b = 0; b < image.length / BS; b++) {
        BlockKind k = Checksums.classify(ByteBuffer.wrap(image, b * BS, BS).slice());
        if (k != BlockKind.UNKNOWN || b == 0) {
          bl.add(b);
          ks.add(k);
        }
      }
      return new Source(
          name,
          image,
          bl.stream().mapToInt(Integer::intValue).toArray(),
          ks.toArray(new BlockKind[0]));
    }
  }

  private static final long[] EDGE = {
    0,
    1,
    2,
    3,
    0xff,
    0x100,
    0xffff,
    0x7fffffffL,
    0x80000000L,
    0xffffffffL,
    0x100000000L,
    1L << 40,
    1L << 60,
    Long.MAX_VALUE,
    -1L,
    -2L,
    Long.MIN_VALUE,
    1023,
    1024,
    1025,
    4096,
    252,
    253,
    254,
    255,
    126,
    127,
    128,
    200000
  };

  private final Random rnd;
  private final StringBuilder log = new StringBuilder();

  Mutator(long seed) {
    this.rnd = new Random(seed);
  }

  /** What the last {@link #mutate} did. */
  String log() {
    return log.toString();
  }

  /** A mutated copy of {@code src} (1 to 3 mutations). */
  byte[] mutate(Source src) {
    log.setLength(0);
    byte[] img = Arrays.copyOf(src.image(), src.image().length);
    int n = 1 + rnd.nextInt(3);
    for (int i = 0; i < n; i++) {
      img = mutateOnce(src, img);
    }
    return img;
  }

  private int pickIdx(Source src) {
    // The superblock is hit a quarter of the time: everything hangs off it.
    return rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(src.blocks().length);
  }

  private long edge(long nrBlocks) {
    int r = rnd.nextInt(EDGE.length + 4);
    if (r < EDGE.length) {
      return EDGE[r];
    }
    return switch (r - EDGE.length) {
      case 0 -> nrBlocks;
      case 1 -> nrBlocks - 1;
      case 2 -> rnd.nextInt((int) nrBlocks);
      default -> rnd.nextLong();
    };
  }

  private byte[] mutateOnce(Source src, byte[] img) {
    int nrBlocks = img.length / BS;
    int idx = pickIdx(src);
    int b = src.blocks()[idx];
    BlockKind kind =
        src.kinds()[idx] == BlockKind.UNKNOWN ? BlockKind.THIN_SUPERBLOCK : src.kinds()[idx];
    if (b >= nrBlocks) {
      return img; // truncated away
    }
    ByteBuffer blk = ByteBuffer.wrap(img, b * BS, BS).slice().order(ByteOrder.LITTLE_ENDIAN);
    int op = rnd.nextInt(12);
    switch (op) {
      case 0, 1 -> { // bit flips, restamped half the time
        int flips = 1 + rnd.nextInt(8);
        int limit = rnd.nextBoolean() ? 512 : BS;
        for (int i = 0; i < flips; i++) {
          int bit = rnd.nextInt(limit * 8);
          blk.put(bit / 8, (byte) (blk.get(bit / 8) ^ (1 << (bit % 8))));
        }
        boolean restamp = op == 1;
        if (restamp) {
          Checksums.stamp(blk, kind);
        }
        log.append(String.format(Locale.ROOT, "flip%d%s@%d ", flips, restamp ? "+stamp" : "", b));
      }
      case 2 -> { // zeroed block
        Arrays.fill(img, b * BS, b * BS + BS, (byte) 0);
        log.append("zero@").append(b).append(' ');
      }
      case 3 -> { // swap two metadata blocks
        int c = src.blocks()[rnd.nextInt(src.blocks().length)];
        if (c < nrBlocks) {
          byte[] t = Arrays.copyOfRange(img, b * BS, b * BS + BS);
          System.arraycopy(img, c * BS, img, b * BS, BS);
          System.arraycopy(t, 0, img, c * BS, BS);
        }
        log.append("swap@").append(b).append(',').append(c).append(' ');
      }
      case 4 -> { // truncation
        int len = rnd.nextBoolean() ? rnd.nextInt(nrBlocks) * BS : rnd.nextInt(img.length);
        log.append("trunc@").append(len).append(' ');
        return Arrays.copyOf(img, len);
      }
      case 5 -> { // random garbage with a valid checksum of the block's kind
        byte[] g = new byte[rnd.nextBoolean() ? 64 : BS];
        rnd.nextBytes(g);
        blk.put(4, g, 4, g.length - 4);
        Checksums.stamp(blk, kind);
        log.append("garbage+stamp@").append(b).append(' ');
      }
      case 6 -> { // btree pointer loop: a child pointer back to this node or another node
        if (kind == BlockKind.NODE && (blk.getInt(4) & 1) != 0) {
          int nr = Math.max(1, Math.min(blk.getInt(16), 252));
          int max = Math.max(1, Math.min(blk.getInt(20), 508));
          int i = rnd.nextInt(nr);
          long target = rnd.nextBoolean() ? b : src.blocks()[rnd.nextInt(src.blocks().length)];
          blk.putLong(32 + max * 8 + i * 8, target);
          Checksums.stamp(blk, kind);
          log.append("loop@").append(b).append("->").append(target).append(' ');
        } else {
          return mutateField(img, b, blk, kind, nrBlocks);
        }
      }
      case 7 -> { // node header counts
        if (kind == BlockKind.NODE) {
          int off = 16 + 4 * rnd.nextInt(3);
          long v = edge(nrBlocks);
          blk.putInt(off, (int) v);
          Checksums.stamp(blk, kind);
          log.append("hdr").append(off).append('=').append(v).append('@').append(b).append(' ');
        } else {
          return mutateField(img, b, blk, kind, nrBlocks);
        }
      }
      case 8 -> { // superblock: space map roots, sizes, roots
        ByteBuffer sb = ByteBuffer.wrap(img, 0, BS).slice().order(ByteOrder.LITTLE_ENDIAN);
        int[] offs = {56, 64, 72, 80, 88, 192, 200, 208, 216, 320, 328, 336, 340, 344, 48, 44};
        int off = offs[rnd.nextInt(offs.length)];
        long v = edge(nrBlocks);
        if (off == 336 || off == 340 || off == 44) {
          sb.putInt(off, (int) v);
        } else {
          sb.putLong(off, v);
        }
        Checksums.stamp(sb, BlockKind.THIN_SUPERBLOCK);
        log.append("sb").append(off).append('=').append(v).append(' ');
      }
      default -> {
        return mutateField(img, b, blk, kind, nrBlocks);
      }
    }
    return img;
  }

  /** An aligned u32/u64 field of the block set to an edge value, checksum restamped. */
  private byte[] mutateField(byte[] img, int b, ByteBuffer blk, BlockKind kind, int nrBlocks) {
    int limit = kind == BlockKind.INDEX || kind == BlockKind.BITMAP ? BS : 1024;
    if (kind == BlockKind.NODE && rnd.nextBoolean()) {
      limit = BS;
    }
    long v = edge(nrBlocks);
    if (rnd.nextBoolean()) {
      int off = 8 * (1 + rnd.nextInt(limit / 8 - 1));
      blk.putLong(off, v);
      log.append(String.format(Locale.ROOT, "u64@%d+%d=%d ", b, off, v));
    } else {
      int off = 4 * (1 + rnd.nextInt(limit / 4 - 1));
      blk.putInt(off, (int) v);
      log.append(String.format(Locale.ROOT, "u32@%d+%d=%d ", b, off, (int) v));
    }
    Checksums.stamp(blk, kind);
    return img;
  }
}
