package org.thinmeta.pdata.checksum;

/** Kinds of checksummed metadata block, each with the salt XORed into its CRC32C. */
public enum BlockKind {
  /** The thin superblock (and the metadata-snapshot copy). */
  THIN_SUPERBLOCK(160774),
  /** A btree node. */
  NODE(121107),
  /** A space-map bitmap. */
  BITMAP(240779),
  /** The metadata space map's index block. */
  INDEX(160478),
  /** A cache-target superblock (recognised only). */
  CACHE_SUPERBLOCK(9031977),
  /** An era-target superblock (recognised only). */
  ERA_SUPERBLOCK(146538381),
  /** An array block (recognised only). */
  ARRAY(595846735),
  /** No known checksum matches: garbage or damage. */
  UNKNOWN(0);

  private final int salt;

  BlockKind(int salt) {
    this.salt = salt;
  }

  /** The XOR constant of this kind. */
  public int salt() {
    return salt;
  }
}
