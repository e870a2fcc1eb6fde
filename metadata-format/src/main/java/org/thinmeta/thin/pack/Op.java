package org.thinmeta.thin.pack;

/**
 * Instruction tags of the block encoding (format doc §10.7). An instruction byte is {@code (tag <<
 * 4) | nibble}.
 */
final class Op {
  /** base = operand (nibble = width); emit base. */
  static final int SET = 0;

  /** base += nibble; emit base. */
  static final int POS = 1;

  /** base += operand (nibble = width); emit base. */
  static final int POSW = 2;

  /** base -= nibble; emit base. */
  static final int NEG = 3;

  /** base -= operand (nibble = width); emit base. */
  static final int NEGW = 4;

  /** Emit base nibble times. */
  static final int CONST = 5;

  /** Emit base (nibble &lt;&lt; 8 | next byte) times. */
  static final int CONST8 = 6;

  /** Repeat the next instruction nibble times. */
  static final int COUNT = 7;

  /** Repeat the next instruction (nibble &lt;&lt; 8 | next byte) times. */
  static final int COUNT8 = 8;

  /** Copy nibble raw bytes. */
  static final int LIT = 9;

  /** Copy n raw bytes, n an operand of width nibble. */
  static final int LITW = 10;

  /** A run of (hi &lt;&lt; 24 | lo) values: both halves encoded as u64 sequences. */
  static final int SHIFTED = 11;

  /** Largest count a nibble holds plus one. */
  static final int NIBBLE_LIMIT = 16;

  /** Largest count a 12-bit operand holds plus one. */
  static final int COUNT12_LIMIT = 4096;

  private Op() {}

  /** The smallest of 1, 2, 4, 8 bytes that holds {@code v} (unsigned). */
  static int width(long v) {
    if ((v & ~0xFFL) == 0) {
      return 1;
    }
    if ((v & ~0xFFFFL) == 0) {
      return 2;
    }
    if ((v & ~0xFFFF_FFFFL) == 0) {
      return 4;
    }
    return 8;
  }
}
