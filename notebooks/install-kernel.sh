#!/usr/bin/env bash
# Installs the project's Java kernel for Jupyter as kernelspec "java" (for this user), with the
# project's classpath and the JVM flags Spark needs; installs Debian's Jupyter first when it is missing
# (apt-get, as root or through sudo) and builds the project when needed.
#   notebooks/install-kernel.sh            then: jupyter notebook notebooks/
# BNN_NOTEBOOK_MEMORY sets the kernel's heap (default 4g).
set -euo pipefail
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
source "$(dirname "$0")/../jobs/common.sh"
cd "$BNN_HOME"

# Debian's /usr/bin/jupyter runs on Debian's python3 (a python3 earlier on PATH may lack the modules)
if ! jupyter nbconvert --version >/dev/null 2>&1 || ! jupyter kernelspec --version >/dev/null 2>&1; then
  echo "bnn-spark: installing Jupyter from Debian..." >&2
  pkgs=(jupyter-notebook python3-nbconvert jupyter-nbconvert jupyter-client python3-nbclient)
  if [[ $(id -u) == 0 ]]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

bnn_pick_java
bnn_build
spec="$(mktemp -d)/java"
mkdir -p "$spec"
# kernel.json: the JVM, its flags and classpath (a dir/* entry is expanded by the java launcher), the class
python3 - "$spec/kernel.json" "$BNN_JAVA" "-Xmx${BNN_NOTEBOOK_MEMORY:-4g}" "${BNN_JVM_FLAGS[@]}" -cp "$BNN_JAR:$BNN_HOME/target/jars/*" <<'PY'
import json, sys
path, *jvm = sys.argv[1:]
json.dump({"argv": jvm + ["org.bnnspark.notebook.JavaKernel", "{connection_file}"],
           "display_name": "Java (bnn-spark)", "language": "java", "interrupt_mode": "message",
           "env": {"SPARK_LOCAL_IP": "127.0.0.1"}}, open(path, "w"), indent=1)
PY
jupyter kernelspec install --user --replace --name java "$spec" >&2
rm -rf "$(dirname "$spec")"
echo "bnn-spark: kernel 'java' installed ($(jupyter kernelspec list | grep -E '^ +java ' | awk '{print $2}'))" >&2
