package org.thinmeta.repair.salvage;

/**
 * Keys that a damaged node was responsible for, and what salvage found for them.
 *
 * @param keys the keys (thin blocks, or device ids in the top-level and details trees)
 * @param block the damaged node's block
 * @param cause why the node could not be used
 */
public record Hole(Span keys, long block, String cause) {
  @Override
  public String toString() {
    return keys + " (" + cause + " at block " + Long.toUnsignedString(block) + ")";
  }
}
