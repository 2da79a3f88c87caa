// A JVM app whose two worker threads deadlock a second after start; main stays alive.
public class Deadlock {
    static final Object A = new Object();
    static final Object B = new Object();

    public static void main(String[] args) throws Exception {
        Thread one = new Thread(() -> lock(A, B), "deadlock-one");
        Thread two = new Thread(() -> lock(B, A), "deadlock-two");
        Thread.sleep(1000);
        one.start();
        two.start();
        System.out.println("deadlock: threads started");
        Thread.sleep(Long.MAX_VALUE);
    }

    static void lock(Object first, Object second) {
        synchronized (first) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (second) {
                System.out.println("never printed");
            }
        }
    }
}
