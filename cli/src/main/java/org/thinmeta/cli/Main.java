package org.thinmeta.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.util.Arrays;
import org.thinmeta.cli.support.ArgsPreprocessor;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolContext;
import picocli.CommandLine;

/**
 * Entry point of the multi-call launcher: {@code thinmeta TOOL [ARGS]}. The {@code thin_*} launcher
 * links pass their own name as TOOL. Without a tool, lists the tools.
 */
public final class Main {
  private Main() {}

  /** Runs a tool and exits with its status. */
  public static void main(String[] args) {
    OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
    PrintStream err =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int status =
        run(
            args,
            new ToolContext(
                out, err, System.in, FileSystems.getDefault(), System.console() != null));
    try {
      out.flush();
    } catch (java.io.IOException e) {
      // Output closed (broken pipe): nothing more to say.
    }
    err.flush();
    System.exit(status);
  }

  /** Runs {@code args} (tool name first) in {@code ctx} and returns the exit status. */
  public static int run(String[] args, ToolContext ctx) {
    if (args.length == 0) {
      PrintStream ps = new PrintStream(ctx.out(), true, StandardCharsets.UTF_8);
      ps.println("Usage: thinmeta TOOL [OPTIONS]");
      ps.println("Tools:");
      for (String name : Tools.names()) {
        ps.println("  " + name);
      }
      ps.flush();
      return ExitStatus.OK;
    }
    String name = args[0];
    int slash = name.lastIndexOf('/');
    if (slash >= 0) {
      name = name.substring(slash + 1);
    }
    if (name.equals("--cds-training")) {
      try {
        return CdsTraining.run();
      } catch (java.io.IOException e) {
        return ExitStatus.FAILURE;
      }
    }
    if (name.equals("-V") || name.equals("--version")) {
      PrintStream ps = new PrintStream(ctx.out(), true, StandardCharsets.UTF_8);
      ps.println(org.thinmeta.cli.support.Version.get());
      ps.flush();
      return ExitStatus.OK;
    }
    ToolCommand command = Tools.create(name);
    if (command == null) {
      ctx.err().println("Unknown tool '" + name + "'. Run thinmeta without arguments for a list.");
      return ExitStatus.USAGE;
    }
    command.setContext(ctx);
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (command instanceof ArgsPreprocessor p) {
      rest = p.preprocess(rest);
    }
    return execute(command, rest, ctx);
  }

  /** Parses and runs one command with picocli, exit codes as the reference. */
  static int execute(ToolCommand command, String[] args, ToolContext ctx) {
    CommandLine cl = new CommandLine(command);
    PrintWriter out = new PrintWriter(ctx.out(), true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(ctx.err(), true);
    cl.setOut(out);
    cl.setErr(err);
    cl.getCommandSpec().exitCodeOnInvalidInput(ExitStatus.USAGE);
    cl.getCommandSpec().exitCodeOnExecutionException(ExitStatus.FAILURE);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          CommandLine c = ex.getCommandLine();
          c.getErr().println(ex.getMessage());
          c.getErr().println("Try '" + c.getCommandName() + " --help' for more information.");
          c.getErr().flush();
          return ExitStatus.USAGE;
        });
    int status = cl.execute(args);
    out.flush();
    return status;
  }
}
