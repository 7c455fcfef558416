package org.bnnspark.spark;

import org.bnnspark.train.ParamsSnapshot;
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
    kryo.register(org.bnnspark.inference.PackedModel.class, new BulkArraySerializers.Packed());
    kryo.register(PackedValidation.Stats.class);
    kryo.register(ScoringModel.class, new BulkArraySerializers.Scoring());
    // broadcast once per job, so Java serialization of the Writable inside is fine here
    kryo.register(HadoopConf.class, new com.esotericsoftware.kryo.serializers.JavaSerializer());
    kryo.register(LabeledRow.class);
    kryo.register(scala.Tuple2.class); // (row key, row) in the readers' ordering shuffle
    // ML vectors in Parquet feature columns and in the Pipeline API
    kryo.register(org.apache.spark.ml.linalg.VectorUDT.class);
    kryo.register(org.apache.spark.ml.linalg.DenseVector.class);
    kryo.register(org.apache.spark.ml.linalg.SparseVector.class);
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
    // Spark SQL ships schemas as task results (Parquet footers are read by a job when a data set
    // has several files); they must be registered too when registration is required
    registerByName(kryo, SQL_TYPES, true);
    // Structured Streaming's file sink sends each task's written files back as task results:
    // scoring a stream into Parquet with registration required needs them (another Spark version may
    // name them otherwise: only a registration-required stream would notice)
    registerByName(kryo, STREAMING, false);
  }

  /** Registers Spark's classes by name; a missing one fails only when {@code required}. */
  private static void registerByName(Kryo kryo, String[] names, boolean required) {
    for (String name : names) {
      try {
        kryo.register(Class.forName(name));
      } catch (ClassNotFoundException e) {
        if (required) {
          throw new IllegalStateException("Spark class " + name + " is missing", e);
        }
      }
    }
  }

  private static final String[] STREAMING = {
      "org.apache.spark.sql.execution.streaming.sinks.SinkFileStatus",
      "[Lorg.apache.spark.sql.execution.streaming.sinks.SinkFileStatus;",
  };

  private static final String[] SQL_TYPES = {
      "org.apache.spark.sql.types.StructType", "org.apache.spark.sql.types.StructField",
      "[Lorg.apache.spark.sql.types.StructField;", "[Lorg.apache.spark.sql.types.StructType;",
      "org.apache.spark.sql.types.Metadata", "[Lorg.apache.spark.sql.types.Metadata;",
      "org.apache.spark.sql.types.DataType", "[Lorg.apache.spark.sql.types.DataType;",
      "org.apache.spark.sql.types.ArrayType", "org.apache.spark.sql.types.MapType",
      "org.apache.spark.sql.types.DecimalType",
      "org.apache.spark.sql.types.IntegerType$", "org.apache.spark.sql.types.LongType$",
      "org.apache.spark.sql.types.ShortType$", "org.apache.spark.sql.types.ByteType$",
      "org.apache.spark.sql.types.FloatType$", "org.apache.spark.sql.types.DoubleType$",
      "org.apache.spark.sql.types.BooleanType$", "org.apache.spark.sql.types.StringType",
      "org.apache.spark.sql.types.StringType$", "org.apache.spark.sql.types.BinaryType$",
      "org.apache.spark.sql.types.NullType$",
  };
}
