package org.thinmeta.e2e;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes thin_dump XML (0.9.0 layout, so that a dump of the restored image reproduces it byte for
 * byte) of a pool with a given total number of mappings, for measurements: {@code devices} devices
 * in origin/snapshot pairs; each origin maps scattered single blocks and, one time in eight, a run
 * of 2..64 contiguous blocks, with random gaps between them; each snapshot maps the same virtual
 * blocks, sharing four out of five pieces with its origin and owning new data blocks (time 1) for
 * the rest.
 *
 * <p>Usage: {@code java -cp src/test/target/test-classes org.thinmeta.e2e.BigPoolXml OUT.xml
 * MAPPINGS [DEVICES]}. Prints the number of data blocks used.
 */
public final class BigPoolXml {
  private final Writer out;
  private final SplittableRandom random = new SplittableRandom(20240521L);
  private long nextData;

  private BigPoolXml(Writer out) {
    this.out = out;
  }

  /** Writes the XML for {@code mappings} mappings over {@code devices} devices. */
  public static long write(Path file, long mappings, int devices) throws IOException {
    if (devices < 2 || devices % 2 != 0) {
      throw new IllegalArgumentException("devices must be even and at least 2");
    }
    Path body = Files.createTempFile(file.toAbsolutePath().getParent(), "body", ".xml");
    long dataBlocks;
    try {
      try (Writer w = Files.newBufferedWriter(body, StandardCharsets.US_ASCII)) {
        BigPoolXml g = new BigPoolXml(new BufferedWriter(w, 1 << 20));
        long perPair = mappings / (devices / 2) / 2;
        long extra = mappings - perPair * devices;
        for (int pair = 0; pair < devices / 2; pair++) {
          long n = perPair + (pair == 0 ? extra / 2 : 0);
          long snapExtra = pair == 0 ? extra - extra / 2 : 0;
          g.pair(2 * pair + 1, n, n + snapExtra);
        }
        g.out.flush();
        dataBlocks = g.nextData;
      }
      // The superblock line needs the data size, known only now.
      long nrData = (dataBlocks + 1023) / 1024 * 1024;
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
        w.write(
            String.format(
                Locale.ROOT,
                "<superblock uuid=\"\" time=\"1\" transaction=\"%d\" flags=\"0\" version=\"2\""
                    + " data_block_size=\"128\" nr_data_blocks=\"%d\">%n",
                devices,
                nrData));
        w.flush();
      }
      try (var os = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
        Files.copy(body, os);
        os.write("</superblock>\n".getBytes(StandardCharsets.US_ASCII));
      }
    } finally {
      Files.deleteIfExists(body);
    }
    return dataBlocks;
  }

  /** An origin with {@code n} mappings and its snapshot with {@code snapN} (at least n). */
  private void pair(int originId, long n, long snapN) throws IOException {
    long seed = random.nextLong();
    long base = nextData;
    device(originId, n, originId - 1, 0, 1, seed, base, -1);
    device(originId + 1, snapN, originId, 1, 1, seed, base, n);
  }

  /**
   * One device. An origin ({@code originN < 0}) takes its data blocks in order from {@code base}. A
   * snapshot replays the origin's layout (same seed, same {@code base}) for the origin's {@code
   * originN} mappings, sharing most runs and giving the others new blocks after everything
   * allocated so far, then adds mappings of its own.
   */
  private void device(
      int id, long n, long trans, long created, long snapTime, long seed, long base, long originN)
      throws IOException {
    out.write(
        String.format(
            Locale.ROOT,
            "  <device dev_id=\"%d\" mapped_blocks=\"%d\" transaction=\"%d\" creation_time=\"%d\""
                + " snap_time=\"%d\">%n",
            id,
            n,
            trans,
            created,
            snapTime));
    boolean snapshot = originN >= 0;
    SplittableRandom layout = new SplittableRandom(seed);
    SplittableRandom choice = new SplittableRandom(seed ^ 0x5DEECE66DL);
    long cursor = base;
    long v = layout.nextLong(100);
    long left = n;
    long originLeft = snapshot ? originN : n;
    while (left > 0) {
      boolean run = layout.nextInt(8) == 0;
      long len = Math.min(run ? 2 + layout.nextInt(63) : 1, left);
      if (originLeft > 0) {
        len = Math.min(len, originLeft);
        long d = cursor;
        cursor += len + 1; // a one-block gap keeps neighbouring runs from merging
        if (snapshot && choice.nextInt(5) == 0) {
          map(v, allocate(len), len, 1);
        } else {
          map(v, d, len, 0);
        }
        originLeft -= len;
      } else {
        map(v, allocate(len), len, 1);
      }
      left -= len;
      v += len + layout.nextInt(run ? 8 : 40);
    }
    if (!snapshot) {
      nextData = cursor;
    }
    out.write("  </device>\n");
  }

  private long allocate(long len) {
    long d = nextData;
    nextData += len + 1;
    return d;
  }

  private void map(long v, long d, long len, long time) throws IOException {
    if (len == 1) {
      out.write("    <single_mapping origin_block=\"");
      out.write(Long.toString(v));
      out.write("\" data_block=\"");
      out.write(Long.toString(d));
    } else {
      out.write("    <range_mapping origin_begin=\"");
      out.write(Long.toString(v));
      out.write("\" data_begin=\"");
      out.write(Long.toString(d));
      out.write("\" length=\"");
      out.write(Long.toString(len));
    }
    out.write("\" time=\"");
    out.write(Long.toString(time));
    out.write("\"/>\n");
  }

  /** Command-line entry point. */
  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: BigPoolXml OUT.xml MAPPINGS [DEVICES]");
      System.exit(2);
    }
    long blocks =
        write(
            Path.of(args[0]),
            Long.parseLong(args[1]),
            args.length > 2 ? Integer.parseInt(args[2]) : 8);
    System.out.println(blocks);
  }
}
