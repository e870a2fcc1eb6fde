package org.thinmeta.cli.commands;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.thinmeta.cli.support.ArgsPreprocessor;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.Messages;
import org.thinmeta.cli.support.OutputFiles;
import org.thinmeta.cli.support.ProgressReporter;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.DeviceBusyException;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.repair.salvage.SalvagePlan;
import org.thinmeta.repair.salvage.Salvager;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.xml.HumanReadableWriter;
import org.thinmeta.thin.xml.XmlWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** thin_dump: writes metadata as XML or human-readable text. */
@Command(
    name = "thin_dump",
    header = "Dump thin-provisioning metadata to stdout in XML format",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinDumpCommand extends ToolCommand implements ArgsPreprocessor {
  /** Output formats. */
  public enum Format {
    xml,
    human_readable
  }

  @Parameters(index = "0", paramLabel = "INPUT", description = "Metadata device or file.")
  String input;

  @Option(
      names = {"-f", "--format"},
      paramLabel = "TYPE",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: xml).")
  Format format = Format.xml;

  @Option(
      names = {"-m", "--metadata-snap"},
      description = "Dump the metadata snapshot (also -mBLOCK or --metadata-snap=BLOCK).")
  boolean metadataSnap;

  @Option(names = "--metadata-snap-block", hidden = true)
  Long metadataSnapBlock;

  @Option(
      names = {"-r", "--repair"},
      description = "Salvage damaged metadata and dump what thin_repair would write.")
  boolean repair;

  @Option(
      names = "--dev-id",
      paramLabel = "THIN_ID",
      description = "Dump only this device (repeatable).")
  List<Long> devIds = new ArrayList<>();

  @Option(names = "--skip-mappings", description = "Write devices without their mappings.")
  boolean skipMappings;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write to FILE instead of stdout.")
  String output;

  @Option(
      names = "--transaction-id",
      paramLabel = "NUM",
      description =
          "Override the transaction id (the larger of this and the superblock's is used).")
  Long transactionId;

  @Option(
      names = "--data-block-size",
      paramLabel = "SECTORS",
      description = "Override the data block size.")
  Long dataBlockSize;

  @Option(
      names = "--nr-data-blocks",
      paramLabel = "NUM",
      description =
          "Override the number of data blocks (the larger of this and the superblock's is used).")
  Long nrDataBlocks;

  @Option(
      names = {"-q", "--quiet"},
      description = "Suppress error messages.")
  boolean quietFlag;

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Option(names = "-v", hidden = true)
  boolean[] verbose;

  @Override
  public String[] preprocess(String[] args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      if (a.matches("-m[0-9]+")) {
        out.add("-m");
        out.add("--metadata-snap-block=" + a.substring(2));
      } else if (a.startsWith("--metadata-snap=")) {
        out.add("-m");
        out.add("--metadata-snap-block=" + a.substring("--metadata-snap=".length()));
      } else {
        out.add(a);
      }
    }
    return out.toArray(new String[0]);
  }

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    if (repair && metadataSnap) {
      throw new ToolException(
          "the argument '--repair' cannot be used with '--metadata-snap'", ExitStatus.USAGE);
    }
    Path in = ctx.path(input);
    InputChecks.checkMetadataInput(in, true);
    if (repair) {
      return dumpRepaired(in);
    }
    try (FileBlockDevice dev = openInput(in)) {
      Superblock live = MetadataReader.readSuperblock(dev);
      Superblock sb = live;
      if (metadataSnap) {
        if (live.metadataSnap() == 0) {
          throw new ToolException("no current metadata snap");
        }
        if (metadataSnapBlock != null && metadataSnapBlock != live.metadataSnap()) {
          throw new ToolException("metadata snapshot does not match that in superblock");
        }
        sb = MetadataReader.readSnapshotSuperblock(dev, live);
      }
      SuperblockInfo info = overridden(Dumper.info(sb));
      Set<Long> ids = devIds.isEmpty() ? null : new HashSet<>(devIds);
      Dumper.Options options = new Dumper.Options(ids, skipMappings);
      if (output == null) {
        dump(dev, sb, info, options, ctx.out());
      } else {
        try (OutputFiles.Target t = OutputFiles.open(ctx.path(output));
            org.thinmeta.pdata.io.BlockDevice tracked =
                org.thinmeta.cli.support.ProgressBlockDevice.track(
                    dev,
                    org.thinmeta.cli.support.ProgressReporter.of(ctx, quietFlag),
                    "Dumping thin metadata")) {
          dump(tracked, sb, info, options, t.stream());
          t.commit();
        }
      }
    }
    return ExitStatus.OK;
  }

  private int dumpRepaired(Path in) throws Exception {
    try (FileBlockDevice dev = openInput(in)) {
      SalvagePlan plan =
          Salvager.salvage(
              dev,
              new Salvager.Options(transactionId, dataBlockSize, nrDataBlocks),
              ProgressReporter.of(ctx, quietFlag));
      Set<Long> ids = devIds.isEmpty() ? null : new HashSet<>(devIds);
      if (output == null) {
        emit(plan, ids, ctx.out());
      } else {
        try (OutputFiles.Target t = OutputFiles.open(ctx.path(output))) {
          emit(plan, ids, t.stream());
          t.commit();
        }
      }
      for (String line : plan.reportLines()) {
        warn(line);
      }
    }
    return ExitStatus.OK;
  }

  private void emit(SalvagePlan plan, Set<Long> ids, OutputStream out) throws IOException {
    MetadataVisitor writer =
        format == Format.xml ? new XmlWriter(out) : new HumanReadableWriter(out);
    plan.emit(new DeviceFilter(writer, ids, skipMappings));
    out.flush();
  }

  /** Passes on only the selected devices, optionally without their mappings. */
  private static final class DeviceFilter implements MetadataVisitor {
    private final MetadataVisitor out;
    private final Set<Long> ids;
    private final boolean skipMappings;
    private boolean skipping;

    DeviceFilter(MetadataVisitor out, Set<Long> ids, boolean skipMappings) {
      this.out = out;
      this.ids = ids;
      this.skipMappings = skipMappings;
    }

    @Override
    public void superblockBegin(SuperblockInfo sb) throws IOException {
      out.superblockBegin(sb);
    }

    @Override
    public void superblockEnd() throws IOException {
      out.superblockEnd();
    }

    @Override
    public void deviceBegin(DeviceInfo dev) throws IOException {
      skipping = ids != null && !ids.contains(dev.devId());
      if (!skipping) {
        out.deviceBegin(dev);
      }
    }

    @Override
    public void deviceEnd() throws IOException {
      if (!skipping) {
        out.deviceEnd();
      }
      skipping = false;
    }

    @Override
    public void map(long thinBegin, long dataBegin, long length, long time) throws IOException {
      if (!skipping && !skipMappings) {
        out.map(thinBegin, dataBegin, length, time);
      }
    }
  }

  /** Opens the input read-only; exclusively (refusing a live pool's metadata) unless -m. */
  private FileBlockDevice openInput(Path in) throws IOException, ToolException {
    try {
      return FileBlockDevice.open(in, FileBlockDevice.Mode.READ_ONLY, !metadataSnap);
    } catch (DeviceBusyException e) {
      throw new ToolException(
          Messages.of(e)
              + ": the metadata is in use by the kernel; use -m to dump its metadata snapshot");
    }
  }

  private void dump(
      org.thinmeta.pdata.io.BlockDevice dev,
      Superblock sb,
      SuperblockInfo info,
      Dumper.Options options,
      OutputStream out)
      throws IOException {
    MetadataVisitor writer =
        format == Format.xml ? new XmlWriter(out) : new HumanReadableWriter(out);
    try {
      new Dumper(dev).dump(sb, info, options, writer);
    } catch (IOException e) {
      // Show what was written before the damage, without closing the document.
      try {
        if (writer instanceof XmlWriter x) {
          x.flush();
        } else if (writer instanceof HumanReadableWriter h) {
          h.flush();
        }
      } catch (IOException ignored) {
        // The original error matters more.
      }
      throw e;
    }
  }

  private SuperblockInfo overridden(SuperblockInfo i) {
    long trans = i.transaction();
    if (transactionId != null) {
      trans = Math.max(trans, transactionId);
    }
    long dbs = dataBlockSize != null ? dataBlockSize : i.dataBlockSize();
    long nr = i.nrDataBlocks();
    if (nrDataBlocks != null) {
      nr = Math.max(nr, nrDataBlocks);
    }
    return new SuperblockInfo(
        i.uuid(), i.time(), trans, i.flags(), i.version(), dbs, nr, i.metadataSnap());
  }
}
