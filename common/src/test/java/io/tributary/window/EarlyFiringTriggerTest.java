package io.tributary.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The trigger inside Flink's window operator, driven by the operator test harness: processing time
 * and watermarks move only when the test says, so every firing is exact.
 */
class EarlyFiringTriggerTest {
  private KeyedOneInputStreamOperatorTestHarness<String, Long, String> harness;

  /** Each firing as {@code window start: events so far}. */
  static final class Count extends ProcessWindowFunction<Long, String, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context ctx, Iterable<Long> events, Collector<String> out) {
      long n = 0;
      for (Long ignored : events) {
        n++;
      }
      out.collect(ctx.window().getStart() + ": " + n);
    }
  }

  /** 10 s tumbling windows, 5 s allowed lateness, early firings every 100 ms. */
  @BeforeEach
  @SuppressWarnings("unchecked")
  void windowOperator() throws Exception {
    SingleOutputStreamOperator<String> fired =
        StreamExecutionEnvironment.getExecutionEnvironment()
            .fromData(0L)
            .keyBy(e -> "k", Types.STRING)
            .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
            .allowedLateness(Duration.ofSeconds(5))
            .trigger(new EarlyFiringTrigger(100))
            .process(new Count(), Types.STRING);
    OneInputTransformation<Long, String> t =
        (OneInputTransformation<Long, String>) fired.getTransformation();
    OneInputStreamOperator<Long, String> window =
        (OneInputStreamOperator<Long, String>)
            ((SimpleOperatorFactory<String>) t.getOperatorFactory()).getOperator();
    harness = new KeyedOneInputStreamOperatorTestHarness<>(window, e -> "k", Types.STRING);
    harness.setProcessingTime(0);
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private List<String> fired() {
    List<String> out = harness.extractOutputValues();
    harness.getOutput().clear();
    return out;
  }

  @Test
  void firesPartialResultsOncePerIntervalWhileTheWindowIsOpen() throws Exception {
    harness.processElement(1L, 1_000);
    harness.setProcessingTime(40);
    harness.processElement(1L, 2_000); // the same interval: the same timer
    harness.setProcessingTime(99);
    assertThat(fired()).isEmpty();
    harness.setProcessingTime(100);
    assertThat(fired()).containsExactly("0: 2");
    harness.setProcessingTime(250);
    assertThat(fired()).as("no event since: no timer").isEmpty();
    harness.processElement(1L, 3_000); // at 250: the timer at 300
    harness.setProcessingTime(300);
    assertThat(fired()).containsExactly("0: 3");
  }

  @Test
  void firesAtTheWindowEndThenOnEachLateEventAndNoMoreEarly() throws Exception {
    harness.processElement(1L, 1_000);
    harness.processElement(1L, 2_000); // both: a timer at 100
    harness.processWatermark(9_998);
    assertThat(fired()).isEmpty();
    harness.processWatermark(9_999);
    assertThat(fired()).containsExactly("0: 2");
    harness.setProcessingTime(100);
    assertThat(fired()).as("the window has closed: its early timer does nothing").isEmpty();
    harness.processElement(1L, 5_000); // late, within the allowed lateness
    assertThat(fired()).containsExactly("0: 3");
    harness.setProcessingTime(1_000);
    assertThat(fired()).isEmpty();
  }

  @Test
  void keepsEachWindowsTimersApart() throws Exception {
    harness.processElement(1L, 1_000);
    harness.processElement(1L, 12_000);
    harness.setProcessingTime(100);
    assertThat(fired()).containsExactlyInAnyOrder("0: 1", "10000: 1");
    harness.processWatermark(10_000); // closes [0, 10 s) only
    assertThat(fired()).containsExactly("0: 1");
    harness.processElement(1L, 13_000);
    harness.setProcessingTime(200);
    assertThat(fired()).containsExactly("10000: 2");
  }
}
