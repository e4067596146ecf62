//! `stalls`: how long this machine stops a thread that never sleeps.
//!
//! One thread per CORE, pinned there, reads `CLOCK_MONOTONIC` in a loop for
//! SECONDS and records every gap between two readings longer than 50 µs:
//! time the thread was not running although it always wanted to. On bare
//! metal those are interrupts, tens of microseconds at most. On a virtual
//! machine they include the host running something else on the vCPU's
//! physical core; on some hosts that only happens, and then for milliseconds,
//! when every vCPU of the machine is busy at once, which is what a proxy on
//! one core and its load and backend on the other make them. A request in
//! flight during such a stall waits it out, so the share of time lost to
//! stalls of a millisecond and more is a floor under the p99 any proxy adds.
//!
//! Usage: stalls SECONDS CORE [CORE ...]
//! Prints one JSON object per line and CORE: `core`, `seconds`, `gaps` (over
//! 50 µs), `stalls_1ms` (gaps of 1 ms and more), `lost_share` (all gaps'
//! time over SECONDS), `lost_share_1ms` (the same, of the stalls) and
//! `max_us`.

use std::thread;

use pace::{now_ns, pin};

/// Gaps shorter than this are the loop's own noise and the guest's interrupts.
const GAP_NS: u64 = 50_000;
const STALL_NS: u64 = 1_000_000;

struct Gaps {
    core: usize,
    count: u64,
    stalls: u64,
    lost_ns: u64,
    stalled_ns: u64,
    max_ns: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: stalls SECONDS CORE [CORE ...]");
        std::process::exit(2);
    }
    let seconds: f64 = args[1].parse().expect("SECONDS is a number");
    let cores: Vec<usize> = args[2..]
        .iter()
        .map(|c| c.parse().expect("CORE is a number"))
        .collect();
    let end = now_ns() + (seconds * 1e9) as u64;
    let spinners: Vec<_> = cores
        .into_iter()
        .map(|core| thread::spawn(move || spin(core, end)))
        .collect();
    for spinner in spinners {
        let g = spinner.join().expect("a spinning thread panicked");
        println!(
            "{{\"core\": {}, \"seconds\": {seconds}, \"gaps\": {}, \"stalls_1ms\": {}, \"lost_share\": {:.5}, \"lost_share_1ms\": {:.5}, \"max_us\": {:.1}}}",
            g.core,
            g.count,
            g.stalls,
            g.lost_ns as f64 / (seconds * 1e9),
            g.stalled_ns as f64 / (seconds * 1e9),
            g.max_ns as f64 / 1e3
        );
    }
}

/// Spins on `core` until `end`, recording the gaps between clock readings.
fn spin(core: usize, end: u64) -> Gaps {
    pin(core);
    let mut g = Gaps {
        core,
        count: 0,
        stalls: 0,
        lost_ns: 0,
        stalled_ns: 0,
        max_ns: 0,
    };
    let mut prev = now_ns();
    while prev < end {
        let now = now_ns();
        let gap = now - prev;
        prev = now;
        if gap > GAP_NS {
            g.count += 1;
            g.lost_ns += gap;
            g.max_ns = g.max_ns.max(gap);
            if gap >= STALL_NS {
                g.stalls += 1;
                g.stalled_ns += gap;
            }
        }
    }
    g
}
