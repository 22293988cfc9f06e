package io.tributary.cdc.sink;

import io.tributary.cdc.RowChange;
import io.tributary.cdc.RowChangeType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * The changes held back over a schema change (the epoch buffer): a table's schema may change only
 * between checkpoints, so from the change that needs a new schema on, that table's changes wait
 * here, in order and in operator state, until the next checkpoint has passed. Other tables' changes
 * are not held.
 */
final class HeldChanges {
  /** The operator list state that holds them: its name and layout are part of savepoints. */
  static final String STATE = "held-changes";

  private final ListState<RowChange> state;
  private Map<String, List<RowChange>> held = new LinkedHashMap<>();

  HeldChanges(ListState<RowChange> state) throws Exception {
    this.state = state;
    for (RowChange c : state.get()) {
      held.computeIfAbsent(c.table, k -> new ArrayList<>()).add(c);
    }
  }

  /** The buffer in {@code store}, with what a restored checkpoint held. */
  static HeldChanges in(OperatorStateStore store) throws Exception {
    return new HeldChanges(
        store.getListState(new ListStateDescriptor<>(STATE, RowChangeType.INSTANCE)));
  }

  /** Holds {@code change} if its table is held already; true if it was. */
  boolean joins(RowChange change) {
    List<RowChange> waiting = held.get(change.table);
    if (waiting == null) {
      return false;
    }
    waiting.add(change);
    return true;
  }

  /** Holds {@code change}'s table from {@code change} on. */
  void hold(RowChange change) {
    held.computeIfAbsent(change.table, k -> new ArrayList<>()).add(change);
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  /** Writes what is held to the operator state of the checkpoint being taken. */
  void snapshot() throws Exception {
    List<RowChange> all = new ArrayList<>();
    held.values().forEach(all::addAll);
    state.update(all);
  }

  /** Everything held, one list per table in order of arrival; nothing is held afterwards. */
  Collection<List<RowChange>> release() {
    Map<String, List<RowChange>> out = held;
    held = new LinkedHashMap<>();
    return out.values();
  }
}
