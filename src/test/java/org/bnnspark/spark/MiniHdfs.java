package org.bnnspark.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS for the integration tests: a NameNode and a DataNode in the test JVM, on 127.0.0.1 only. */
final class MiniHdfs {
  private MiniHdfs() {}

  static MiniDFSCluster start(Path base) throws IOException {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
    for (String key : List.of("dfs.namenode.rpc-address", "dfs.datanode.address", "dfs.datanode.http.address",
        "dfs.datanode.ipc.address", "dfs.namenode.http-address")) {
      conf.set(key, "127.0.0.1:0");
    }
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    return cluster;
  }

  /** {@code hdfs://127.0.0.1:PORT}. */
  static String uri(MiniDFSCluster cluster) {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** Copies a local file or directory to {@code target} (an hdfs:// path). */
  static void upload(MiniDFSCluster cluster, Path local, String target) throws IOException {
    cluster.getFileSystem().copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path(target));
  }
}
