# Shared by the jobs/*.sh scripts: finds the project, a JDK, the built classpath; submits a main class.
# shellcheck shell=bash
set -euo pipefail

BNN_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# The newest JDK >= 17: JAVA_HOME if set, else the newest under /usr/lib/jvm, else java on PATH.
bnn_pick_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    BNN_JAVA="$JAVA_HOME/bin/java"
  else
    local best="" best_v=0 d v
    for d in /usr/lib/jvm/*/; do
      [[ -x "$d/bin/java" && -x "$d/bin/javac" ]] || continue
      v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
      v=${v#1.}
      if [[ "$v" =~ ^[0-9]+$ ]] && (( v > best_v )); then best_v=$v; best="$d"; fi
    done
    if [[ -n "$best" ]]; then BNN_JAVA="${best%/}/bin/java"; else BNN_JAVA="$(command -v java)"; fi
  fi
  BNN_JAVA_VERSION=$("$BNN_JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  if (( ${BNN_JAVA_VERSION#1.} < 17 )); then
    echo "error: $BNN_JAVA is Java $BNN_JAVA_VERSION; bnn-spark needs Java 17 or newer" >&2
    exit 1
  fi
  echo "bnn-spark: using Java $BNN_JAVA_VERSION ($BNN_JAVA)" >&2
}

# Builds the application jar and lays out target/jars when missing or older than the sources.
bnn_build() {
  local jar="$BNN_HOME/target/bnn-spark.jar"
  if [[ ! -f "$jar" || ! -d "$BNN_HOME/target/jars" || ! -d "$BNN_HOME/target/lib" ]] \
     || [[ -n "$(find "$BNN_HOME/src/main" "$BNN_HOME/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]]; then
    echo "bnn-spark: building (mvn package)..." >&2
    (cd "$BNN_HOME" && mvn -B -q -DskipTests package) >&2
  fi
  BNN_JAR="$jar"
}

# The JVM flags Spark needs on JDK 17+ (Spark's own launcher adds them for executors).
BNN_JVM_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true
  --enable-native-access=ALL-UNNAMED -Dlog4j2.configurationFile="$BNN_HOME/conf/log4j2.properties"
)

# bnn_submit MAIN_CLASS [args...]: spark-submit semantics. Pulls --master (default local[*]) out of the
# arguments; uses $SPARK_HOME/bin/spark-submit when SPARK_HOME is a Spark install, otherwise
# org.apache.spark.deploy.SparkSubmit on the classpath the build laid out in target/jars.
bnn_submit() {
  local main="$1"; shift
  local master="local[*]" args=() a
  while (($#)); do
    a="$1"; shift
    case "$a" in
      --master) (($#)) || { echo "error: option --master needs a value (URL)" >&2; exit 2; }; master="$1"; shift ;;
      --master=*) master="${a#--master=}" ;;
      *) args+=("$a") ;;
    esac
  done
  for a in "${args[@]}"; do [[ "$a" == "--help" ]] && master="local[1]"; done
  local driver_mem="${BNN_DRIVER_MEMORY:-6g}"
  if [[ -n "${SPARK_HOME:-}" && -x "$SPARK_HOME/bin/spark-submit" ]]; then
    bnn_build
    local extra
    extra=$(find "$BNN_HOME/target/lib" -name '*.jar' | sort | paste -sd, -)
    exec "$SPARK_HOME/bin/spark-submit" --master "$master" --properties-file "$BNN_HOME/conf/spark-defaults.conf" \
      ${extra:+--jars "$extra"} \
      --driver-memory "$driver_mem" --driver-java-options "-Dlog4j2.configurationFile=$BNN_HOME/conf/log4j2.properties --add-modules=jdk.incubator.vector" \
      --class "$main" "$BNN_JAR" "${args[@]}"
  fi
  bnn_pick_java
  bnn_build
  exec "$BNN_JAVA" -Xmx"$driver_mem" "${BNN_JVM_FLAGS[@]}" ${BNN_JAVA_OPTS:-} -cp "$BNN_JAR:$BNN_HOME/target/jars/*" \
    org.apache.spark.deploy.SparkSubmit --master "$master" --properties-file "$BNN_HOME/conf/spark-defaults.conf" \
    --class "$main" "$BNN_JAR" "${args[@]}"
}
