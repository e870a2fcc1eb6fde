package org.thinmeta.cli.commands;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** thin_check: validates metadata; exit 0 if it is sound, 64 if not, 2 on bad arguments. */
@Command(
    name = "thin_check",
    header = "Validates thin provisioning metadata on a device or file.",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinCheckCommand extends ToolCommand {
  @Parameters(index = "0", paramLabel = "INPUT", description = "Metadata device or file.")
  String input;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print nothing; the exit status tells the result.")
  boolean quietFlag;

  @Option(names = "--super-block-only", description = "Only check the superblock.")
  boolean superBlockOnly;

  @Option(
      names = "--skip-mappings",
      description = "Do not check the bottom-level mapping trees and the space maps.")
  boolean skipMappings;

  @Option(
      names = "--ignore-non-fatal-errors",
      description = "Succeed despite leaks, underfull nodes and other non-fatal problems.")
  boolean ignoreNonFatal;

  @Option(
      names = {"-m", "--metadata-snap"},
      description = "Check the metadata snapshot instead of the live metadata.")
  boolean metadataSnap;

  @Option(
      names = "--override-mapping-root",
      paramLabel = "BLOCKNR",
      description = "Use this top-level mapping root instead of the superblock's.")
  Long overrideMappingRoot;

  @Option(
      names = "--override-details-root",
      paramLabel = "BLOCKNR",
      description = "Use this device-details root instead of the superblock's.")
  Long overrideDetailsRoot;

  @Option(
      names = "--clear-needs-check-flag",
      description = "Clear the needs_check flag if the metadata is sound.")
  boolean clearNeedsCheck;

  @Option(names = "--auto-repair", description = "Repair leaks, then clear the needs_check flag.")
  boolean autoRepair;

  /** Output formats. */
  public enum Format {
    text,
    json
  }

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "Output: text (default) or json (one JSON document on stdout: verdict, superblock"
              + " facts, every problem with its kind, block, device and severity).")
  Format format = Format.text;

  @Option(names = "-v", hidden = true)
  boolean[] verbose = new boolean[0];

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    if (format != Format.json) {
      return check();
    }
    try {
      return check();
    } catch (ToolException e) {
      printJson(null, e.status(), e.getMessage());
      throw e;
    } catch (IOException e) {
      printJson(null, ExitStatus.FAILURE, org.thinmeta.cli.support.Messages.of(e));
      throw e;
    }
  }

  private int check() throws Exception {
    CheckOptions options = options();
    Path in = ctx.path(input);
    InputChecks.checkMetadataInput(in, true);
    FileBlockDevice.Mode mode =
        options.writes() ? FileBlockDevice.Mode.READ_WRITE : FileBlockDevice.Mode.READ_ONLY;
    CheckReport report;
    try (FileBlockDevice dev = FileBlockDevice.open(in, mode, !metadataSnap)) {
      try (org.thinmeta.pdata.io.BlockDevice tracked =
          org.thinmeta.cli.support.ProgressBlockDevice.track(
              ctx.device(dev),
              org.thinmeta.cli.support.ProgressReporter.of(ctx, quietFlag),
              "Checking thin metadata")) {
        report = new ThinChecker(tracked, new Printer()).check(options);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    int status = report.passed(ignoreNonFatal) ? ExitStatus.OK : ExitStatus.FAILURE;
    if (format == Format.json) {
      printJson(report, status, report.abortMessage());
    }
    return status;
  }

  /** Prints the JSON document of {@code --format json} on stdout. */
  private void printJson(CheckReport report, int status, String message) throws IOException {
    java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
    doc.put("tool", "thin_check");
    doc.put("version", Version.get());
    doc.put("input", input);
    String verdict =
        report == null
            ? "error"
            : switch (report.outcome()) {
              case CLEAN -> "clean";
              case NON_FATAL -> "non_fatal";
              case FATAL -> "fatal";
            };
    doc.put("verdict", verdict);
    doc.put("exit_status", status);
    doc.put("message", message);
    if (report != null) {
      doc.put("transaction_id", report.transactionId());
      doc.put("metadata_free_blocks", report.metadataFreeBlocks());
      doc.put("needs_check", report.needsCheck());
      doc.put("needs_check_cleared", report.needsCheckCleared());
      java.util.Map<String, Object> counts = new java.util.LinkedHashMap<>();
      report.counts().forEach((k, n) -> counts.put(k.name().toLowerCase(java.util.Locale.ROOT), n));
      doc.put("problem_counts", counts);
      java.util.List<Object> problems = new java.util.ArrayList<>();
      for (org.thinmeta.repair.check.Problem p : report.problems()) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        m.put("severity", p.isFatal() ? "fatal" : "non_fatal");
        m.put("block", p.block() < 0 ? null : p.block());
        m.put("device", p.devId() < 0 ? null : p.devId());
        m.put("message", p.message());
        problems.add(m);
      }
      doc.put("problems", problems);
    }
    OutputStream out = ctx.out();
    out.write((org.thinmeta.cli.support.Json.write(doc) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private CheckOptions options() throws ToolException {
    if ((clearNeedsCheck || autoRepair)
        && (metadataSnap || overrideMappingRoot != null || overrideDetailsRoot != null)) {
      throw new ToolException(
          "cannot perform repair outside the actual metadata", ExitStatus.USAGE);
    }
    if (autoRepair) {
      refuse(ignoreNonFatal, "--ignore-non-fatal-errors");
      refuse(superBlockOnly, "--super-block-only");
      refuse(skipMappings, "--skip-mappings");
    }
    return CheckOptions.builder()
        .superBlockOnly(superBlockOnly)
        .skipMappings(skipMappings)
        .ignoreNonFatal(ignoreNonFatal)
        .useMetadataSnap(metadataSnap)
        .overrideMappingRoot(overrideMappingRoot)
        .overrideDetailsRoot(overrideDetailsRoot)
        .clearNeedsCheck(clearNeedsCheck)
        .autoRepair(autoRepair)
        .build();
  }

  private static void refuse(boolean given, String other) throws ToolException {
    if (given) {
      throw new ToolException(
          "the argument '--auto-repair' cannot be used with '" + other + "'", ExitStatus.USAGE);
    }
  }

  /** Prints the check's output: values on stdout, messages on stderr, by verbosity. */
  private final class Printer implements CheckListener {
    @Override
    public void superblockInfo(long transactionId, long metadataFreeBlocks) {
      if (quietFlag || format == Format.json) {
        return;
      }
      OutputStream out = ctx.out();
      try {
        out.write(
            ("TRANSACTION_ID="
                    + Long.toUnsignedString(transactionId)
                    + "\nMETADATA_FREE_BLOCKS="
                    + Long.toUnsignedString(metadataFreeBlocks)
                    + "\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public boolean wants(Level level) {
      if (quietFlag) {
        return false;
      }
      return switch (level) {
        case INFO -> verbose.length >= 1;
        case DEBUG -> verbose.length >= 2;
        default -> true;
      };
    }

    @Override
    public void message(Level level, String text) {
      if (!wants(level)) {
        return;
      }
      PrintStream err = ctx.err();
      err.println(text);
      err.flush();
    }
  }
}
