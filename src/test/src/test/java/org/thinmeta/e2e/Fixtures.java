package org.thinmeta.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The kernel-written fixtures in {@code ../shared/fixtures/kernel/}, unpacked once per run into
 * {@code target/fixtures/}.
 */
public final class Fixtures {
  /** Images that every reference tool accepts. */
  public static final List<String> VALID =
      List.of(
          "tmeta",
          "tmeta_with_metadata_snap",
          "tmeta_device_id_reuse",
          "tmeta_with_deleted_snapshot",
          "tmeta_with_empty_roots",
          "tmeta_with_shared_internal_root",
          "tmeta_with_shared_internals_and_leaves");

  /** Images whose live metadata dumps but whose check fails (damaged snapshot parts). */
  public static final List<String> DAMAGED_SNAPSHOT =
      List.of("tmeta_with_corrupted_metadata_snap", "tmeta_device_id_reuse_with_corrupted_thins");

  /** Images with a metadata snapshot. */
  public static final List<String> WITH_SNAPSHOT =
      List.of(
          "tmeta_with_metadata_snap",
          "tmeta_device_id_reuse",
          "tmeta_with_deleted_snapshot",
          "tmeta_with_corrupted_metadata_snap",
          "tmeta_device_id_reuse_with_corrupted_thins",
          "corrupted_tmeta_with_metadata_snap");

  private Fixtures() {}

  /** The repository root. */
  public static Path repo() {
    String p = System.getProperty("thinmeta.repo");
    if (p != null) {
      return Path.of(p).toAbsolutePath().normalize();
    }
    Path here = Path.of("").toAbsolutePath();
    while (here != null && !Files.exists(here.resolve("bin/thinmeta"))) {
      here = here.getParent();
    }
    if (here == null) {
      throw new IllegalStateException("cannot find the repository root");
    }
    return here;
  }

  /** {@code ../shared/fixtures/kernel} beside the repository. */
  public static Path kernelDir() {
    return repo().resolve("../shared/fixtures/kernel").normalize();
  }

  /** True if the shared fixtures are present. */
  public static boolean available() {
    return Files.isDirectory(kernelDir());
  }

  /** A fresh-per-run scratch directory under target/. */
  public static Path scratch() {
    Path d = repo().resolve("src/test/target/scratch");
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return d;
  }

  /** The raw image {@code NAME.bin}, unpacked from {@code NAME.bin.gz} once. Read-only use. */
  public static synchronized Path image(String name) {
    Path out = repo().resolve("src/test/target/fixtures/" + name + ".bin");
    if (!Files.exists(out)) {
      try {
        Files.createDirectories(out.getParent());
        Path tmp = out.resolveSibling(name + ".bin.tmp");
        try (InputStream in =
            new GZIPInputStream(Files.newInputStream(kernelDir().resolve(name + ".bin.gz")))) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** A private writable copy of an image. */
  public static Path copyOf(String name, Path dir) throws IOException {
    Path out = dir.resolve(name + ".bin");
    Files.copy(image(name), out, StandardCopyOption.REPLACE_EXISTING);
    return out;
  }

  /** A stored reference output ({@code NAME.dump.xml} or its .gz), or null if absent. */
  public static byte[] stored(String fileName) throws IOException {
    Path p = kernelDir().resolve(fileName);
    if (Files.exists(p)) {
      return Files.readAllBytes(p);
    }
    Path gz = kernelDir().resolve(fileName + ".gz");
    if (Files.exists(gz)) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
        return in.readAllBytes();
      }
    }
    return null;
  }
}
