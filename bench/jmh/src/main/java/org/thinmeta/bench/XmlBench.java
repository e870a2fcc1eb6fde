package org.thinmeta.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.SuperblockInfo;
import org.thinmeta.thin.xml.XmlWriter;

/**
 * thin_dump XML: writing a device of 100,000 mapping elements (half single, half range) with {@link
 * XmlWriter}, and parsing the same document with StAX as thin_restore does. Scores are per
 * document; divide by 100,000 for the cost of one element.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class XmlBench {
  private static final int ELEMENTS = 100_000;
  private static final SuperblockInfo SB =
      new SuperblockInfo("", 3, 7, 0L, 2L, 128, 1L << 24, null);

  private long[] thin;
  private long[] data;
  private long[] length;
  private byte[] document;
  private XMLInputFactory factory;

  /** Builds the events and the document. */
  @Setup
  public void setup() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    thin = new long[ELEMENTS];
    data = new long[ELEMENTS];
    length = new long[ELEMENTS];
    long v = 0;
    long d = 0;
    for (int i = 0; i < ELEMENTS; i++) {
      thin[i] = v;
      data[i] = d;
      length[i] = rnd.nextBoolean() ? 1 : 2 + rnd.nextInt(500);
      v += length[i] + 1 + rnd.nextInt(3);
      d += length[i] + rnd.nextInt(1000);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(ELEMENTS * 80);
    write(bytes);
    document = bytes.toByteArray();
    factory = XMLInputFactory.newInstance();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_COALESCING, false);
  }

  private void write(OutputStream out) throws IOException {
    XmlWriter w = new XmlWriter(out);
    w.superblockBegin(SB);
    w.deviceBegin(new DeviceInfo(0, ELEMENTS, 0, 0, 0));
    for (int i = 0; i < ELEMENTS; i++) {
      w.map(thin[i], data[i], length[i], i & 7);
    }
    w.deviceEnd();
    w.superblockEnd();
  }

  /** XmlWriter to a discarding stream: formatting and buffering only. */
  @Benchmark
  public void write() throws IOException {
    write(OutputStream.nullOutputStream());
  }

  /** StAX parse of the document reading every attribute as a number. */
  @Benchmark
  public long parseStax() throws XMLStreamException {
    XMLStreamReader r = factory.createXMLStreamReader(new ByteArrayInputStream(document));
    long sum = 0;
    while (r.hasNext()) {
      if (r.next() == XMLStreamConstants.START_ELEMENT) {
        int n = r.getAttributeCount();
        for (int i = 0; i < n; i++) {
          String s = r.getAttributeValue(i);
          if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            sum += Long.parseLong(s);
          }
        }
      }
    }
    r.close();
    return sum;
  }
}
