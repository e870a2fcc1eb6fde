package org.thinmeta.pdata.io;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Block device over positional {@link FileChannel} I/O. Works on regular files (on any {@link
 * java.nio.file.FileSystem}, so jimfs works) and on Linux block devices, which are opened with
 * O_DIRECT through aligned buffers and sized from sysfs, since their file length reads as 0.
 */
public final class FileBlockDevice implements BlockDevice {
  private static final int S_IFMT = 0170000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFREG = 0100000;

  private final FileChannel channel;
  private final long nrBlocks;
  private final boolean readOnly;
  private final boolean direct;
  private final String description;
  private final ThreadLocal<ByteBuffer> aligned;
  private final ThreadLocal<ByteBuffer> alignedRun = new ThreadLocal<>();

  private FileBlockDevice(
      FileChannel channel, long nrBlocks, boolean readOnly, boolean direct, String description) {
    this.channel = channel;
    this.nrBlocks = nrBlocks;
    this.readOnly = readOnly;
    this.direct = direct;
    this.description = description;
    this.aligned =
        ThreadLocal.withInitial(
            () ->
                ByteBuffer.allocateDirect(2 * Blocks.BLOCK_SIZE)
                    .alignedSlice(Blocks.BLOCK_SIZE)
                    .limit(Blocks.BLOCK_SIZE));
  }

  /** How a device is to be opened. */
  public enum Mode {
    /** Reads only; any write fails. */
    READ_ONLY,
    /** Reads and writes. */
    READ_WRITE
  }

  /** What kind of file a path names. */
  public enum Kind {
    /** A regular file. */
    REGULAR,
    /** A block device. */
    BLOCK_DEVICE,
    /** Anything else (directory, fifo, character device...). */
    OTHER
  }

