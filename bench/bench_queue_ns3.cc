// bench_queue_ns3.cc -- the hold model of bench_queue.c against ns-3's
// event schedulers, called directly (Insert / RemoveNext / Remove), so that
// what is measured is the data structure and not ns-3's Simulator around it.
//
// The increments and cancel picks are the same draws as bench_queue.c's:
// the generator below is sim/engine/rng.c's xoshiro256** stream derivation and
// Lemire bound, restated in C++ (linking the C file would do as well, but
// this keeps the build to one command); the checksum printed per scheduler
// proves the events came out in the same order as sim_evq's. ns-3's key is
// (m_ts, m_uid), the same total order as ours at one prio; m_context, which
// no scheduler orders by, carries the event's token index.
//
// Usage: bench_queue_ns3 N VARIANT STEPS WARMUP REPS [SCHEDULER...]
// Prints: impl N variant median_events_per_s reps steps checksum note
// "Cancel" is Scheduler::Remove, i.e. true removal. (ns-3's own
// Simulator::Cancel only flags the EventImpl and leaves it queued.)
//
// Where an operation is O(N) (ListScheduler's insert; HeapScheduler's and
// PriorityQueueScheduler's Remove, which search linearly) or degenerates
// (CalendarScheduler at 10^6), large N would take minutes: those runs use
// fewer steps per repetition, or are skipped where even that is too slow
// (see Plan). The note column says which.
#include <ns3/calendar-scheduler.h>
#include <ns3/event-impl.h>
#include <ns3/heap-scheduler.h>
#include <ns3/list-scheduler.h>
#include <ns3/map-scheduler.h>
#include <ns3/priority-queue-scheduler.h>
#include <ns3/ptr.h>
#include <ns3/scheduler.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr uint32_t kIncrMeanMs = 1000;
constexpr uint64_t kCancelEvery = 4;
constexpr uint64_t kCheckPops = 20000;
constexpr uint64_t kCheckPrime = 0x00000100000001b3ull;
constexpr uint64_t kCheckOffset = 0xcbf29ce484222325ull;

// --- sim/engine/rng.c, restated -------------------------------------------------
uint64_t Mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct Rng {
    uint64_t s[4];
};

uint64_t Rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void RngStream(Rng *r, uint64_t run_seed, uint64_t stream_id)
{
    const uint64_t gamma = 0x9e3779b97f4a7c15ull;
    uint64_t x = Mix(Mix(run_seed + gamma) ^ stream_id);
    for (auto &w : r->s) {
        x += gamma;
        w = Mix(x);
    }
}

uint64_t StreamId(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *name != '\0'; name++) {
        h ^= static_cast<unsigned char>(*name);
        h *= 0x00000100000001b3ull;
    }
    return h;
}

uint64_t RngNext(Rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
}

uint64_t RngBelow(Rng *r, uint64_t n)
{
    __extension__ typedef unsigned __int128 u128;
    u128 m = static_cast<u128>(RngNext(r)) * n;
    if (static_cast<uint64_t>(m) < n) {
        const uint64_t threshold = (0 - n) % n;
        while (static_cast<uint64_t>(m) < threshold) {
            m = static_cast<u128>(RngNext(r)) * n;
        }
    }
    return static_cast<uint64_t>(m >> 64);
}
// -------------------------------------------------------------------------

// The schedulers store EventImpl pointers without calling them; one
// instance stands for every event.
class NopEvent : public ns3::EventImpl
{
  protected:
    void Notify() override {}
};

struct Bench {
    uint32_t n;
    bool cancel;
    uint64_t steps;
    uint64_t warmup;
    uint32_t reps;
    std::vector<uint32_t> incr;
    std::vector<uint32_t> pick;
};

