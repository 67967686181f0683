package dev.sluice.gateway.time;

import dev.sluice.protocol.time.Ticker;
import dev.sluice.protocol.time.Timers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The timers of one thread (an event loop) kept in a hashed wheel of {@code tickMs} slots, driven by at most one
 * pending task of an underlying scheduler: scheduling and cancelling is linking and unlinking a node, instead of a
 * task in the event loop's scheduled-task queue (a priority heap) plus an entry in Vert.x's timer map for every
 * first-byte, total and backoff timer of every request.
 *
 * <p>Precision: a task runs on the first tick at or after its due time, so it waits its delay plus up to one
 * {@code tickMs} (plus however late the driver runs). Tasks falling in one tick run in the order they were scheduled;
 * earlier ticks run before later ones. The driver is armed only while a timer is pending.
 *
 * <p>{@link #schedule} must be called on the owning thread and the driver must run its tasks there.
 * {@link Timers.Timer#cancel} may be called from any thread; only on the owning thread does it unlink at once,
 * elsewhere the node is dropped when its slot is next visited.
 */
public final class TimerWheel implements Timers {
    private static final Logger LOG = LoggerFactory.getLogger(TimerWheel.class);

    private final Ticker ticker;
    private final Timers driver;
    private final Thread owner;
    private final long tickNanos;
    private final Node[] slots; // sentinels of circular doubly linked lists
    private final int mask;
    private long cursor; // the next tick to visit
    private int pending; // linked nodes (a node cancelled off-thread stays linked until visited)
    private boolean armed;

    /**
     * @param driver runs the wheel's ticks on the owning thread (a Netty event loop's schedule; a test's FakeTime)
     * @param tickMs the precision, at least 1
     * @param slots  the wheel's size, rounded up to a power of two; a timer further than one turn waits its turns
     */
    public TimerWheel(Ticker ticker, Timers driver, long tickMs, int slots) {
        if (tickMs < 1 || slots < 1) throw new IllegalArgumentException("tickMs and slots must be at least 1");
        this.ticker = ticker;
        this.driver = driver;
        this.owner = Thread.currentThread();
        this.tickNanos = tickMs * 1_000_000L;
        int n = Integer.highestOneBit(Math.max(1, slots - 1)) << 1;
        this.slots = new Node[n];
        for (int i = 0; i < n; i++) this.slots[i] = Node.sentinel();
        this.mask = n - 1;
    }

    @Override
    public Timer schedule(long delayMs, Runnable task) {
        long now = ticker.nanos();
        if (!armed) cursor = Math.floorDiv(now, tickNanos) + 1; // idle: nothing before the next tick is pending
        long tick = Math.max(cursor, Math.ceilDiv(now + Math.max(1, delayMs) * 1_000_000L, tickNanos));
        Node n = new Node(this, tick, task);
        Node head = slots[(int) (tick & mask)];
        n.prev = head.prev;
        n.next = head;
        head.prev.next = n;
        head.prev = n;
        pending++;
        if (!armed) arm(now);
        return n;
    }

    /** Timers scheduled and not yet run, cancelled or visited after an off-thread cancel (tests). */
    public int pending() {
        return pending;
    }

    private void arm(long now) {
        armed = true;
        long waitNanos = cursor * tickNanos - now;
        driver.schedule(Math.max(1, Math.ceilDiv(waitNanos, 1_000_000L)), this::tick);
    }

    private void tick() {
        long now = ticker.nanos(); // armed stays true while tasks run: what they schedule falls after this tick

        long last = Math.floorDiv(now, tickNanos); // every tick up to this one is due
        if (last - cursor > mask) { // fell behind by more than a turn: one pass over every slot
            for (Node head : slots) fire(head, last);
            cursor = last + 1;
        } else {
            for (; cursor <= last && pending > 0; cursor++) fire(slots[(int) (cursor & mask)], cursor);
            if (cursor <= last) cursor = last + 1;
        }
        armed = false;
        if (pending > 0) arm(now);
    }

    /** Runs the live nodes of one slot due at or before {@code upTo}, unlinking them and any cancelled ones. */
    private void fire(Node head, long upTo) {
        Node n = head.next;
        while (n != head) {
            Node next = n.next;
            if (n.tick <= upTo || n.state != Node.PENDING) {
                unlink(n);
                if (STATE.compareAndSet(n, Node.PENDING, Node.RAN)) {
                    Runnable task = n.task;
                    n.task = null;
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        LOG.error("a timer task failed", e);
                    }
                }
            }
            n = next;
        }
    }

    private void unlink(Node n) {
        if (n.next == null) return;
        n.prev.next = n.next;
        n.next.prev = n.prev;
        n.prev = n.next = null;
        pending--;
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Node.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One timer: its tick, its task, its place in a slot's list. */
    private static final class Node implements Timer {
        static final int PENDING = 0, RAN = 1, CANCELLED = 2;
        final TimerWheel wheel;
        final long tick;
        Runnable task;
        Node prev, next;
        volatile int state;

        Node(TimerWheel wheel, long tick, Runnable task) {
            this.wheel = wheel;
            this.tick = tick;
            this.task = task;
        }

        static Node sentinel() {
            Node s = new Node(null, Long.MAX_VALUE, null);
            s.prev = s.next = s;
            return s;
        }

        @Override
        public boolean cancel() {
            if (!STATE.compareAndSet(this, PENDING, CANCELLED)) return false;
            if (Thread.currentThread() == wheel.owner) {
                wheel.unlink(this);
                task = null;
            }
            return true;
        }
    }
}
