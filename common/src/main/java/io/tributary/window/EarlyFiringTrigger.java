package io.tributary.window;

import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;

/**
 * Flink's event-time trigger plus partial results every interval of processing time while the
 * window is open. Every firing emits the whole aggregate, which the upsert sink writes over the
 * same row.
 */
final class EarlyFiringTrigger extends Trigger<Object, TimeWindow> {
  private static final long serialVersionUID = 1L;

  private final long interval;

  EarlyFiringTrigger(long intervalMillis) {
    this.interval = intervalMillis;
  }

  @Override
  public TriggerResult onElement(Object e, long ts, TimeWindow w, TriggerContext ctx) {
    if (w.maxTimestamp() <= ctx.getCurrentWatermark()) {
      return TriggerResult.FIRE; // a late event within the allowed lateness
    }
    ctx.registerEventTimeTimer(w.maxTimestamp());
    long now = ctx.getCurrentProcessingTime();
    // Aligned to the interval, so one timer per window and interval however many events arrive.
    ctx.registerProcessingTimeTimer(now - now % interval + interval);
    return TriggerResult.CONTINUE;
  }

  @Override
  public TriggerResult onProcessingTime(long time, TimeWindow w, TriggerContext ctx) {
    return w.maxTimestamp() > ctx.getCurrentWatermark()
        ? TriggerResult.FIRE
        : TriggerResult.CONTINUE;
  }

  @Override
  public TriggerResult onEventTime(long time, TimeWindow w, TriggerContext ctx) {
    return time == w.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  @Override
  public void clear(TimeWindow w, TriggerContext ctx) {
    ctx.deleteEventTimeTimer(w.maxTimestamp());
  }

  @Override
  public boolean canMerge() {
    return true;
  }

  @Override
  public void onMerge(TimeWindow w, OnMergeContext ctx) {
    if (w.maxTimestamp() > ctx.getCurrentWatermark()) {
      ctx.registerEventTimeTimer(w.maxTimestamp());
    }
  }

  @Override
  public String toString() {
    return "EarlyFiringTrigger(" + interval + " ms)";
  }
}
