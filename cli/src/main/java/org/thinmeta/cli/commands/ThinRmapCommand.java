package org.thinmeta.cli.commands;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.inspect.DataRegion;
import org.thinmeta.thin.inspect.ReverseMap;
import org.thinmeta.thin.read.MetadataReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** thin_rmap: lists which devices map the data blocks of given regions. */
@Command(
    name = "thin_rmap",
    header = "Output reverse map of a thin provisioned region of blocks",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinRmapCommand extends ToolCommand {
  @Parameters(index = "0", paramLabel = "INPUT", description = "Metadata device or file.")
  String input;

  @Option(
      names = "--region",
      paramLabel = "BLOCK_RANGE",
      required = true,
      converter = RegionConverter.class,
      description = "Data blocks BEGIN..END (END excluded: 5..45 is blocks 5 to 44); repeatable.")
  List<DataRegion> regions = new ArrayList<>();

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    InputChecks.checkMetadataInput(in, false);
    try (FileBlockDevice dev = FileBlockDevice.open(in, FileBlockDevice.Mode.READ_ONLY, true)) {
      Superblock sb = MetadataReader.readSuperblock(dev);
      long limit = MetadataReader.metadataLimit(dev, sb);
      SortedMap<Long, Long> roots = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
      int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
      ReverseMap map = ReverseMap.build(dev, limit, roots, regions, threads);
      map.writeTo(ctx.out());
      ctx.out().flush();
    }
    return ExitStatus.OK;
  }

  /** Parses {@code BEGIN..END}. */
  static final class RegionConverter implements ITypeConverter<DataRegion> {
    @Override
    public DataRegion convert(String value) {
      try {
        return DataRegion.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
