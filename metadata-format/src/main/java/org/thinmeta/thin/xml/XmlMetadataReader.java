package org.thinmeta.thin.xml;

import com.fasterxml.aalto.stax.InputFactoryImpl;
import java.io.IOException;
import java.io.InputStream;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.codehaus.stax2.XMLStreamReader2;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.InvalidInputException;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;

/**
 * Streams thin_dump XML into a {@link MetadataVisitor} (format doc §8.1, §8.9): the 0.9.0 grammar
 * ({@code superblock > device > single_mapping | range_mapping}) and the 1.3.3 one, which adds
 * {@code <def name>} before the devices and {@code <ref name>} inside them. Memory does not grow
 * with the number of mappings.
 *
 * <p>Strict: unknown elements and attributes, missing attributes, numbers that are not unsigned
 * decimals or do not fit their field, text, CDATA, processing instructions and DOCTYPE declarations
 * are errors. DTDs and external entities are disabled, so entity-expansion and external-entity
 * attacks cannot happen. Every error is one {@link InvalidInputException} line ending with the line
 * and column where it was found; errors the visitor throws as {@link InvalidInputException} get the
 * position too.
 */
public final class XmlMetadataReader {
  private static final long U32 = 0xFFFFFFFFL;
  private static final long U64 = -1L;

  private enum Context {
    TOP,
    SUPERBLOCK,
    DEVICE,
    DEF,
    EMPTY,
    DONE
  }

  private final XMLStreamReader r;
  private final XMLStreamReader2 typed;
  private final MetadataVisitor out;
  private Context context = Context.TOP;
  private Context emptyParent;
  private String emptyTag;

  private XmlMetadataReader(XMLStreamReader r, MetadataVisitor out) {
    this.r = r;
    this.typed = r instanceof XMLStreamReader2 t ? t : null;
    this.out = out;
  }