  /** Returns what kind of file {@code path} is, following links; throws if it does not exist. */
  public static Kind kindOf(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString());
    }
    Integer mode = unixMode(path);
    if (mode != null) {
      int fmt = mode & S_IFMT;
      if (fmt == S_IFREG) {
        return Kind.REGULAR;
      }
      return fmt == S_IFBLK ? Kind.BLOCK_DEVICE : Kind.OTHER;
    }
    return Files.isRegularFile(path) ? Kind.REGULAR : Kind.OTHER;
  }

  /** Returns the size in bytes of a regular file or block device. */
  public static long sizeOf(Path path) throws IOException {
    if (kindOf(path) == Kind.BLOCK_DEVICE) {
      return blockDeviceSize(path);
    }
    return Files.size(path);
  }

  /**
   * Opens {@code path}. With {@code exclusive}, a block device that the kernel holds (an active
   * pool claims its metadata device) is refused, as O_EXCL would.
   */
  public static FileBlockDevice open(Path path, Mode mode, boolean exclusive) throws IOException {
    Kind kind = kindOf(path);
    if (kind == Kind.OTHER) {
      throw new IOException("Not a block device or regular file '" + path + "'.");
    }
    List<OpenOption> options = new ArrayList<>();
    options.add(StandardOpenOption.READ);
    if (mode == Mode.READ_WRITE) {
      options.add(StandardOpenOption.WRITE);
    }
    long size;
    boolean direct = false;
    if (kind == Kind.BLOCK_DEVICE) {
      if (exclusive) {
        refuseIfHeld(path, sysfsDir(path));
      }
      size = blockDeviceSize(path);
      options.add(ExtendedOpenOption.DIRECT);
      direct = true;
    } else {
      size = Files.size(path);
    }
    FileChannel ch = FileChannel.open(path, options.toArray(new OpenOption[0]));
    return new FileBlockDevice(
        ch, size / Blocks.BLOCK_SIZE, mode == Mode.READ_ONLY, direct, path.toString());
  }

  @Override
  public long nrBlocks() {
    return nrBlocks;
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    if (location < 0 || location >= nrBlocks) {
      throw new IOException("block " + location + " is beyond the end of " + description);
    }
    ByteBuffer out = ByteBuffer.allocate(Blocks.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    if (direct) {
      ByteBuffer a = aligned.get();
      a.clear().limit(Blocks.BLOCK_SIZE);
      readFully(a, location);
      a.flip();
      out.put(a);
      out.flip();
    } else {
      readFully(out, location);
      out.flip();
    }
    return out;
  }

  @Override
  public void readRange(long start, ByteBuffer dst) throws IOException {
    int count = dst.remaining() / Blocks.BLOCK_SIZE;
    if (start < 0 || count * Blocks.BLOCK_SIZE != dst.remaining() || start + count > nrBlocks) {
      throw new IOException(
          "blocks " + start + ".." + (start + count - 1) + " are beyond the end of " + description);
    }
    if (direct
        && !(dst.isDirect() && dst.alignmentOffset(dst.position(), Blocks.BLOCK_SIZE) == 0)) {
      ByteBuffer a =
          ByteBuffer.allocateDirect(dst.remaining() + Blocks.BLOCK_SIZE)
              .alignedSlice(Blocks.BLOCK_SIZE);
      a.limit(dst.remaining());
      readFully(a, start);
      a.flip();
      dst.put(a);
      return;
    }
    readFully(dst, start);
  }

  @Override
  public ByteBuffer readRun(long location, int count) throws IOException {
    if (count <= 0 || location < 0 || location > nrBlocks - count) {
      throw new IOException(
          "blocks " + location + "+" + count + " are beyond the end of " + description);
    }
    int bytes = Math.multiplyExact(count, Blocks.BLOCK_SIZE);
    ByteBuffer out = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (direct) {
      ByteBuffer a = alignedRun.get();
      if (a == null || a.capacity() < bytes) {
        a = ByteBuffer.allocateDirect(bytes + Blocks.BLOCK_SIZE).alignedSlice(Blocks.BLOCK_SIZE);
        alignedRun.set(a);
      }
      a.clear().limit(bytes);
      readFully(a, location);
      a.flip();
      out.put(a);
      out.flip();
    } else {
      readFully(out, location);
      out.flip();
    }
    return out;
  }

  private void readFully(ByteBuffer dst, long location) throws IOException {
    long pos = location * Blocks.BLOCK_SIZE;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        throw new IOException("short read at block " + location + " of " + description);
      }
      pos += n;
    }
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    if (readOnly) {
      throw new IOException(description + " was opened read-only");
    }
    if (location < 0 || location >= nrBlocks) {
      throw new IOException("block " + location + " is beyond the end of " + description);
    }
    ByteBuffer src = block.duplicate().position(0).limit(Blocks.BLOCK_SIZE);
    if (direct) {
      ByteBuffer a = aligned.get();
      a.clear().limit(Blocks.BLOCK_SIZE);
      a.put(src);
      a.flip();
      src = a;
    }
    long pos = location * Blocks.BLOCK_SIZE;
    while (src.hasRemaining()) {
      pos += channel.write(src, pos);
    }
  }

  /** Writes the run with one positional write (through an aligned buffer for O_DIRECT). */
  @Override
  public void writeBlocks(long location, ByteBuffer blocks, int count) throws IOException {
    if (readOnly) {
      throw new IOException(description + " was opened read-only");
    }
    if (location < 0 || count < 0 || location > nrBlocks - count) {
      throw new IOException(
          "blocks " + location + " + " + count + " are beyond the end of " + description);
    }
    int bytes = count * Blocks.BLOCK_SIZE;
    ByteBuffer src = blocks.duplicate().position(0).limit(bytes);
    if (direct) {
      ByteBuffer a =
          ByteBuffer.allocateDirect(bytes + Blocks.BLOCK_SIZE)
              .alignedSlice(Blocks.BLOCK_SIZE)
              .limit(bytes);
      a.put(src);
      a.flip();
      src = a;
    }
    long pos = location * Blocks.BLOCK_SIZE;
    while (src.hasRemaining()) {
      pos += channel.write(src, pos);
    }
  }

  @Override
  public void flush() throws IOException {
    if (!readOnly) {
      channel.force(true);
    }
  }

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public boolean directIo() {
    return direct;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static Integer unixMode(Path path) {
    try {
      Map<String, Object> attrs = Files.readAttributes(path, "unix:mode");
      return (Integer) attrs.get("mode");
    } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
      return null;
    }
  }

  private static Path sysfsDir(Path path) throws IOException {
    long rdev = (Long) Files.getAttribute(path, "unix:rdev", new LinkOption[0]);
    return Path.of(sysfsDirOf(rdev));
  }

  /** The sysfs directory of the block device numbered {@code rdev} (glibc's dev_t encoding). */
  static String sysfsDirOf(long rdev) {
    long major = ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & 0xfffff000L);
    long minor = (rdev & 0xffL) | ((rdev >>> 12) & 0xffffff00L);
    return "/sys/dev/block/" + major + ":" + minor;
  }

  private static long blockDeviceSize(Path path) throws IOException {
    Path sizeFile = sysfsDir(path).resolve("size");
    try {
      String s = Files.readString(sizeFile).trim();
      return Long.parseLong(s) * Blocks.SECTOR_SIZE;
    } catch (IOException | NumberFormatException e) {
      // Fall back to seeking to the end, which works for block devices on Linux.
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        return ch.size();
      }
    }
  }

  /**
   * Refuses a block device that another kernel device holds (an active thin pool holds its metadata
   * device): what O_EXCL would report as EBUSY. {@code sysfsDir} is the device's sysfs directory,
   * whose {@code holders/} lists the holders.
   *
   * @throws DeviceBusyException if the device is held
   */
  static void refuseIfHeld(Path path, Path sysfsDir) throws IOException {
    Path holders = sysfsDir.resolve("holders");
    if (!Files.isDirectory(holders)) {
      return;
    }
    try (Stream<Path> s = Files.list(holders)) {
      if (s.findAny().isPresent()) {
        throw new DeviceBusyException(path.toString());
      }
    }
  }
}
