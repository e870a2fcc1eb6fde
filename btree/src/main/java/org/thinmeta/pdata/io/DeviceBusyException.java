package org.thinmeta.pdata.io;

import java.nio.file.FileSystemException;

/**
 * A block device that the kernel holds (an active pool claims its metadata device) was to be opened
 * exclusively: what {@code open(O_EXCL)} reports as EBUSY.
 */
public final class DeviceBusyException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /** The exception for the device at {@code path}. */
  public DeviceBusyException(String path) {
    super(path, null, "Device or resource busy");
  }
}
