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

# Builds the jars when missing or older than the sources: target/bnn-spark-app.jar (the application
# jar for spark-submit: ours + shaded dependencies), target/bnn-spark.jar (our classes only) and
# target/jars (the whole runtime classpath, Spark included, for machines without a Spark install).
bnn_build() {
  local jar="$BNN_HOME/target/bnn-spark.jar" app="$BNN_HOME/target/bnn-spark-app.jar"
  if [[ ! -f "$jar" || ! -f "$app" || ! -d "$BNN_HOME/target/jars" ]] \
     || [[ -n "$(find "$BNN_HOME/src/main" "$BNN_HOME/conf" "$BNN_HOME/pom.xml" -newer "$app" -print -quit 2>/dev/null)" ]]; then
    echo "bnn-spark: building (mvn package)..." >&2
    (cd "$BNN_HOME" && mvn -B -q -DskipTests package) >&2
  fi
  BNN_JAR="$jar"
  BNN_APP_JAR="$app"
}

# The JVM flags Spark needs on JDK 17+, for the JVMs the scripts start themselves (benchmarks,
# inspection, notebooks); spark-submit's launcher adds Spark's own list to the JVMs it starts.
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

# spark-submit's own options: those taking a value, and flags. The wrappers hand them to spark-submit.
BNN_SUBMIT_VALUE_OPTIONS=" --master --deploy-mode --conf -c --name --jars --packages --exclude-packages --repositories
  --files --archives --properties-file --driver-memory --driver-java-options --driver-library-path --driver-class-path
  --driver-cores --executor-memory --executor-cores --num-executors --total-executor-cores --queue --principal --keytab
  --proxy-user "
BNN_SUBMIT_FLAGS=" --supervise --verbose --load-spark-defaults "

# The keys a Spark properties file sets (spark-defaults.conf syntax: key, then whitespace, = or :).
bnn_property_keys() {
  [[ -f "$1" ]] || return 0
  sed -e 's/^[[:space:]]*//' "$1" | grep -v -e '^#' -e '^!' -e '^$' | sed -e 's/[[:space:]=:].*//' || true
}
bnn_property_value() {
  local key="${2//./\\.}"
  sed -e 's/^[[:space:]]*//' "$1" | grep -E "^$key([[:space:]=:]|$)" | tail -1 | sed -E "s/^$key[[:space:]]*[=:]?[[:space:]]*//"
}

