package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.SplittableRandom;
import org.bnnspark.train.ParamsSnapshot;
import org.bnnspark.train.StepSums;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bulk serializers copy arrays through a fixed buffer, chunk by chunk: every length around the
 * chunk size (and a few chunks long) comes back bit for bit, NaN payloads and −0 included.
 */
class BulkArraySerializersTest {
  private static Kryo kryo() {
    Kryo kryo = new Kryo();
    new BnnKryoRegistrator().registerClasses(kryo);
    return kryo;
  }

  private static <T> T roundTrip(Kryo kryo, T value, Class<T> type) {
    Output out = new Output(1024, -1);
    kryo.writeObject(out, value);
    try (Input in = new Input(out.toBytes())) {
      return kryo.readObject(in, type);
    }
  }

  private static float[] gaussian(int n, SplittableRandom r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  /** Gaussian floats with a −0 and a NaN with a payload every 97 values: what a bit-for-bit copy must keep. */
  static float[] floats(int n, SplittableRandom r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = switch (i % 97) {
        case 3 -> -0f;
        case 5 -> Float.intBitsToFloat(0x7fc01234); // a NaN with a payload
        default -> (float) r.nextGaussian();
      };
    }
    return a;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 8191, 8192, 8193, 3 * 8192 + 17})
  void snapshotsAndSumsComeBackBitForBit(int n) {
    SplittableRandom r = new SplittableRandom(n);
    Kryo kryo = kryo();
    ParamsSnapshot s = new ParamsSnapshot(floats(n, r), floats(n / 3, r), floats(n / 2, r));
    ParamsSnapshot back = roundTrip(kryo, s, ParamsSnapshot.class);
    assertArrayEquals(floatBits(s.params), floatBits(back.params));
    assertArrayEquals(floatBits(s.state), floatBits(back.state));
    assertArrayEquals(floatBits(s.inner), floatBits(back.inner));

    StepSums sums = new StepSums(n, 7);
    sums.addWeighted(gaussian(n, r), 3);
    sums.addInner(gaussian(n + 5, r), 2); // the sums refuse NaN, so plain values here
    sums.addCounts(1.5, 4, 9);
    // one partition's vector travels as floats; after a merge, as fixed-point sums
    StepSums got = roundTrip(kryo, sums, StepSums.class);
    StepSums merged = new StepSums(n, 7).merge(sums).merge(roundTrip(kryo, sums, StepSums.class));
    StepSums gotMerged = roundTrip(kryo, merged, StepSums.class);
    assertArrayEquals(merged.fixedSums(), gotMerged.fixedSums());
    assertArrayEquals(sums.fixedSums(), got.fixedSums());
    assertArrayEquals(sums.inner, got.inner);
    assertArrayEquals(sums.stats, got.stats);
    assertEquals(sums.count, got.count);
    assertEquals(sums.loss, got.loss);
  }

  private static int[] floatBits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }
}
