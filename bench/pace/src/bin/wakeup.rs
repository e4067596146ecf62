//! `wakeup`: how late this machine wakes a thread that sleeps on a core.
//!
//! Pinned to CORE, the thread sleeps until a deadline PERIOD_US ahead, again
//! and again for SECONDS, and records by how much each wake-up missed its
//! deadline. With the core otherwise idle, that is the time the machine takes
//! to bring an idle core back to work: on bare metal a few microseconds; on a
//! virtual machine whose idle vCPUs halt, a trip through the hypervisor, and
//! sometimes a wait for the host to run the vCPU again. A proxy's request
//! wakes its core once or twice (the client's request, the backend's answer),
//! so this is a floor under the latency any proxy adds on the machine.
//!
//! Usage: wakeup CORE SECONDS PERIOD_US
//! Prints one JSON object: `core`, `period_us`, `samples` and the lateness
//! percentiles `p50_us`, `p99_us`, `p99_9_us`, `max_us`.

use pace::{now_ns, percentile, pin, sleep_until};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: wakeup CORE SECONDS PERIOD_US");
        std::process::exit(2);
    }
    let core: usize = args[1].parse().expect("CORE is a number");
    let seconds: f64 = args[2].parse().expect("SECONDS is a number");
    let period_ns: u64 = args[3].parse::<u64>().expect("PERIOD_US is a number") * 1000;
    assert!(period_ns > 0, "PERIOD_US is at least 1");
    pin(core);
    // SAFETY: prctl with PR_SET_TIMERSLACK only sets this thread's slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1, 0, 0, 0) };

    let mut late: Vec<u64> = Vec::with_capacity((seconds * 1e9 / period_ns as f64) as usize + 1);
    let mut due = now_ns();
    let end = due + (seconds * 1e9) as u64;
    while due < end {
        due += period_ns;
        sleep_until(due);
        let woke = now_ns();
        late.push(woke.saturating_sub(due));
        // A wake-up later than a whole period starts the next period from now, so one long
        // stall counts once rather than as a run of deadlines already past.
        if woke > due + period_ns {
            due = woke;
        }
    }
    late.sort_unstable();
    let pct = |p: f64| percentile(&late, p) as f64 / 1e3;
    println!(
        "{{\"core\": {core}, \"period_us\": {}, \"samples\": {}, \"p50_us\": {:.1}, \"p99_us\": {:.1}, \"p99_9_us\": {:.1}, \"max_us\": {:.1}}}",
        period_ns / 1000,
        late.len(),
        pct(50.0),
        pct(99.0),
        pct(99.9),
        pct(100.0)
    );
}
