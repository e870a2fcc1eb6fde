package org.thinmeta.pdata.damage;

import java.io.IOException;

/** Receives damage found by a walk; may throw to stop it. */
@FunctionalInterface
public interface DamageSink {
  /** Called once per piece of damage. */
  void report(Damage damage) throws IOException;
}
