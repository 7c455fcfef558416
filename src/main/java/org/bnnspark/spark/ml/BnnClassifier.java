package org.bnnspark.spark.ml;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.spark.ConfigFiles;
import org.bnnspark.spark.DistributedTrainer;
import org.bnnspark.spark.TabularData;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.TrainingSpec;
import org.bnnspark.train.TrainingState;

/**
 * Spark ML Estimator for a binary neural network: validates and wires its Params, then delegates
 * to {@link DistributedTrainer} — the same trainer {@code jobs/train.sh} runs.
 *
 * <pre>
 *   BnnClassifier bnn = new BnnClassifier().setConfig(Files.readString(Path.of("conf/mnist-quickstart.json")))
 *       .setEpochs(3).setNumPartitions(2);
 *   BnnClassificationModel model = bnn.fit(train);            // label + features (Vector or array) columns
 *   model.transform(test)                                      // + rawPrediction, probability, prediction
 * </pre>
 * Params left unset take the configuration's values (epochs, batch size, seed, learning rate, hidden
 * width, synchronization); {@code explainParams()} lists them. The fitted model's {@code summary()}
 * has the per-epoch metrics and the packed size.
 */
public final class BnnClassifier extends Estimator<BnnClassificationModel>
    implements org.apache.spark.ml.util.DefaultParamsWritable {
  private final String uid;
  private final Param<String> config;
  private final Param<String> featuresCol;
  private final Param<String> labelCol;
  private final IntParam epochs;
  private final IntParam batchSize;
  private final LongParam seed;
  private final IntParam numPartitions;
  private final Param<String> sync;
  private final IntParam localSteps;
  private final Param<String> syncDir;
  private final Param<String> configName;
  private final DoubleParam learningRate;
  private final IntParam hiddenUnits;

  public BnnClassifier() {
    this(Identifiable$.MODULE$.randomUID("bnn"));
  }

  public BnnClassifier(String uid) {
    this.uid = uid;
    config = new Param<>(this, "config", "model/training configuration (JSON text, as in conf/*.json)");
    featuresCol = new Param<>(this, "featuresCol", "features column: ML Vector or array<float|double>");
    labelCol = new Param<>(this, "labelCol", "label column: class index 0..classes-1");
    epochs = new IntParam(this, "epochs", "epochs (default: the configuration's)", ParamValidators.gt(0));
    batchSize = new IntParam(this, "batchSize", "global batch size (default: the configuration's)", ParamValidators.gt(0));
    seed = new LongParam(this, "seed", "random seed (default: the configuration's)");
    numPartitions = new IntParam(this, "numPartitions", "training partitions (default: Spark's default parallelism)",
        ParamValidators.gt(0));
    sync = new Param<>(this, "sync", "how partitions synchronize: every_step or local (default: the configuration's)",
        ParamValidators.inArray(org.bnnspark.train.SyncSpec.STRATEGIES.toArray(new String[0])));
    localSteps = new IntParam(this, "localSteps", "inner steps per Spark job under sync local (default: the configuration's, or 16)",
        ParamValidators.gt(0));
    syncDir = new Param<>(this, "syncDir", "directory every executor reaches for per-partition synchronization state under "
        + "sync local (default: the SparkContext's checkpoint directory; a temporary directory on a local master)");
    configName = new Param<>(this, "configName", "a built-in configuration (" + String.join(", ", ConfigFiles.builtIns())
        + ") or a configuration file's path or Hadoop URI; read when config is not set");
    learningRate = new DoubleParam(this, "learningRate", "the schedule's initial learning rate (default: the configuration's)",
        ParamValidators.gt(0));
    hiddenUnits = new IntParam(this, "hiddenUnits", "units (filters) of every hidden layer: all layers with units but the "
        + "classifier (default: the configuration's)", ParamValidators.gt(0));
    setDefault(featuresCol, "features");
    setDefault(labelCol, "label");
  }

  public Param<String> configName() {
    return configName;
  }

  public DoubleParam learningRate() {
    return learningRate;
  }

  public IntParam hiddenUnits() {
    return hiddenUnits;
  }

  public BnnClassifier setConfigName(String name) {
    return (BnnClassifier) set(configName, name);
  }

  public BnnClassifier setLearningRate(double lr) {
    return (BnnClassifier) set(learningRate, lr);
  }

  public BnnClassifier setHiddenUnits(int units) {
    return (BnnClassifier) set(hiddenUnits, units);
  }

  public Param<String> config() {
    return config;
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public IntParam epochs() {
    return epochs;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public LongParam seed() {
    return seed;
  }

  public IntParam numPartitions() {
    return numPartitions;
  }

  public BnnClassifier setConfig(String json) {
    return (BnnClassifier) set(config, json);
  }

  public BnnClassifier setFeaturesCol(String c) {
    return (BnnClassifier) set(featuresCol, c);
  }

  public BnnClassifier setLabelCol(String c) {
    return (BnnClassifier) set(labelCol, c);
  }

  public BnnClassifier setEpochs(int e) {
    return (BnnClassifier) set(epochs, e);
  }

  public BnnClassifier setBatchSize(int b) {
    return (BnnClassifier) set(batchSize, b);
  }

  public BnnClassifier setSeed(long s) {
    return (BnnClassifier) set(seed, s);
  }

  public BnnClassifier setNumPartitions(int n) {
    return (BnnClassifier) set(numPartitions, n);
  }

  public Param<String> sync() {
    return sync;
  }

  public IntParam localSteps() {
    return localSteps;
  }

  public Param<String> syncDir() {
    return syncDir;
  }

  public BnnClassifier setSync(String strategy) {
    return (BnnClassifier) set(sync, strategy);
  }

  public BnnClassifier setLocalSteps(int h) {
    return (BnnClassifier) set(localSteps, h);
  }

  public BnnClassifier setSyncDir(String dir) {
    return (BnnClassifier) set(syncDir, dir);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** Reads a classifier saved with {@code write().save(path)} (its Params). */
  public static org.apache.spark.ml.util.MLReader<BnnClassifier> read() {
    return new org.apache.spark.ml.util.DefaultParamsReader<>();
  }

  public static BnnClassifier load(String path) {
    return read().load(path);
  }

  /** The configuration: {@code config}'s text, else the file or built-in {@code configName} names. */
  private ModelConfig configuration(org.apache.spark.sql.SparkSession spark) {
    if (isDefined(config)) {
      return ModelConfig.parse($(config), uid + ".config");
    }
    if (isDefined(configName)) {
      try {
        ConfigFiles.Found found = ConfigFiles.read($(configName), spark.sparkContext().hadoopConfiguration());
        return ModelConfig.parse(found.text(), found.source());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    throw new IllegalArgumentException("BnnClassifier: set the configuration first (setConfigName(\"mnist-quickstart\") for a "
        + "built-in one or a file, or setConfig with the text of a conf/*.json file)");
  }

  @Override
  public BnnClassificationModel fit(Dataset<?> dataset) {
    ModelConfig cfg = configuration(dataset.sparkSession());
    TrainingSpec t = cfg.training();
    if (isDefined(learningRate)) {
      org.bnnspark.train.Schedule s = t.schedule();
      t = t.withSchedule(new org.bnnspark.train.Schedule(s.type(), (Double) $(learningRate), s.gamma(), s.every(), s.min()));
    }
    if (isDefined(epochs)) {
      t = t.withEpochs((Integer) $(epochs));
    }
    if (isDefined(batchSize)) {
      t = t.withBatchSize((Integer) $(batchSize));
    }
    if (isDefined(seed)) {
      t = t.withSeed((Long) $(seed));
    }
    if (isDefined(sync) || isDefined(localSteps)) {
      t = t.withSync(t.sync().with(isDefined(sync) ? $(sync) : null, isDefined(localSteps) ? (Integer) $(localSteps) : null, null));
    }
    cfg = cfg.withTraining(t);
    if (isDefined(hiddenUnits)) {
      cfg = cfg.withNetwork(cfg.network().withHiddenUnits((Integer) $(hiddenUnits)));
      new org.bnnspark.nn.Network(cfg.network()); // a width the layers cannot take fails here, before Spark runs
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    int partitions = isDefined(numPartitions) ? (Integer) $(numPartitions) : jsc.defaultParallelism();
    JavaRDD<RowBlock> rows = TabularData.dataset(dataset.toDF(), "BnnClassifier input", cfg.network(), partitions,
        new TabularData.Options(0, false, $(labelCol), $(featuresCol)));
    try {
      TrainingState state = new TrainingState(cfg);
      DistributedTrainer trainer = new DistributedTrainer(jsc, rows, null, 0);
      if (isDefined(syncDir)) {
        trainer.withPartitionStateDirectory($(syncDir) + "/" + uid + "-" + System.nanoTime());
      }
      java.util.List<org.bnnspark.train.EpochMetrics> epochs = new java.util.ArrayList<>();
      trainer.train(state, epochs::add, s -> { }, null);
      BnnClassificationModel model = new BnnClassificationModel(uid, DistributedTrainer.packedModel(state));
      model.setSummary(new BnnTrainingSummary(cfg, epochs, org.bnnspark.inference.ModelSummary.totals(model.packedModel()),
          org.bnnspark.inference.ModelSummary.describe(model.packedModel())));
      return model.setFeaturesCol($(featuresCol)).setParent(this);
    } finally {
      rows.unpersist(false);
    }
  }

  @Override
  public StructType transformSchema(StructType schema) {
    java.util.List<String> names = java.util.Arrays.asList(schema.fieldNames());
    if (!names.contains($(featuresCol)) || !names.contains($(labelCol))) {
      throw new IllegalArgumentException("BnnClassifier needs columns '" + $(featuresCol) + "' and '" + $(labelCol)
          + "', the input has " + names);
    }
    return schema;
  }

  @Override
  public BnnClassifier copy(ParamMap extra) {
    return (BnnClassifier) defaultCopy(extra);
  }
}
