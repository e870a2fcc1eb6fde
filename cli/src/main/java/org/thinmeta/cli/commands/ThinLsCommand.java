package org.thinmeta.cli.commands;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.inspect.LsField;
import org.thinmeta.thin.inspect.MappingUsage;
import org.thinmeta.thin.inspect.TextTable;
import org.thinmeta.thin.read.MetadataReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** thin_ls: lists the thin devices of a pool with mapped, exclusive and shared counts. */
@Command(
    name = "thin_ls",
    header = "List thin volumes within a pool",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinLsCommand extends ToolCommand {
  @Parameters(index = "0", paramLabel = "INPUT", description = "Metadata device or file.")
  String input;

  @Option(
      names = {"-o", "--format"},
      paramLabel = "FIELDS",
      converter = FieldsConverter.class,
      description =
          "Comma-separated columns (default DEV,MAPPED,CREATE_TIME,SNAP_TIME): DEV,"
              + " {MAPPED,EXCLUSIVE,SHARED}[_BLOCKS|_SECTORS|_BYTES], HIGHEST_MAPPED,"
              + " HIGHEST_{BLOCK,SECTOR,BYTE}, TRANSACTION, CREATE_TIME, SNAP_TIME.")
  List<LsField> fields = LsField.DEFAULT;

  @Option(names = "--no-headers", description = "Don't print the header line.")
  boolean noHeaders;

  @Option(
      names = {"-m", "--metadata-snap"},
      description = "List the devices of the metadata snapshot.")
  boolean metadataSnap;

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Option(names = "-v", hidden = true)
  boolean[] verbose;

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    InputChecks.checkMetadataInput(in, false);
    try (FileBlockDevice dev =
        FileBlockDevice.open(in, FileBlockDevice.Mode.READ_ONLY, !metadataSnap)) {
      Superblock live = MetadataReader.readSuperblock(dev);
      Superblock sb = metadataSnap ? MetadataReader.readSnapshotSuperblock(dev, live) : live;
      long limit = MetadataReader.metadataLimit(dev, live);
      SortedMap<Long, DeviceDetails> details =
          MetadataReader.readDetails(dev, limit, sb.detailsRoot());
      SortedMap<Long, Long> roots = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
      if (!details.keySet().equals(roots.keySet())) {
        throw new ToolException("inconsistent device ids");
      }
      Map<Long, MappingUsage.Usage> usage = new LinkedHashMap<>();
      if (fields.stream().anyMatch(LsField::counting)) {
        if (!ctx.stderrIsTerminal()) {
          ctx.err().println("Scanning data mappings");
          ctx.err().flush();
        }
        int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
        try {
          usage = MappingUsage.count(dev, limit, roots, threads);
        } catch (CorruptMetadataException e) {
          throw new ToolException("metadata contains errors");
        }
      }
      TextTable table = new TextTable(fields.size());
      if (!noHeaders) {
        table.add(fields.stream().map(LsField::name).toArray(String[]::new));
      }
      MappingUsage.Usage none = new MappingUsage.Usage(0, 0, 0);
      for (Map.Entry<Long, DeviceDetails> e : details.entrySet()) {
        long id = e.getKey();
        MappingUsage.Usage u = usage.getOrDefault(id, none);
        table.add(
            fields.stream()
                .map(f -> f.cell(id, e.getValue(), u, sb.dataBlockSize()))
                .toArray(String[]::new));
      }
      ctx.out().write(table.render().getBytes(StandardCharsets.US_ASCII));
      ctx.out().flush();
    }
    return ExitStatus.OK;
  }

  /** Parses the -o list. */
  static final class FieldsConverter implements ITypeConverter<List<LsField>> {
    @Override
    public List<LsField> convert(String value) {
      try {
        return LsField.parseList(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
