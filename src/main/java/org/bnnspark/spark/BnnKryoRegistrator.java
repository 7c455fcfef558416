package org.bnnspark.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.StepSums;

/**
 * Registers every class the jobs ship through Kryo, so that they run with
 * {@code spark.kryo.registrationRequired=true} (an unregistered class fails loudly instead of
 * silently writing its full name into every record).
 */
public final class BnnKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(RowBlock.class);
    kryo.register(StepSums.class, new BulkArraySerializers.Sums());
    kryo.register(ParamsSnapshot.class, new BulkArraySerializers.Snapshot());
    // broadcast once per job, so Java serialization of the Writable inside is fine here
    kryo.register(HadoopConf.class, new com.esotericsoftware.kryo.serializers.JavaSerializer());
    kryo.register(float[].class);
    kryo.register(double[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(byte[].class);
    kryo.register(Object[].class);
    kryo.register(java.lang.Long.class);
    kryo.register(java.lang.Integer.class);
    kryo.register(java.util.ArrayList.class);
    kryo.register(java.util.List[].class); // RDD.glom() of cached blocks (tests, notebooks)
    kryo.register(java.util.Collections.singletonList(0).getClass());
  }
}