double NowS()
{
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

ns3::Ptr<ns3::Scheduler> Make(const std::string &name)
{
    if (name == "map") {
        return ns3::CreateObject<ns3::MapScheduler>();
    }
    if (name == "heap") {
        return ns3::CreateObject<ns3::HeapScheduler>();
    }
    if (name == "list") {
        return ns3::CreateObject<ns3::ListScheduler>();
    }
    if (name == "calendar") {
        return ns3::CreateObject<ns3::CalendarScheduler>();
    }
    if (name == "priority-queue") {
        return ns3::CreateObject<ns3::PriorityQueueScheduler>();
    }
    return nullptr;
}

struct PlanT {
    bool run;
    uint64_t steps;
    uint64_t warmup;
    const char *note;
};

PlanT Plan(const Bench &b, const std::string &name)
{
    // With integer milliseconds and a mean increment of 1000, 10^6 pending
    // events put ~500 in each millisecond: the calendar's buckets cannot
    // be narrower than one tick and its sorted bucket lists degenerate.
    if (name == "calendar" && b.n >= 1000000) {
        return {false, 0, 0, "skipped: ~500 events per time tick, bucket lists degenerate (<15k events/s, ~35 s to fill)"};
    }
    const bool linear = name == "list" || (b.cancel && (name == "heap" || name == "priority-queue"));
    if (!linear || b.n < 10000) {
        return {true, b.steps, b.warmup, "-"};
    }
    if (name == "list") {
        return {false, 0, 0, "skipped: O(N) insert, ~40k events/s at N=10^4"};
    }
    if (name == "priority-queue" && b.n >= 100000) {
        return {false, 0, 0, "skipped: O(N) Remove (find + make_heap)"};
    }
    if (name == "heap" && b.n >= 1000000) {
        return {false, 0, 0, "skipped: O(N) Remove (linear search)"};
    }
    return {true, kCheckPops, kCheckPops, "reduced steps: O(N) Remove"};
}

void Run(const Bench &b, const std::string &name)
{
    const char *variant = b.cancel ? "cancel" : "hold";
    const PlanT plan = Plan(b, name);
    if (!plan.run) {
        std::printf("ns3-%s\t%" PRIu32 "\t%s\tNA\t0\t0\t-\t%s\n", name.c_str(), b.n, variant, plan.note);
        std::fflush(stdout);
        return;
    }
    ns3::Ptr<ns3::Scheduler> sched = Make(name);
    NopEvent nop;
    uint32_t uid = 0;
    std::vector<ns3::Scheduler::Event> tok(b.n);
    uint64_t ix = 0, px = 0, step = 0;
    for (uint32_t i = 0; i < b.n; i++) {
        ns3::Scheduler::Event ev;
        ev.impl = &nop;
        ev.key = ns3::Scheduler::EventKey{b.incr[ix++], uid++, i};
        tok[i] = ev;
        sched->Insert(ev);
    }
    uint64_t fold = kCheckOffset;
    // Pops that came out before an already popped key: a scheduler that
    // does not keep the order. Counted in the warm-up only.
    uint64_t disorder = 0;
    ns3::Scheduler::EventKey prev{0, 0, 0};
    std::vector<double> eps;
    for (uint32_t r = 0; r <= b.reps; r++) {
        const uint64_t steps = r == 0 ? plan.warmup : plan.steps;
        const double t0 = NowS();
        for (uint64_t k = 0; k < steps; k++, step++) {
            const ns3::Scheduler::Event top = sched->RemoveNext();
            const uint64_t t = top.key.m_ts;
            if (r == 0) {
                if (step < kCheckPops) {
                    fold = (fold ^ t) * kCheckPrime;
                }
                disorder += step > 0 && top.key < prev;
                prev = top.key;
            }
            const uint32_t i = top.key.m_context;
            ns3::Scheduler::Event ev;
            ev.impl = &nop;
            ev.key = ns3::Scheduler::EventKey{t + b.incr[ix++], uid++, i};
            tok[i] = ev;
            sched->Insert(ev);
            if (b.cancel && step % kCancelEvery == kCancelEvery - 1) {
                uint32_t j = b.pick[px++];
                j = j == i ? (j + 1) % b.n : j;
                sched->Remove(tok[j]);
                ev.key = ns3::Scheduler::EventKey{t + b.incr[ix++], uid++, j};
                tok[j] = ev;
                sched->Insert(ev);
            }
        }
        const double dt = NowS() - t0;
        if (r > 0) {
            eps.push_back(static_cast<double>(steps) / dt);
        }
    }
    char note[128];
    if (disorder > 0) {
        std::snprintf(note, sizeof note, "%" PRIu64 " pops out of key order in %" PRIu64 " warm-up pops", disorder,
                      plan.warmup);
    } else {
        std::snprintf(note, sizeof note, "%s", plan.note);
    }
    std::printf("ns3-%s\t%" PRIu32 "\t%s\t%.0f\t%" PRIu32 "\t%" PRIu64 "\t%016" PRIx64 "\t%s\n", name.c_str(),
                b.n, variant, Median(eps), b.reps, plan.steps, fold, note);
    std::fflush(stdout);
}

bool ParseU64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const char *usage = "usage: bench_queue_ns3 N hold|cancel STEPS WARMUP REPS [map|heap|list|calendar|priority-queue]...";
    uint64_t n, steps, warmup, reps;
    if (argc < 6) {
        std::fprintf(stderr, "%s\n", usage);
        return 2;
    }
    const bool variant_ok = std::strcmp(argv[2], "hold") == 0 || std::strcmp(argv[2], "cancel") == 0;
    const char *bad = nullptr;
    int bad_arg = 0;
    if (!ParseU64(argv[1], 2, 10000000, &n)) {
        bad = "N must be an integer in 2..10000000";
        bad_arg = 1;
    } else if (!variant_ok) {
        bad = "VARIANT must be hold or cancel";
        bad_arg = 2;
    } else if (!ParseU64(argv[3], 1, 100000000, &steps)) {
        bad = "STEPS must be an integer in 1..100000000";
        bad_arg = 3;
    } else if (!ParseU64(argv[4], kCheckPops, 100000000, &warmup)) {
        bad = "WARMUP must be an integer in 20000..100000000";
        bad_arg = 4;
    } else if (!ParseU64(argv[5], 1, 15, &reps)) {
        bad = "REPS must be an integer in 1..15";
        bad_arg = 5;
    }
    for (int a = 6; bad == nullptr && a < argc; a++) {
        if (!Make(argv[a])) {
            bad = "unknown scheduler";
            bad_arg = a;
        }
    }
    if (bad != nullptr) {
        std::fprintf(stderr, "argv:%d:1: error: %s\n%s\n", bad_arg, bad, usage);
        return 2;
    }

    Bench b;
    b.n = static_cast<uint32_t>(n);
    b.cancel = std::strcmp(argv[2], "cancel") == 0;
    b.steps = steps;
    b.warmup = warmup;
    b.reps = static_cast<uint32_t>(reps);
    const uint64_t total = warmup + reps * steps;
    b.pick.resize(total / kCancelEvery + 1);
    b.incr.resize(n + total + b.pick.size());
    Rng r;
    RngStream(&r, 1, StreamId("bench-queue-incr"));
    for (auto &v : b.incr) {
        v = static_cast<uint32_t>(RngBelow(&r, 2 * kIncrMeanMs)) + 1;
    }
    RngStream(&r, 1, StreamId("bench-queue-pick"));
    for (auto &v : b.pick) {
        v = static_cast<uint32_t>(RngBelow(&r, n));
    }

    std::vector<std::string> names;
    for (int a = 6; a < argc; a++) {
        names.emplace_back(argv[a]);
    }
    if (names.empty()) {
        names = {"map", "heap", "list", "calendar", "priority-queue"};
    }
    for (const auto &name : names) {
        Run(b, name);
    }
    return 0;
}
