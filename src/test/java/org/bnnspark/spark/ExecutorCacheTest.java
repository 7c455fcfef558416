package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A JVM's first training task runs alone; the tasks after it run side by side. */
class ExecutorCacheTest {
  @Test
  void theFirstTaskRunsAloneAndTheRestTogether() throws Exception {
    ExecutorCache.forgetWarmUp();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch firstStarted = new CountDownLatch(1);
      AtomicLong firstEnd = new AtomicLong();
      AtomicLong secondStart = new AtomicLong();
      Future<Integer> first = pool.submit(() -> ExecutorCache.firstAlone(() -> {
        firstStarted.countDown();
        sleep(300);
        firstEnd.set(System.nanoTime());
        return 1;
      }));
      assertTrue(firstStarted.await(10, TimeUnit.SECONDS));
      Future<Integer> second = pool.submit(() -> ExecutorCache.firstAlone(() -> {
        secondStart.set(System.nanoTime());
        return 2;
      }));
      assertEquals(1, first.get(10, TimeUnit.SECONDS));
      assertEquals(2, second.get(10, TimeUnit.SECONDS));
      assertTrue(secondStart.get() >= firstEnd.get(), "the second task waited for the first");

      // warm: two tasks meet at a barrier, which only tasks running at the same time can pass
      CyclicBarrier both = new CyclicBarrier(2);
      Future<?> a = pool.submit(() -> ExecutorCache.firstAlone(() -> await(both)));
      Future<?> b = pool.submit(() -> ExecutorCache.firstAlone(() -> await(both)));
      a.get(10, TimeUnit.SECONDS);
      b.get(10, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Integer await(CyclicBarrier barrier) {
    try {
      return barrier.await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the tasks did not run together", e);
    }
  }
}
