package org.thinmeta.thin.write;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.DeviceDetails;

/** Assertions that an image is consistent and holds what a {@link PoolModel} state says. */
public final class Expect {
  private Expect() {}

  /** Differences between what the image holds and {@code want} (empty if they agree). */
  static List<String> diff(Audit.Result r, PoolModel.State want) {
    List<String> out = new ArrayList<>();
    if (r.sb() == null) {
      out.add("no readable superblock");
      return out;
    }
    if (r.sb().time() != want.time()) {
      out.add("time " + r.sb().time() + " != " + want.time());
    }
    if (r.sb().transactionId() != want.transactionId()) {
      out.add("transaction " + r.sb().transactionId() + " != " + want.transactionId());
    }
    if (r.sb().flags() != want.flags()) {
      out.add("flags " + r.sb().flags() + " != " + want.flags());
    }
    out.addAll(diffDevices(r.devices(), want));
    return out;
  }

  static List<String> diffDevices(Map<Long, Audit.Dev> have, PoolModel.State want) {
    List<String> out = new ArrayList<>();
    if (!have.keySet().equals(want.devices().keySet())) {
      out.add("devices " + have.keySet() + " != " + want.devices().keySet());
      return out;
    }
    for (Map.Entry<Long, PoolModel.Device> e : want.devices().entrySet()) {
      Audit.Dev d = have.get(e.getKey());
      PoolModel.Device m = e.getValue();
      DeviceDetails wantDetails =
          new DeviceDetails(
              m.map().size(), m.transactionId(), m.creationTime(), m.snapshottedTime());
      if (!wantDetails.equals(d.details())) {
        out.add("device " + e.getKey() + " details " + d.details() + " != " + wantDetails);
      }
      if (!d.map().equals(m.map())) {
        out.add("device " + e.getKey() + " mappings differ: " + firstDifference(d, m));
      }
    }
    return out;
  }

  private static String firstDifference(Audit.Dev d, PoolModel.Device m) {
    for (Map.Entry<Long, PoolModel.Mapping> e : m.map().entrySet()) {
      PoolModel.Mapping h = d.map().get(e.getKey());
      if (!e.getValue().equals(h)) {
        return "vblock " + e.getKey() + " is " + h + ", expected " + e.getValue();
      }
    }
    for (Long k : d.map().keySet()) {
      if (!m.map().containsKey(k)) {
        return "vblock " + k + " is mapped, expected unmapped";
      }
    }
    return "?";
  }

  /** Audits {@code dev} and checks it against the committed model (and the held snapshot). */
  public static List<String> consistentWith(BlockDevice dev, PoolModel model)
      throws java.io.IOException {
    return consistentWith(Audit.run(dev), model.committed(), model.committedHeld());
  }

  /** Problems of an audited image plus its differences from a committed state and snapshot. */
  static List<String> consistentWith(
      Audit.Result r, PoolModel.State committed, PoolModel.State held) {
    List<String> out = new ArrayList<>(r.problems());
    out.addAll(diff(r, committed));
    if (held == null) {
      if (r.snap() != null) {
        out.add("unexpected metadata snapshot");
      }
    } else if (r.snap() == null) {
      out.add("metadata snapshot missing");
    } else {
      out.addAll(diffDevices(r.snapDevices(), held));
    }
    return out;
  }
}
