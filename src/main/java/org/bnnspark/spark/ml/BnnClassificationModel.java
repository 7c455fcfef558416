package org.bnnspark.spark.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.nn.SoftmaxCrossEntropy;
import org.bnnspark.spark.FeatureValues;
import org.bnnspark.spark.ParamsSnapshot;
import org.bnnspark.train.ModelConfig;

/**
 * A trained BNN as a Spark ML Transformer: appends {@code rawPrediction} (logits), {@code probability}
 * (softmax) and {@code prediction} (argmax), the columns {@code MulticlassClassificationEvaluator}
 * and Pipelines expect. Scores in batches per partition against one broadcast of the parameters.
 */
public final class BnnClassificationModel extends Model<BnnClassificationModel> {
  private static final int BATCH = 512;
  private final String uid;
  private final ModelConfig config;
  private final float[] params;
  private final float[] state;
  private final Param<String> featuresCol;

  BnnClassificationModel(String uid, ModelConfig config, float[] params, float[] state) {
    this.uid = uid;
    this.config = config;
    this.params = params;
    this.state = state;
    this.featuresCol = new Param<>(this, "featuresCol", "features column: ML Vector or array<float|double>");
    setDefault(featuresCol, "features");
  }

  public ModelConfig config() {
    return config;
  }

  public float[] parameters() {
    return params.clone();
  }

  public float[] batchNormState() {
    return state.clone();
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public BnnClassificationModel setFeaturesCol(String c) {
    return (BnnClassificationModel) set(featuresCol, c);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains($(featuresCol))) {
      throw new IllegalArgumentException("BnnClassificationModel needs a column '" + $(featuresCol) + "'");
    }
    return schema.add("rawPrediction", new VectorUDT(), false).add("probability", new VectorUDT(), false)
        .add("prediction", DataTypes.DoubleType, false);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int column = java.util.Arrays.asList(dataset.schema().fieldNames()).indexOf($(featuresCol));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    Broadcast<ParamsSnapshot> bc = jsc.broadcast(new ParamsSnapshot(params, state));
    NetworkSpec spec = config.network();
    JavaRDD<Row> scored = dataset.toDF().javaRDD().mapPartitions(rows -> score(rows, column, spec, bc.value()));
    return dataset.sparkSession().createDataFrame(scored, out);
  }

  private static Iterator<Row> score(Iterator<Row> rows, int column, NetworkSpec spec, ParamsSnapshot p) {
    Network net = new Network(spec);
    int f = spec.inputSize();
    int k = spec.classes();
    float[] x = new float[BATCH * f];
    float[] logits = new float[BATCH * k];
    List<Row> batch = new ArrayList<>(BATCH);
    List<Row> out = new ArrayList<>();
    while (rows.hasNext()) {
      batch.add(rows.next());
      if (batch.size() == BATCH || !rows.hasNext()) {
        int n = batch.size();
        for (int r = 0; r < n; r++) {
          FeatureValues.read(batch.get(r).get(column), spec, x, r * f, "row " + r + " of a batch");
        }
        net.predictLogits(p.params, p.state, x, n, logits);
        for (int r = 0; r < n; r++) {
          double[] raw = new double[k];
          float[] prob = java.util.Arrays.copyOfRange(logits, r * k, (r + 1) * k);
          for (int j = 0; j < k; j++) {
            raw[j] = logits[r * k + j];
          }
          SoftmaxCrossEntropy.softmax(prob, 0, k);
          double[] probability = new double[k];
          for (int j = 0; j < k; j++) {
            probability[j] = prob[j];
          }
          Row in = batch.get(r);
          Object[] values = new Object[in.length() + 3];
          for (int c = 0; c < in.length(); c++) {
            values[c] = in.get(c);
          }
          values[in.length()] = Vectors.dense(raw);
          values[in.length() + 1] = Vectors.dense(probability);
          values[in.length() + 2] = (double) SoftmaxCrossEntropy.argmax(logits, r * k, k);
          out.add(RowFactory.create(values));
        }
        batch.clear();
      }
    }
    return out.iterator();
  }

  @Override
  public BnnClassificationModel copy(ParamMap extra) {
    BnnClassificationModel m = new BnnClassificationModel(uid, config, params, state);
    return copyValues(m, extra).setParent(parent());
  }
}
