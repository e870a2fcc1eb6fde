package org.thinmeta.thin.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Run merging of format doc §8.4. */
class RunMergerTest {
  private final List<String> runs = new ArrayList<>();
  private final MetadataVisitor sink =
      new MetadataVisitor() {
        @Override
        public void superblockBegin(SuperblockInfo sb) {}

        @Override
        public void superblockEnd() {}

        @Override
        public void deviceBegin(DeviceInfo dev) {}

        @Override
        public void deviceEnd() {}

        @Override
        public void map(long thinBegin, long dataBegin, long length, long time) {
          runs.add(thinBegin + "->" + dataBegin + " x" + length + " t" + time);
        }
      };

  @Test
  void theSection86Example() throws Exception {
    RunMerger m = new RunMerger(sink);
    for (int i = 0; i < 4; i++) {
      m.add(i, i, 0);
    }
    m.add(10, 20, 0);
    m.add(11, 30, 1);
    m.flush();

    assertEquals(List.of("0->0 x4 t0", "10->20 x1 t0", "11->30 x1 t1"), runs);
  }

  @Test
  void aRunBreaksOnAThinGapADataGapOrATimeChange() throws Exception {
    RunMerger m = new RunMerger(sink);
    m.add(0, 100, 1);
    m.add(1, 101, 1);
    m.add(3, 103, 1); // thin gap
    m.add(4, 105, 1); // data gap
    m.add(5, 106, 2); // time change
    m.add(6, 107, 2);
    m.flush();
    m.flush(); // nothing pending: no output

    assertEquals(List.of("0->100 x2 t1", "3->103 x1 t1", "4->105 x1 t1", "5->106 x2 t2"), runs);
  }

  @Test
  void descendingDataBlocksNeverMerge() throws Exception {
    RunMerger m = new RunMerger(sink);
    m.add(0, 10, 0);
    m.add(1, 9, 0);
    m.flush();

    assertEquals(List.of("0->10 x1 t0", "1->9 x1 t0"), runs);
  }
}
