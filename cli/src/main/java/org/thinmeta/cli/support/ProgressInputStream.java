package org.thinmeta.cli.support;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.thinmeta.pdata.Progress;

/** An input stream that reports the bytes read to a {@link Progress} (restore reads its XML). */
public final class ProgressInputStream extends FilterInputStream {
  private final Progress progress;

  /** Wraps {@code in}; the phase must have been begun with the input's size as total. */
  public ProgressInputStream(InputStream in, Progress progress) {
    super(in);
    this.progress = progress;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      progress.advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, len);
    if (n > 0) {
      progress.advance(n);
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    progress.end();
    super.close();
  }
}
