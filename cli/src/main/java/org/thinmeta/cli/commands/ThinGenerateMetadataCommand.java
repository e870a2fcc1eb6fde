package org.thinmeta.cli.commands;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.pdata.sm.MetadataSpaceMap;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.write.PoolOp;
import org.thinmeta.thin.write.PoolScenarios;
import org.thinmeta.thin.write.PoolScript;
import org.thinmeta.thin.write.RandomOps;
import org.thinmeta.thin.write.ThinPool;
import org.thinmeta.thin.write.ThinPoolException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * thin_generate_metadata (developer tool): applies a script, a named scenario or a seeded random
 * sequence of kernel-style operations to metadata through the transactional engine.
 */
@Command(
    name = "thin_generate_metadata",
    header = "Generate thin-provisioning metadata by applying kernel-style operations",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinGenerateMetadataCommand extends ToolCommand {
  /** Operation orders of the metadata space map. */
  public enum Order {
    fifo,
    lifo
  }

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Metadata file or device to change (or to create, with --format).")
  String output;

  @Option(names = "--format", description = "Start from a new, empty pool.")
  boolean format;

  @Option(
      names = "--metadata-blocks",
      paramLabel = "NUM",
      description = "With --format: create or resize a regular file to NUM 4096-byte blocks.")
  Long metadataBlocks;

  @Option(
      names = "--data-blocks",
      paramLabel = "NUM",
      description = "With --format: number of data blocks (default 1048576).")
  Long dataBlocks;

  @Option(
      names = "--data-block-size",
      paramLabel = "SECTORS",
      description = "With --format: data block size in sectors (default 128).")
  Long dataBlockSize;

  @Option(
      names = "--op-order",
      paramLabel = "ORDER",
      description =
          "Order of the metadata space map's deferred reference changes: fifo (correct, default)"
              + " or lifo (the 2014 kernel bug).")
  Order opOrder = Order.fifo;

  @ArgGroup(multiplicity = "1")
  Source source;

  static final class Source {
    @Option(
        names = "--script",
        paramLabel = "FILE",
        description = "Apply the operations in FILE, one per line ('-' for standard input).")
    String script;

    @Option(
        names = "--scenario",
        paramLabel = "NAME",
        description = "Apply a named scenario: refcount-rebalance.")
    String scenario;

    @Option(
        names = "--seed",
        paramLabel = "NUM",
        description = "Apply random operations from this seed (with --ops).")
    Long seed;
  }

  @Option(
      names = "--ops",
      paramLabel = "NUM",
      description = "Number of random operations (default 1000).")
  long ops = 1000;

  @Option(
      names = "--vblocks",
      paramLabel = "NUM",
      description = "Random operations use virtual blocks below NUM (default 100000).")
  long vblocks = 100000;

  @Option(
      names = "--max-range",
      paramLabel = "NUM",
      description = "Longest block range of one random operation (default 256).")
  int maxRange = 256;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print no summary and no messages.")
  boolean quietFlag;

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    Path path = ctx.path(output);
    if (!format && (metadataBlocks != null || dataBlocks != null || dataBlockSize != null)) {
      throw new ToolException(
          "--metadata-blocks, --data-blocks and --data-block-size need --format", 2);
    }
    if (source.seed == null && ops != 1000) {
      throw new ToolException("--ops needs --seed", 2);
    }
    List<PoolOp> fixed = null;
    if (source.scenario != null) {
      fixed = PoolScenarios.byName(source.scenario);
      if (fixed == null) {
        throw new ToolException("unknown scenario '" + source.scenario + "'", 2);
      }
    }
    prepare(path);
    ThinPool.Options options =
        ThinPool.Options.DEFAULT.withOpOrder(
            opOrder == Order.lifo ? MetadataSpaceMap.OpOrder.LIFO : MetadataSpaceMap.OpOrder.FIFO);
    try (FileBlockDevice dev = FileBlockDevice.open(path, FileBlockDevice.Mode.READ_WRITE, true)) {
      ThinPool pool;
      if (format) {
        pool =
            ThinPool.format(
                dev,
                dataBlockSize == null ? 128 : dataBlockSize,
                dataBlocks == null ? 1048576 : dataBlocks,
                options);
      } else {
        pool = ThinPool.open(dev, options);
      }
      if (fixed != null) {
        int n = 0;
        for (PoolOp op : fixed) {
          apply(pool, op, "scenario step " + ++n);
        }
      } else if (source.script != null) {
        runScript(pool);
      } else {
        RandomOps gen = new RandomOps(source.seed, vblocks, maxRange);
        for (long i = 0; i < ops; i++) {
          PoolOp op = gen.next(pool);
          apply(pool, op, "random operation " + (i + 1));
        }
      }
      pool.commit();
      if (!quietFlag) {
        summary(pool);
      }
    }
    return ExitStatus.OK;
  }

  /** Creates or resizes the output for --format. */
  private void prepare(Path path) throws IOException, ToolException {
    if (metadataBlocks != null) {
      if (metadataBlocks < 16) {
        throw new ToolException("--metadata-blocks must be at least 16", 2);
      }
      if (Files.exists(path) && !Files.isRegularFile(path)) {
        throw new ToolException("--metadata-blocks only sizes regular files", 2);
      }
      try (FileChannel ch =
          FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        long size = metadataBlocks * Blocks.BLOCK_SIZE;
        if (ch.size() > size) {
          ch.truncate(size);
        } else if (ch.size() < size) {
          ch.write(java.nio.ByteBuffer.allocate(1), size - 1);
        }
      }
    } else if (!Files.exists(path)) {
      throw new ToolException(
          "Couldn't find output file '" + output + "' (give --metadata-blocks to create it)");
    }
  }

  private void runScript(ThinPool pool) throws IOException, ToolException {
    BufferedReader in =
        source.script.equals("-")
            ? new BufferedReader(new InputStreamReader(ctx.in(), StandardCharsets.UTF_8))
            : Files.newBufferedReader(ctx.path(source.script), StandardCharsets.UTF_8);
    try (in) {
      String line;
      int n = 0;
      while ((line = in.readLine()) != null) {
        n++;
        PoolOp op;
        try {
          op = PoolOp.parse(line);
        } catch (IllegalArgumentException e) {
          throw new ToolException(source.script + ":" + n + ": " + e.getMessage());
        }
        if (op != null) {
          apply(pool, op, source.script + ":" + n);
        }
      }
    }
  }

  private static void apply(ThinPool pool, PoolOp op, String where)
      throws IOException, ToolException {
    try {
      PoolScript.apply(pool, op, null);
    } catch (ThinPoolException e) {
      throw new ToolException(where + ": " + op + ": " + e.getMessage());
    } catch (IOException e) {
      throw new IOException(where + ": " + op + ": " + e.getMessage(), e);
    }
  }

  private void summary(ThinPool pool) throws IOException {
    long mappings = 0;
    int devices = 0;
    for (DeviceDetails d : pool.devices().values()) {
      mappings += d.mappedBlocks();
      devices++;
    }
    PrintStream out = new PrintStream(ctx.out(), true, StandardCharsets.UTF_8);
    MetadataSpaceMap msm = pool.metadataSpaceMap();
    out.println(
        String.format(
            Locale.ROOT,
            "transactions %d, devices %d, mappings %d, metadata blocks %d/%d, data blocks %d/%d",
            pool.transactionManager().commits(),
            devices,
            mappings,
            msm.nrAllocated(),
            msm.nrBlocks(),
            pool.dataSpaceMap().nrAllocated(),
            pool.nrDataBlocks()));
    if (msm.belowZeroEvents() > 0) {
      out.println(
          String.format(
              Locale.ROOT,
              "lifo: %d decrement(s) met a zero count; %d queued reference change(s) lost",
              msm.belowZeroEvents(),
              msm.lostOps()));
    }
    out.flush();
  }
}
