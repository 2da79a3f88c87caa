import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * How long one ProcessBuilder.start() blocks the thread that calls it, with and without the
 * emperor's exec-in-place wrapper chain (setpriv -> setsid -> env -> program), spawning
 * serially from one thread as the emperor's event loop does. A diagnostic for the start-up
 * figure of scale.py: the emperor spawns every worker from its single loop thread, and the
 * JDK returns from start() only once its helper (jspawnhelper) has exec'd the target.
 *
 *   java bench/scale/SpawnCost.java [COUNT]
 *   java -Djdk.lang.Process.launchMechanism=FORK bench/scale/SpawnCost.java [COUNT]
 *
 * Every process started is killed (by its Process handle, i.e. by pid) before the next
 * variant and in a finally block.
 */
public class SpawnCost {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        String mech = System.getProperty("jdk.lang.Process.launchMechanism", "(default)");
        System.out.printf("java %s, launchMechanism %s, %d spawns per variant, one thread%n",
                System.getProperty("java.version"), mech, count);
        run("sleep (direct)", count, List.of("/usr/bin/sleep", "600"));
        run("setpriv/setsid/env chain", count, List.of("/usr/bin/setpriv", "--pdeathsig", "KILL", "--",
                "/usr/bin/setsid", "--", "/usr/bin/env", "--default-signal", "--", "/usr/bin/sleep", "600"));
    }

    static void run(String name, int count, List<String> cmd) throws Exception {
        List<Process> started = new ArrayList<>(count);
        var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try {
            long[] each = new long[count];
            long cpu0 = bean.getThreadCpuTime(tid);
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                long s = System.nanoTime();
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
                started.add(pb.start());
                each[i] = System.nanoTime() - s;
            }
            long wall = System.nanoTime() - t0;
            long cpu = bean.getThreadCpuTime(tid) - cpu0;
            java.util.Arrays.sort(each);
            System.out.printf("%-26s %6.2f ms/spawn wall (median %.2f, p90 %.2f, max %.2f), calling thread CPU %.2f ms/spawn%n",
                    name, wall / 1e6 / count, each[count / 2] / 1e6, each[count * 9 / 10] / 1e6, each[count - 1] / 1e6,
                    cpu / 1e6 / count);
        } finally {
            for (Process p : started) p.destroyForcibly();
            for (Process p : started) p.waitFor();
        }
    }
}
