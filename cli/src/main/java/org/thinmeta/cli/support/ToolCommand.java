package org.thinmeta.cli.support;

import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Base of every tool command: runs {@link #run}, and turns any failure into one line on stderr and
 * an exit status. A closed output pipe ends the run silently; no stack trace is ever printed
 * (unless {@code THINMETA_DEBUG} is set in the environment).
 */
public abstract class ToolCommand implements Callable<Integer> {
  /** Set by the dispatcher before {@link #call}. */
  protected ToolContext ctx;

  /** Gives the command its context. */
  public final void setContext(ToolContext ctx) {
    this.ctx = ctx;
  }

  /** Does the work and returns the exit status. */
  protected abstract int run() throws Exception;

  /** True if messages must not be printed ({@code -q}). */
  protected boolean quiet() {
    return false;
  }

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (ToolException e) {
      error(e.getMessage());
      return e.status();
    } catch (IOException e) {
      if (Messages.isBrokenPipe(e)) {
        return ExitStatus.FAILURE;
      }
      error(Messages.of(e));
      return ExitStatus.FAILURE;
    } catch (OutOfMemoryError e) {
      error("out of memory (raise the Java heap with JAVA_OPTS=-Xmx...)");
      return ExitStatus.FAILURE;
    } catch (Exception | StackOverflowError e) {
      if (System.getenv("THINMETA_DEBUG") != null) {
        e.printStackTrace(ctx.err());
      }
      error("internal error: " + Messages.of(e));
      return ExitStatus.FAILURE;
    }
  }

  /** Prints one message line on stderr unless quiet. */
  protected final void error(String message) {
    if (!quiet()) {
      ctx.err().println(message);
      ctx.err().flush();
    }
  }

  /** Prints one message line on stderr unless quiet (same channel as errors). */
  protected final void warn(String message) {
    error(message);
  }
}
