package org.bnnspark.spark.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedModelFile;
import org.bnnspark.nn.SoftmaxCrossEntropy;
import org.bnnspark.spark.BatchScoring;
import org.bnnspark.spark.ScoringModel;
import org.bnnspark.train.ModelConfig;

/**
 * A trained BNN as a Spark ML Transformer, scoring through the broadcast packed XNOR model: appends
 * {@code rawPrediction} (logits), {@code probability} (softmax) and {@code prediction} (argmax), the
 * columns {@code MulticlassClassificationEvaluator} and Pipelines expect (names settable).
 *
 * <p>Saved with {@code model.write().save(path)} as Spark ML's {@code metadata/} (the Params) plus
 * {@code data/model.xnor} (the packed model file); loaded with {@code BnnClassificationModel.load(path)}
 * or as a stage of a saved {@code PipelineModel}.
 */
public final class BnnClassificationModel extends Model<BnnClassificationModel> implements MLWritable {
  private static final String DATA_FILE = "data/model.xnor";
  private final String uid;
  private final PackedModel packed;
  private final Param<String> featuresCol;
  private final Param<String> rawPredictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> predictionCol;

  public BnnClassificationModel(String uid, PackedModel packed) {
    this.uid = uid;
    this.packed = packed;
    this.featuresCol = new Param<>(this, "featuresCol", "features column: ML Vector or array<float|double>");
    this.rawPredictionCol = new Param<>(this, "rawPredictionCol", "output column of the logits");
    this.probabilityCol = new Param<>(this, "probabilityCol", "output column of the class probabilities (softmax)");
    this.predictionCol = new Param<>(this, "predictionCol", "output column of the predicted class index");
    setDefault(featuresCol, "features");
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(probabilityCol, "probability");
    setDefault(predictionCol, "prediction");
  }

  private transient BnnTrainingSummary summary;

  /** Whether this model came from a fit in this session (a loaded model has no summary). */
  public boolean hasSummary() {
    return summary != null;
  }

  /** What the fit did: per-epoch metrics, the packed size. */
  public BnnTrainingSummary summary() {
    if (summary == null) {
      throw new java.util.NoSuchElementException("no training summary: this model was loaded, not fitted (" + uid + ")");
    }
    return summary;
  }

  BnnClassificationModel setSummary(BnnTrainingSummary s) {
    this.summary = s;
    return this;
  }

  /** The packed model this transformer scores with. */
  public PackedModel packedModel() {
    return packed;
  }

  /** The configuration the model was trained from, as written (the Params' overrides: {@link #summary()}). */
  public ModelConfig config() {
    return ModelConfig.parse(packed.sourceConfig(), uid + " (training configuration)");
  }

  public int numClasses() {
    return packed.classes();
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  // Spark ML finds a stage's Params through public accessors like these
  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public BnnClassificationModel setFeaturesCol(String c) {
    return (BnnClassificationModel) set(featuresCol, c);
  }

  public BnnClassificationModel setRawPredictionCol(String c) {
    return (BnnClassificationModel) set(rawPredictionCol, c);
  }

  public BnnClassificationModel setProbabilityCol(String c) {
    return (BnnClassificationModel) set(probabilityCol, c);
  }

  public BnnClassificationModel setPredictionCol(String c) {
    return (BnnClassificationModel) set(predictionCol, c);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains($(featuresCol))) {
      throw new IllegalArgumentException("BnnClassificationModel needs a column '" + $(featuresCol) + "', the input has "
          + java.util.Arrays.toString(schema.fieldNames()));
    }
    return schema.add($(rawPredictionCol), new VectorUDT(), false).add($(probabilityCol), new VectorUDT(), false)
        .add($(predictionCol), DataTypes.DoubleType, false);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    Broadcast<ScoringModel> bc = jsc.broadcast(ScoringModel.packed(packed));
    return BatchScoring.transform(dataset.toDF(), bc, $(featuresCol), out, BnnClassificationModel::outputRow, uid);
  }

  /** The input row with logits, probabilities and the predicted class appended. */
  private static Row outputRow(Row in, float[] logits, int off, int k) {
    double[] raw = new double[k];
    double[] probability = new double[k];
    float[] p = java.util.Arrays.copyOfRange(logits, off, off + k);
    SoftmaxCrossEntropy.softmax(p, 0, k);
    for (int j = 0; j < k; j++) {
      raw[j] = logits[off + j];
      probability[j] = p[j];
    }
    Object[] values = new Object[in.length() + 3];
    for (int c = 0; c < in.length(); c++) {
      values[c] = in.get(c);
    }
    values[in.length()] = Vectors.dense(raw);
    values[in.length() + 1] = Vectors.dense(probability);
    values[in.length() + 2] = (double) SoftmaxCrossEntropy.argmax(logits, off, k);
    return RowFactory.create(values);
  }

  @Override
  public BnnClassificationModel copy(ParamMap extra) {
    BnnClassificationModel m = new BnnClassificationModel(uid, packed).setSummary(summary);
    return copyValues(m, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        DefaultParamsWriter$.MODULE$.saveMetadata(BnnClassificationModel.this, path, sparkSession());
        Path file = new Path(path, DATA_FILE);
        try {
          FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
          try (OutputStream o = fs.create(file, true)) {
            PackedModelFile.write(o, packed);
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(file + ": " + e.getMessage(), e);
        }
      }
    };
  }

  @Override
  public void save(String path) throws IOException {
    write().save(path);
  }

  public static MLReader<BnnClassificationModel> read() {
    return new Reader();
  }

  public static BnnClassificationModel load(String path) {
    return read().load(path);
  }

  /** Reads what {@link #write()} saved. Spark finds it through the class's static {@code read()}. */
  static final class Reader extends MLReader<BnnClassificationModel> {
    @Override
    public BnnClassificationModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
          BnnClassificationModel.class.getName());
      Path file = new Path(path, DATA_FILE);
      PackedModel packed;
      try (InputStream in = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration()).open(file)) {
        packed = PackedModelFile.read(in, file.toString());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e.getMessage(), e);
      }
      BnnClassificationModel model = new BnnClassificationModel(metadata.uid(), packed);
      metadata.getAndSetParams(model, scala.Option.empty());
      return model;
    }
  }
}
