package org.thinmeta.pdata.damage;

import java.io.IOException;

/** Thrown by strict readers when metadata is damaged; carries the damage found. */
public final class CorruptMetadataException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The damage, or null when only a message is known. */
  private final transient Damage damage;

  /** Creates an exception for {@code damage}. */
  public CorruptMetadataException(Damage damage) {
    super(damage.describe());
    this.damage = damage;
  }

  /** Creates an exception for {@code damage} whose message puts {@code context} first. */
  public CorruptMetadataException(String context, Damage damage) {
    super(context + ": " + damage.describe());
    this.damage = damage;
  }

  /** Creates an exception with a message only. */
  public CorruptMetadataException(String message) {
    super(message);
    this.damage = null;
  }

  /** The damage found, or null. */
  public Damage damage() {
    return damage;
  }
}