# bnn_submit MAIN_CLASS [args...]: submits a job with spark-submit semantics. spark-submit's own
# options among the arguments go to spark-submit, the rest to the job. Our conf/spark-defaults.conf
# is merged under the site's: a key the site's properties file (--properties-file, else
# $SPARK_CONF_DIR or $SPARK_HOME/conf/spark-defaults.conf) or a --conf sets keeps that value.
# With a Spark install (SPARK_HOME) its bin/spark-submit runs; without one, jobs/spark-submit (Spark's
# launcher on the jars the build laid out in target/jars: the same command bin/spark-submit builds).
# The JDK is bnn_pick_java's either way (JAVA_HOME for spark-submit).
bnn_submit() {
  local main="$1"; shift
  local submit=() job=() a name master="" props="" deploy_mode="" help=0
  local -A user_conf=()
  while (($#)); do
    a="$1"; shift
    name="${a%%=*}"
    if [[ "$BNN_SUBMIT_FLAGS" == *" $a "* ]]; then
      submit+=("$a")
    elif [[ "$BNN_SUBMIT_VALUE_OPTIONS" == *" $name "* ]]; then
      local value
      if [[ "$a" == *=* ]]; then value="${a#*=}"; else
        (($#)) || { echo "error: option $a needs a value" >&2; exit 2; }
        value="$1"; shift
      fi
      case "$name" in
        --master) master="$value" ;;
        --properties-file) props="$value"; submit+=("$name" "$value") ;;
        --deploy-mode) deploy_mode="$value"; submit+=("$name" "$value") ;;
        --conf|-c) user_conf["${value%%=*}"]="${value#*=}" ;;
        --driver-memory) user_conf[spark.driver.memory]="$value" ;;
        --driver-java-options) user_conf[spark.driver.extraJavaOptions]="$value" ;;
        *) submit+=("$name" "$value") ;;
      esac
    else
      [[ "$a" == "--help" ]] && help=1
      job+=("$a")
    fi
  done
  bnn_pick_java
  bnn_build

  # a Spark install's own spark-submit, else ours on the jars the build laid out (same launcher)
  local spark_home="${SPARK_HOME:-}" launcher="$BNN_HOME/jobs/spark-submit"
  if [[ -n "$spark_home" && -x "$spark_home/bin/spark-submit" ]]; then
    launcher="$spark_home/bin/spark-submit"
  else
    spark_home="$BNN_HOME/target/spark-home"
  fi
  local site="$props"
  if [[ -z "$site" ]]; then
    local conf_dir="${SPARK_CONF_DIR:-$spark_home/conf}"
    [[ -f "$conf_dir/spark-defaults.conf" ]] && site="$conf_dir/spark-defaults.conf"
  fi
  local -A site_keys=()
  for a in $(bnn_property_keys "$site"); do site_keys["$a"]=1; done
  if [[ -z "$master" ]]; then
    if ((help)); then master="local[1]"; elif [[ -z "${site_keys[spark.master]:-}" && -z "${user_conf[spark.master]+x}" ]]; then master="local[*]"; fi
  fi
  [[ -n "$master" ]] && submit=(--master "$master" "${submit[@]}")
  [[ -z "${user_conf[spark.driver.memory]+x}" && -z "${site_keys[spark.driver.memory]:-}" ]] && user_conf[spark.driver.memory]="${BNN_DRIVER_MEMORY:-6g}"
  if [[ -n "${BNN_JAVA_OPTS:-}" ]]; then
    user_conf[spark.driver.extraJavaOptions]="${user_conf[spark.driver.extraJavaOptions]:-} $BNN_JAVA_OPTS"
  fi
  # our defaults under the user's and the site's settings; lists (the Kryo registrators, the JVM
  # options) get ours added to theirs, any other key the user or the site sets stays theirs
  local ours="$BNN_HOME/conf/spark-defaults.conf" key value theirs sep
  for key in $(bnn_property_keys "$ours"); do
    value="$(bnn_property_value "$ours" "$key")"
    case "$key" in
      spark.kryo.registrator) sep="," ;;
      spark.driver.extraJavaOptions|spark.executor.extraJavaOptions) sep=" " ;;
      *) sep="" ;;
    esac
    if [[ -n "${user_conf[$key]+x}" ]]; then theirs="${user_conf[$key]}"
    elif [[ -n "${site_keys[$key]:-}" ]]; then theirs="$(bnn_property_value "$site" "$key")"
    else user_conf[$key]="$value"; continue
    fi
    if [[ -n "$sep" && "$sep$theirs$sep" != *"$sep$value$sep"* ]]; then
      if [[ "$sep" == " " ]]; then user_conf[$key]="$value $theirs"; else user_conf[$key]="$theirs$sep$value"; fi
    fi
  done
  for key in "${!user_conf[@]}"; do submit+=(--conf "$key=${user_conf[$key]}"); done
  export JAVA_HOME="${BNN_JAVA%/bin/java}"
  [[ "$launcher" == "$BNN_HOME/jobs/spark-submit" ]] || export SPARK_HOME="$spark_home"
  if [[ "$master" == spark://* && ( "$deploy_mode" == cluster || "${user_conf[spark.submit.deployMode]:-}" == cluster ) ]]; then
    # Spark's standalone client exits 0 whatever the driver's final state: read the state it logs
    local log status=0
    log="$(mktemp)"
    "$launcher" "${submit[@]}" --class "$main" "$BNN_APP_JAR" "${job[@]}" 2> >(tee "$log" >&2) || status=$?
    wait
    local state
    state="$(grep -o 'State of driver [^ ]* is [A-Z]*' "$log" | tail -1 || true)"
    rm -f "$log"
    if ((status == 0)) && [[ "$state" =~ is\ (FAILED|ERROR|KILLED)$ ]]; then
      echo "error: ${state#State of }; its stderr is in the worker's work directory (driver-*/stderr)" >&2
      status=1
    fi
    exit "$status"
  fi
  exec "$launcher" "${submit[@]}" --class "$main" "$BNN_APP_JAR" "${job[@]}"
}
