package org.thinmeta.repair.check;

/**
 * What {@link ThinChecker} checks and may change (format doc §7.4).
 *
 * @param superBlockOnly stop after the superblock
 * @param skipMappings check the superblock, the details trees and the top-level mapping trees only
 * @param ignoreNonFatal skip the non-fatal node rules; leaks do not fail the check
 * @param useMetadataSnap check the trees of the metadata snapshot instead of the live ones
 * @param overrideMappingRoot top-level mapping root to use instead of the superblock's, or null
 * @param overrideDetailsRoot device-details root to use instead of the superblock's, or null
 * @param clearNeedsCheck clear NEEDS_CHECK after a successful check (needs a writable device)
 * @param autoRepair repair leaks and clear NEEDS_CHECK (needs a writable device)
 * @param threads worker threads for the mapping walk and space-map comparison (at least 1)
 */
public record CheckOptions(
    boolean superBlockOnly,
    boolean skipMappings,
    boolean ignoreNonFatal,
    boolean useMetadataSnap,
    Long overrideMappingRoot,
    Long overrideDetailsRoot,
    boolean clearNeedsCheck,
    boolean autoRepair,
    int threads) {

  /** A full read-only check. */
  public static final CheckOptions DEFAULT =
      new CheckOptions(false, false, false, false, null, null, false, false, defaultThreads());

  /** Validates combinations the reference refuses (format doc §7.2 step 4). */
  public CheckOptions {
    if (threads < 1) {
      throw new IllegalArgumentException("threads (" + threads + ") must be at least 1");
    }
    if ((clearNeedsCheck || autoRepair) && !actsOnLiveMetadata()) {
      throw new IllegalArgumentException("cannot perform repair outside the actual metadata");
    }
  }

  /** True unless the check looks at a snapshot or at overridden roots. */
  public boolean actsOnLiveMetadata() {
    return !useMetadataSnap && overrideMappingRoot == null && overrideDetailsRoot == null;
  }

  /** True if the run may write to the device. */
  public boolean writes() {
    return clearNeedsCheck || autoRepair;
  }

  /** Threads to use on this machine: one per core, at least two (I/O waits overlap). */
  public static int defaultThreads() {
    return Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
  }

  /** A builder starting from the defaults of a full read-only check. */
  public static Builder builder() {
    return new Builder();
  }

  /** Mutable builder of {@link CheckOptions}. */
  public static final class Builder {
    private boolean superBlockOnly;
    private boolean skipMappings;
    private boolean ignoreNonFatal;
    private boolean useMetadataSnap;
    private Long overrideMappingRoot;
    private Long overrideDetailsRoot;
    private boolean clearNeedsCheck;
    private boolean autoRepair;
    private int threads = defaultThreads();

    /** Sets {@code --super-block-only}. */
    public Builder superBlockOnly(boolean v) {
      superBlockOnly = v;
      return this;
    }

    /** Sets {@code --skip-mappings}. */
    public Builder skipMappings(boolean v) {
      skipMappings = v;
      return this;
    }

    /** Sets {@code --ignore-non-fatal-errors}. */
    public Builder ignoreNonFatal(boolean v) {
      ignoreNonFatal = v;
      return this;
    }

    /** Sets {@code -m}. */
    public Builder useMetadataSnap(boolean v) {
      useMetadataSnap = v;
      return this;
    }

    /** Sets {@code --override-mapping-root}. */
    public Builder overrideMappingRoot(Long v) {
      overrideMappingRoot = v;
      return this;
    }

    /** Sets {@code --override-details-root}. */
    public Builder overrideDetailsRoot(Long v) {
      overrideDetailsRoot = v;
      return this;
    }

    /** Sets {@code --clear-needs-check-flag}. */
    public Builder clearNeedsCheck(boolean v) {
      clearNeedsCheck = v;
      return this;
    }

    /** Sets {@code --auto-repair}. */
    public Builder autoRepair(boolean v) {
      autoRepair = v;
      return this;
    }

    /** Sets the number of worker threads. */
    public Builder threads(int v) {
      threads = v;
      return this;
    }

    /** The options. */
    public CheckOptions build() {
      return new CheckOptions(
          superBlockOnly,
          skipMappings,
          ignoreNonFatal,
          useMetadataSnap,
          overrideMappingRoot,
          overrideDetailsRoot,
          clearNeedsCheck,
          autoRepair,
          threads);
    }
  }
}
