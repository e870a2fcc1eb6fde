package org.thinmeta.cli.support;

/** Implemented by commands whose reference syntax picocli cannot parse as is. */
public interface ArgsPreprocessor {
  /** Rewrites the arguments before parsing. */
  String[] preprocess(String[] args);
}
