package io.tributary.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.source.RecordDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class ScriptedSourceTest {

  /** Each record as {@code partition@offset value t=timestamp wm=watermark-it-arrived-under}. */
  static final class Seen extends ProcessFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(String e, Context ctx, Collector<String> out) {
      long wm = ctx.timerService().currentWatermark();
      out.collect(e + " t=" + ctx.timestamp() + " wm=" + (wm == Long.MIN_VALUE ? "none" : wm));
    }
  }

  @Test
  void playsRecordsWithOffsetsPerPartitionAndWatermarksWhereTheScriptSays() throws Exception {
    ScriptedSource source =
        ScriptedSource.bounded("t", 2)
            .record(0, "1000")
            .record(1, "2000")
            .watermark() // per partition 999 and 1999: the slower partition's
            .record(0, "500") // behind the watermark: late
            .watermark(Instant.ofEpochMilli(3000))
            .record(1, "100")
            .record(0, "4000");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    RecordDecoder<String> decoder =
        raw -> raw.partition + "@" + raw.position + " " + new String(raw.value, UTF_8);
    WatermarkStrategy<String> watermarks =
        WatermarkStrategy.<String>forBoundedOutOfOrderness(Duration.ZERO)
            .withTimestampAssigner((e, previous) -> Long.parseLong(e.split(" ")[1]));
    List<String> seen =
        source
            .addTo(env, decoder, watermarks, Types.STRING)
            .process(new Seen())
            .executeAndCollect(10);
    assertThat(seen)
        .containsExactly(
            "0@0 1000 t=1000 wm=none",
            "1@0 2000 t=2000 wm=none",
            "0@1 500 t=500 wm=999",
            "1@1 100 t=100 wm=3000",
            "0@2 4000 t=4000 wm=3000");
    assertThat(source.recordsEmitted()).isEqualTo(5);
    assertThat(source.records()).isEqualTo(5);
  }
}
