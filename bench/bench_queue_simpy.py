#!/usr/bin/python3
"""bench_queue_simpy.py -- the hold model of bench_queue.c, in SimPy.

The standard SimPy formulation: N processes, each looping on
``yield env.timeout(increment)``. One step is one process resumed by its
timeout (= one pop and one push in bench_queue.c's terms). The cancel
variant interrupts a random other process every 4th step, which makes it
schedule a replacement timeout; SimPy cannot take the old timeout out of
its heap, so it stays there and is processed, without callbacks, when its
time comes. That cost is SimPy's cost of cancelling and is in the figures.

Increments and picks are sim/engine/rng.c's draws, restated below, consumed in
the same order as bench_queue.c consumes them, so the popped times are the
same and so is the checksum printed. Drawing is done before the clock runs.

Usage: bench_queue_simpy.py N hold|cancel STEPS WARMUP REPS
Prints: impl N variant median_events_per_s reps steps checksum note
Run with /usr/bin/python3 (Debian's python3-simpy).
"""
import statistics
import sys
import time

import simpy

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
INCR_MEAN_MS = 1000
CANCEL_EVERY = 4
CHECK_POPS = 20000
CHECK_PRIME = 0x00000100000001B3
CHECK_OFFSET = 0xCBF29CE484222325


# --- sim/engine/rng.c, restated ---------------------------------------------------
def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def stream_id(name):
    h = 0xCBF29CE484222325
    for byte in name.encode():
        h = ((h ^ byte) * 0x00000100000001B3) & MASK
    return h


def draws_below(run_seed, sid, n, count):
    """count draws of sim_rng_below(n) from stream (run_seed, sid)."""
    x = mix(mix((run_seed + GAMMA) & MASK) ^ sid)
    s = []
    for _ in range(4):
        x = (x + GAMMA) & MASK
        s.append(mix(x))
    s0, s1, s2, s3 = s
    threshold = ((1 << 64) - n) % n
    out = []
    append = out.append
    while len(out) < count:
        result = ((((s1 * 5) & MASK) << 7 | ((s1 * 5) & MASK) >> 57) & MASK) * 9 & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK
        m = result * n
        if (m & MASK) < n and (m & MASK) < threshold:
            continue  # Lemire's rejection: redraw
        append(m >> 64)
    return out
# ---------------------------------------------------------------------------


class State:
    __slots__ = ("incr", "ix", "pick", "px", "step", "fold", "procs", "n", "cancel")


def holder(env, me, st):
    incr = st.incr
    to = env.timeout(incr[st.ix])
    st.ix += 1
    while True:
        try:
            yield to
        except simpy.Interrupt:
            # Cancelled: schedule the replacement.
            to = env.timeout(incr[st.ix])
            st.ix += 1
            continue
        k = st.step
        st.step = k + 1
        if k < CHECK_POPS:
            st.fold = ((st.fold ^ env.now) * CHECK_PRIME) & MASK
        # The new timeout is created (and numbered) before the interrupt,
        # as bench_queue.c pushes before it cancels.
        to = env.timeout(incr[st.ix])
        st.ix += 1
        if st.cancel and k % CANCEL_EVERY == CANCEL_EVERY - 1:
            j = st.pick[st.px]
            st.px += 1
            if j == me:
                j = (j + 1) % st.n
            st.procs[j].interrupt()


def parse(argv):
    usage = "usage: bench_queue_simpy.py N hold|cancel STEPS WARMUP REPS"
    if len(argv) != 6:
        print(usage, file=sys.stderr)
        sys.exit(2)
    limits = {1: (2, 10_000_000), 3: (1, 100_000_000), 4: (CHECK_POPS, 100_000_000), 5: (1, 15)}
    vals = {}
    for a, (lo, hi) in limits.items():
        try:
            v = int(argv[a], 10)
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            print(f"argv:{a}:1: error: argument {a} must be an integer in {lo}..{hi}\n{usage}", file=sys.stderr)
            sys.exit(2)
        vals[a] = v
    if argv[2] not in ("hold", "cancel"):
        print(f"argv:2:1: error: VARIANT must be hold or cancel\n{usage}", file=sys.stderr)
        sys.exit(2)
    return vals[1], argv[2], vals[3], vals[4], vals[5]


def main(argv):
    n, variant, steps, warmup, reps = parse(argv)
    total = warmup + reps * steps
    pick_n = total // CANCEL_EVERY + 1
    st = State()
    st.incr = draws_below(1, stream_id("bench-queue-incr"), 2 * INCR_MEAN_MS, n + total + pick_n)
    st.incr = [v + 1 for v in st.incr]
    st.pick = draws_below(1, stream_id("bench-queue-pick"), n, pick_n) if variant == "cancel" else []
    st.ix = st.px = st.step = 0
    st.fold = CHECK_OFFSET
    st.n = n
    st.cancel = variant == "cancel"

    env = simpy.Environment()
    st.procs = [env.process(holder(env, i, st)) for i in range(n)]
    step = env.step
    # The processes' start events: each schedules its first timeout.
    for _ in range(n):
        step()
    assert st.ix == n and st.step == 0

    eps = []
    for r in range(reps + 1):
        target = st.step + (warmup if r == 0 else steps)
        t0 = time.perf_counter()
        while st.step < target:
            step()
        dt = time.perf_counter() - t0
        if r > 0:
            eps.append(steps / dt)
    note = "fewer steps and a shorter warm-up than the C and ns-3 runs"
    print(f"simpy\t{n}\t{variant}\t{statistics.median(eps):.0f}\t{reps}\t{steps}\t{st.fold:016x}\t{note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
