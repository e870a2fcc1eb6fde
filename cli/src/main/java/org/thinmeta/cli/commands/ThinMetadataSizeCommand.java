package org.thinmeta.cli.commands;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.thinmeta.cli.support.ArgsPreprocessor;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.thin.inspect.MetadataSize;
import org.thinmeta.thin.inspect.SizeUnit;
import org.thinmeta.thin.inspect.StorageSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** thin_metadata_size: estimates the metadata device size for a pool (1.3.3 formula, output). */
@Command(
    name = "thin_metadata_size",
    header = "Estimate the size of the metadata device needed for a given configuration.",
    customSynopsis =
        "thin_metadata_size [OPTIONS] --block-size <SIZE[bskmg]> --pool-size <SIZE[bskmgtp]>"
            + " --max-thins <NUM>",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinMetadataSizeCommand extends ToolCommand implements ArgsPreprocessor {
  /** What {@code -n} asks for. */
  public enum Numeric {
    /** Value and unit name: {@code 1064 sectors}. */
    full,
    /** Value only. */
    plain,
    /** Value and unit letter: {@code 1064s}. */
    short_,
    /** Value and unit name without a space: {@code 1064sectors}. */
    long_
  }

  @Option(
      names = {"-b", "--block-size"},
      paramLabel = "SIZE[bskmg]",
      required = true,
      converter = SizeConverter.class,
      description = "Specify the data block size")
  StorageSize blockSize;

  @Option(
      names = {"-s", "--pool-size"},
      paramLabel = "SIZE[bskmgtp]",
      required = true,
      converter = SizeConverter.class,
      description = "Specify the size of pool device")
  StorageSize poolSize;

  @Option(
      names = {"-m", "--max-thins"},
      paramLabel = "NUM",
      required = true,
      converter = U64Converter.class,
      description = "Maximum number of thin devices and snapshots")
  Long maxThins;

  @Option(
      names = {"-u", "--unit"},
      paramLabel = "UNIT",
      converter = UnitConverter.class,
      description = "Specify the output unit in {bskKmMgG} (default: sector)")
  SizeUnit unit = SizeUnit.SECTOR;

  @Option(
      names = {"-n", "--numeric-only"},
      arity = "0..1",
      paramLabel = "OPT",
      fallbackValue = "plain",
      converter = NumericConverter.class,
      description = "Output numeric value only (=short: with the unit letter, =long: unit name)")
  Numeric numeric = Numeric.full;

  @Override
  public String[] preprocess(String[] args) {
    List<String> out = new ArrayList<>();
    boolean options = true;
    for (String a : args) {
      if (options && a.equals("--")) {
        options = false;
        out.add(a);
      } else if (options && (a.equals("-n") || a.equals("--numeric-only"))) {
        // The value is only taken with '=': a bare -n must not swallow the next argument.
        out.add("--numeric-only=plain");
      } else if (options && a.startsWith("-n=")) {
        out.add("--numeric-only=" + a.substring(3));
      } else {
        out.add(a);
      }
    }
    return out.toArray(new String[0]);
  }

  @Override
  protected int run() throws Exception {
    long bytes;
    try {
      bytes = MetadataSize.estimateBytes(blockSize.bytes(), poolSize.bytes(), maxThins);
    } catch (IllegalArgumentException e) {
      throw new ToolException(e.getMessage());
    }
    double v = (double) bytes / (double) unit.bytes();
    String text = MetadataSize.formatValue(v);
    String line =
        switch (numeric) {
          case full -> text + " " + unit.longName() + "s";
          case plain -> text;
          case short_ -> text + unit.letter();
          case long_ -> text + unit.longName() + "s";
        };
    PrintStream ps = new PrintStream(ctx.out(), false, StandardCharsets.UTF_8);
    ps.print(line + "\n");
    ps.flush();
    return ExitStatus.OK;
  }

  /** Parses SIZE arguments. */
  static final class SizeConverter implements ITypeConverter<StorageSize> {
    @Override
    public StorageSize convert(String value) {
      try {
        return StorageSize.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses unsigned 64-bit numbers. */
  static final class U64Converter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new TypeConversionException("invalid digit found in string");
      }
      try {
        return Long.parseUnsignedLong(value);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("number too large to fit in target type");
      }
    }
  }

  /** Parses output units. */
  static final class UnitConverter implements ITypeConverter<SizeUnit> {
    @Override
    public SizeUnit convert(String value) {
      return SizeUnit.parse(value)
          .orElseThrow(() -> new TypeConversionException("Invalid unit specifier"));
    }
  }

  /** Parses the -n value. */
  static final class NumericConverter implements ITypeConverter<Numeric> {
    @Override
    public Numeric convert(String value) {
      return switch (value) {
        case "plain" -> Numeric.plain;
        case "short" -> Numeric.short_;
        case "long" -> Numeric.long_;
        default -> throw new TypeConversionException("'" + value + "' is not one of short, long");
      };
    }
  }
}