  /**
   * A StAX factory (Aalto, about twice as fast as the JDK's) with DTDs, external entities and
   * namespaces switched off.
   */
  public static XMLInputFactory secureFactory() {
    XMLInputFactory f = new InputFactoryImpl();
    f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, false);
    f.setProperty(XMLInputFactory.IS_COALESCING, false);
    for (String p :
        new String[] {XMLConstants.ACCESS_EXTERNAL_DTD, XMLConstants.ACCESS_EXTERNAL_SCHEMA}) {
      if (f.isPropertySupported(p)) {
        f.setProperty(p, "");
      }
    }
    f.setXMLResolver(
        (publicId, systemId, base, ns) -> {
          throw new XMLStreamException("external entities are not allowed");
        });
    return f;
  }

  /**
   * Reads the whole document from {@code in} and sends it to {@code out}.
   *
   * @throws InvalidInputException if the XML is malformed or not thin metadata
   * @throws IOException if reading or the visitor fails
   */
  public static void read(InputStream in, MetadataVisitor out) throws IOException {
    XMLStreamReader r;
    try {
      r = secureFactory().createXMLStreamReader(in);
    } catch (XMLStreamException e) {
      throw new InvalidInputException("XML parse error: " + detail(e));
    }
    XmlMetadataReader reader = new XmlMetadataReader(r, out);
    try {
      reader.run();
    } catch (XMLStreamException e) {
      throw parseError(e, r);
    } catch (RuntimeException e) {
      // Aalto wraps parse errors met in accessors (isWhiteSpace, getText) as unchecked ones.
      if (e.getCause() instanceof XMLStreamException x) {
        throw parseError(x, r);
      }
      throw e;
    } catch (InvalidInputException e) {
      if (e instanceof Positioned) {
        throw e;
      }
      throw new Positioned(e.getMessage() + at(r.getLocation()));
    } finally {
      try {
        r.close();
      } catch (XMLStreamException e) {
        // Nothing more to say about input we are done with.
      }
    }
  }

  private static InvalidInputException parseError(XMLStreamException e, XMLStreamReader r) {
    Location l = e.getLocation() != null ? e.getLocation() : r.getLocation();
    return new Positioned("XML parse error" + at(l) + ": " + detail(e));
  }

  /** An error that already names its position. */
  private static final class Positioned extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    Positioned(String message) {
      super(message);
    }
  }

  private static String at(Location l) {
    if (l == null || l.getLineNumber() < 0) {
      return "";
    }
    return " at line " + l.getLineNumber() + ", column " + l.getColumnNumber();
  }

  private static String detail(XMLStreamException e) {
    String m = e.getMessage();
    if (m == null) {
      return "malformed XML";
    }
    int i = m.indexOf("Message: ");
    if (i >= 0) {
      m = m.substring(i + "Message: ".length());
    }
    int loc = m.indexOf("\n at [row,col");
    if (loc >= 0) {
      m = m.substring(0, loc);
    }
    return m.replace('\n', ' ').trim();
  }

  private void run() throws XMLStreamException, IOException {
    while (r.hasNext()) {
      int ev = r.next();
      switch (ev) {
        case XMLStreamConstants.START_ELEMENT -> start(r.getLocalName());
        case XMLStreamConstants.END_ELEMENT -> end(r.getLocalName());
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.SPACE -> {
          if (!r.isWhiteSpace()) {
            throw new InvalidInputException("unexpected text '" + snippet(r.getText()) + "'");
          }
        }
        case XMLStreamConstants.COMMENT, XMLStreamConstants.START_DOCUMENT -> {}
        case XMLStreamConstants.END_DOCUMENT -> {
          if (context != Context.DONE) {
            throw new InvalidInputException("incomplete source metadata: no <superblock>");
          }
        }
        case XMLStreamConstants.DTD ->
            throw new InvalidInputException("DOCTYPE declarations are not allowed");
        case XMLStreamConstants.CDATA ->
            throw new InvalidInputException("CDATA sections are not allowed");
        case XMLStreamConstants.PROCESSING_INSTRUCTION ->
            throw new InvalidInputException("processing instructions are not allowed");
        case XMLStreamConstants.ENTITY_REFERENCE ->
            throw new InvalidInputException(
                "entity reference '&" + r.getLocalName() + ";' is not allowed");
        default -> throw new InvalidInputException("unsupported XML construct (event " + ev + ")");
      }
    }
    if (context != Context.DONE) {
      throw new InvalidInputException("incomplete source metadata: no </superblock>");
    }
  }

  private static String snippet(String s) {
    String t = s.strip();
    return t.length() > 20 ? t.substring(0, 20) + "..." : t;
  }

  private void start(String tag) throws IOException {
    switch (tag) {
      case "single_mapping" -> {
        inMappingContainer(tag);
        singleMapping();
        enterEmpty(tag);
      }
      case "range_mapping" -> {
        inMappingContainer(tag);
        rangeMapping();
        enterEmpty(tag);
      }
      case "device" -> {
        inside(tag, Context.SUPERBLOCK);
        device();
        context = Context.DEVICE;
      }
      case "def" -> {
        inside(tag, Context.SUPERBLOCK);
        out.defBegin(nameAttribute(tag));
        context = Context.DEF;
      }
      case "ref" -> {
        if (context != Context.DEVICE) {
          throw new InvalidInputException("<ref> is only allowed inside <device>" + where());
        }
        out.ref(nameAttribute(tag));
        enterEmpty(tag);
      }
      case "superblock" -> {
        if (context == Context.DONE) {
          throw new InvalidInputException("duplicated superblock");
        }
        if (context != Context.TOP) {
          throw new InvalidInputException("<superblock> is not allowed" + where());
        }
        superblock();
        context = Context.SUPERBLOCK;
      }
      default -> throw new InvalidInputException("unknown tag <" + tag + ">" + where());
    }
  }

  private String where() {
    return switch (context) {
      case TOP, DONE -> " at top level";
      case SUPERBLOCK -> " inside <superblock>";
      case DEVICE -> " inside <device>";
      case DEF -> " inside <def>";
      case EMPTY -> " inside <" + emptyTag + ">";
    };
  }

  private void inside(String tag, Context required) throws InvalidInputException {
    if (context != required) {
      throw new InvalidInputException(
          "<" + tag + "> is not allowed" + where() + " (only inside <superblock>)");
    }
  }

  private void inMappingContainer(String tag) throws InvalidInputException {
    if (context != Context.DEVICE && context != Context.DEF) {
      throw new InvalidInputException(
          "<" + tag + "> is not allowed" + where() + " (only inside <device> or <def>)");
    }
  }

  private void enterEmpty(String tag) {
    emptyParent = context;
    emptyTag = tag;
    context = Context.EMPTY;
  }

  private void end(String tag) throws IOException {
    switch (context) {
      case EMPTY -> context = emptyParent;
      case DEVICE -> {
        out.deviceEnd();
        context = Context.SUPERBLOCK;
      }
      case DEF -> {
        out.defEnd();
        context = Context.SUPERBLOCK;
      }
      case SUPERBLOCK -> {
        out.superblockEnd();
        context = Context.DONE;
      }
      default -> throw new InvalidInputException("unexpected </" + tag + ">");
    }
  }

  // ---- elements ----

  private void superblock() throws IOException {
    String uuid = null;
    long time = 0;
    long transaction = 0;
    Long flags = null;
    Long version = null;
    long dataBlockSize = 0;
    long nrDataBlocks = 0;
    Long metadataSnap = null;
    int seen = 0;
    String tag = "superblock";
    for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
      String a = r.getAttributeLocalName(i);
      String v = r.getAttributeValue(i);
      switch (a) {
        case "uuid" -> {
          uuid = v;
          seen |= 1;
        }
        case "time" -> {
          time = number(v, U32, a, tag);
          seen |= 2;
        }
        case "transaction" -> {
          transaction = number(v, U64, a, tag);
          seen |= 4;
        }
        case "data_block_size" -> {
          dataBlockSize = number(v, U32, a, tag);
          seen |= 8;
        }
        case "nr_data_blocks" -> {
          nrDataBlocks = number(v, U64, a, tag);
          seen |= 16;
        }
        case "flags" -> flags = number(v, U32, a, tag);
        case "version" -> version = number(v, U32, a, tag);
        case "metadata_snap" -> metadataSnap = number(v, U64, a, tag);
        default -> throw unknownAttribute(a, tag);
      }
    }
    require(
        seen,
        tag,
        new String[] {"uuid", "time", "transaction", "data_block_size", "nr_data_blocks"});
    out.superblockBegin(
        new SuperblockInfo(
            uuid, time, transaction, flags, version, dataBlockSize, nrDataBlocks, metadataSnap));
  }

  private void device() throws IOException {
    long devId = 0;
    long mapped = 0;
    long transaction = 0;
    long creation = 0;
    long snap = 0;
    int seen = 0;
    String tag = "device";
    for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
      String a = r.getAttributeLocalName(i);
      switch (a) {
        case "dev_id" -> {
          devId = number(i, U32, a, tag);
          seen |= 1;
        }
        case "mapped_blocks" -> {
          mapped = number(i, U64, a, tag);
          seen |= 2;
        }
        case "transaction" -> {
          transaction = number(i, U64, a, tag);
          seen |= 4;
        }
        case "creation_time" -> {
          creation = number(i, U32, a, tag);
          seen |= 8;
        }
        case "snap_time" -> {
          snap = number(i, U32, a, tag);
          seen |= 16;
        }
        default -> throw unknownAttribute(a, tag);
      }
    }
    require(
        seen,
        tag,
        new String[] {"dev_id", "mapped_blocks", "transaction", "creation_time", "snap_time"});
    out.deviceBegin(new DeviceInfo(devId, mapped, transaction, creation, snap));
  }

  private void singleMapping() throws IOException {
    long origin = 0;
    long data = 0;
    long time = 0;
    int seen = 0;
    String tag = "single_mapping";
    for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
      String a = r.getAttributeLocalName(i);
      switch (a) {
        case "origin_block" -> {
          origin = number(i, U64, a, tag);
          seen |= 1;
        }
        case "data_block" -> {
          data = number(i, U64, a, tag);
          seen |= 2;
        }
        case "time" -> {
          time = number(i, U32, a, tag);
          seen |= 4;
        }
        default -> throw unknownAttribute(a, tag);
      }
    }
    if (seen != 7) {
      require(seen, tag, new String[] {"origin_block", "data_block", "time"});
    }
    out.map(origin, data, 1, time);
  }

  private void rangeMapping() throws IOException {
    long origin = 0;
    long data = 0;
    long length = 0;
    long time = 0;
    int seen = 0;
    String tag = "range_mapping";
    for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
      String a = r.getAttributeLocalName(i);
      switch (a) {
        case "origin_begin" -> {
          origin = number(i, U64, a, tag);
          seen |= 1;
        }
        case "data_begin" -> {
          data = number(i, U64, a, tag);
          seen |= 2;
        }
        case "length" -> {
          length = number(i, U64, a, tag);
          seen |= 4;
        }
        case "time" -> {
          time = number(i, U32, a, tag);
          seen |= 8;
        }
        default -> throw unknownAttribute(a, tag);
      }
    }
    if (seen != 15) {
      require(seen, tag, new String[] {"origin_begin", "data_begin", "length", "time"});
    }
    if (length == 0) {
      throw new InvalidInputException("<range_mapping> with length 0");
    }
    if (Long.compareUnsigned(origin + length - 1, origin) < 0
        || Long.compareUnsigned(data + length - 1, data) < 0) {
      throw new InvalidInputException("<range_mapping> runs past the largest block number");
    }
    out.map(origin, data, length, time);
  }

  private String nameAttribute(String tag) throws InvalidInputException {
    String name = null;
    for (int i = 0, n = r.getAttributeCount(); i < n; i++) {
      String a = r.getAttributeLocalName(i);
      if (a.equals("name")) {
        name = r.getAttributeValue(i);
      } else {
        throw unknownAttribute(a, tag);
      }
    }
    if (name == null) {
      throw new InvalidInputException("missing attribute 'name' in <" + tag + ">");
    }
    return name;
  }

  private static void require(int seen, String tag, String[] names) throws InvalidInputException {
    for (int i = 0; i < names.length; i++) {
      if ((seen & (1 << i)) == 0) {
        throw new InvalidInputException("missing attribute '" + names[i] + "' in <" + tag + ">");
      }
    }
  }

  private static InvalidInputException unknownAttribute(String a, String tag) {
    return new InvalidInputException("unknown attribute '" + a + "' in <" + tag + ">");
  }

  /**
   * Attribute {@code i} as an unsigned number no larger than {@code max}: through the parser's
   * typed access when it gives a value in range (no string is made), else through {@link
   * #number(String, long, String, String)}, which also words every error.
   */
  private long number(int i, long max, String attribute, String tag) throws InvalidInputException {
    if (typed != null) {
      try {
        long x = typed.getAttributeAsLong(i);
        if (x >= 0 && Long.compareUnsigned(x, max) <= 0) {
          return x;
        }
      } catch (XMLStreamException | RuntimeException e) {
        // Not a plain signed long: let the exact parser say why (or take a u64 above 2^63).
      }
    }
    return number(r.getAttributeValue(i), max, attribute, tag);
  }

  /**
   * Parses an unsigned decimal no larger than {@code max} (compared unsigned; -1 = 2^64 - 1). Only
   * digits are accepted: no sign, no spaces, no hex.
   */
  static long number(String v, long max, String attribute, String tag)
      throws InvalidInputException {
    int len = v.length();
    if (len == 0 || len > 40) {
      throw notANumber(v, attribute, tag);
    }
    long x = 0;
    boolean overflow = false;
    for (int i = 0; i < len; i++) {
      int d = v.charAt(i) - '0';
      if (d < 0 || d > 9) {
        throw notANumber(v, attribute, tag);
      }
      if (!overflow) {
        long hi = Math.multiplyHigh(x, 10) + ((x >> 63) & 10);
        long lo = x * 10;
        long sum = lo + d;
        if (hi != 0 || Long.compareUnsigned(sum, lo) < 0) {
          overflow = true;
        } else {
          x = sum;
        }
      }
    }
    if (overflow || Long.compareUnsigned(x, max) > 0) {
      throw new InvalidInputException(
          "value "
              + v
              + " of attribute '"
              + attribute
              + "' in <"
              + tag
              + "> is out of range (maximum "
              + Long.toUnsignedString(max)
              + ")");
    }
    return x;
  }

  private static InvalidInputException notANumber(String v, String attribute, String tag) {
    return new InvalidInputException(
        "invalid value '"
            + snippet(v)
            + "' of attribute '"
            + attribute
            + "' in <"
            + tag
            + ">: not an unsigned decimal number");
  }
}
