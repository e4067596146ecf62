//! `pace`: sends GET requests at a constant rate and reports their latency,
//! timed from when each request was due (so queueing behind a slow answer
//! counts: no coordinated omission).
//!
//! One thread, keep-alive connections, one request in flight on each. The
//! thread wakes every tick (50 µs, `PACE_TICK_US`; an absolute
//! `clock_nanosleep` with a timer slack of 1 ns), collects the answers that
//! arrived, and sends every request that has fallen due: requests leave at
//! most a tick after they are due, not in bursts at each millisecond as with
//! a 1 ms timer, and the generator costs a wake-up per tick rather than one
//! per request and per answer (it shares a core with the backend). An answer
//! is timed when its tick collects it, so latencies read up to a tick high,
//! the same for every target. A request due while every connection is busy
//! waits for the first to free up; its latency includes the wait.
//!
//! Usage: pace URL RATE SECONDS CONNECTIONS ['Name: value' ...]
//! (`PACE_TIMELINE=FILE` also writes, per answer and in µs, its due time on
//! CLOCK_MONOTONIC, its latency and how long it waited to be sent.)
//! Prints one JSON object with the fields bench/gateway.py reads from oha's
//! `--output-format json`: `summary.requestsPerSec`, `latencyPercentiles`
//! (seconds), `statusCodeDistribution`, `errorDistribution`; and
//! `sendWaitPercentiles`: how long requests waited to be sent (for their tick,
//! for a free connection), the part of the latency spent in the generator.

use std::collections::{BTreeMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;

use pace::{now_ns, percentile, sleep_until};

/// How long answers still in flight are waited for once sending stops.
const GRACE_NS: u64 = 2_000_000_000;

struct Conn {
    stream: TcpStream,
    /// When the request in flight was due (ns); `None` when free.
    due: Option<u64>,
    /// When it was sent (ns): the tick that wrote it.
    sent: u64,
    buf: Vec<u8>,
}

struct Stats {
    latencies: Vec<u64>,
    /// How long each answered request waited to be sent (ns): for its tick,
    /// and for a free connection.
    waits: Vec<u64>,
    /// (due, latency, wait) of each answer, for `PACE_TIMELINE`.
    timeline: Option<Vec<(u64, u64, u64)>>,
    codes: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: pace URL RATE SECONDS CONNECTIONS ['Name: value' ...]");
        std::process::exit(2);
    }
    let (addr, path) = split_url(&args[1]);
    let rate: f64 = args[2].parse().expect("RATE is a number");
    let seconds: f64 = args[3].parse().expect("SECONDS is a number");
    let connections: usize = args[4].parse().expect("CONNECTIONS is a number");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
    for header in &args[5..] {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    // SAFETY: prctl with PR_SET_TIMERSLACK only sets this thread's slack.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1, 0, 0, 0) };
    let tick_ns = std::env::var("PACE_TICK_US")
        .ok()
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(50)
        * 1000;
    let stats = run(
        &addr,
        request.as_bytes(),
        rate,
        seconds,
        connections,
        tick_ns,
    );
    print_json(&stats, seconds);
    if let (Some(path), Some(timeline)) = (std::env::var_os("PACE_TIMELINE"), &stats.timeline) {
        // One line per answer: when it was due, its latency and how much of that it waited to
        // be sent, in µs; the due time on CLOCK_MONOTONIC, the clock of
        // `perf record -k CLOCK_MONOTONIC`, so the answers can be laid beside a trace of the
        // server's core.
        let text: String = timeline
            .iter()
            .map(|(due, latency, wait)| {
                format!("{} {} {}\n", due / 1000, latency / 1000, wait / 1000)
            })
            .collect();
        std::fs::write(path, text).expect("write PACE_TIMELINE");
    }
}

/// `http://host:port/path` → (`host:port`, `/path`).
fn split_url(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream.set_nonblocking(true).expect("nonblocking");
    stream
}

fn run(addr: &str, request: &[u8], rate: f64, seconds: f64, n: usize, tick_ns: u64) -> Stats {
    // SAFETY: plain epoll calls on descriptors this function owns.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1");
    let mut conns: Vec<Conn> = (0..n)
        .map(|_| Conn {
            stream: connect(addr),
            due: None,
            sent: 0,
            buf: Vec::with_capacity(4096),
        })
        .collect();
    for (i, conn) in conns.iter().enumerate() {
        register(epoll, &conn.stream, i);
    }
    let mut stats = Stats {
        latencies: Vec::with_capacity((rate * seconds) as usize + 16),
        waits: Vec::with_capacity((rate * seconds) as usize + 16),
        timeline: std::env::var_os("PACE_TIMELINE").map(|_| Vec::new()),
        codes: BTreeMap::new(),
        errors: BTreeMap::new(),
    };
    let interval_ns = 1e9 / rate;
    let total = (rate * seconds).round() as u64;
    let end_ns = (seconds * 1e9) as u64 + GRACE_NS;
    let start = now_ns();
    let due_of = |k: u64| start + (k as f64 * interval_ns) as u64;
    let mut tick = start;
    let mut sent = 0u64;
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut free: Vec<usize> = (0..n).rev().collect();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; n];
    loop {
        // The answers that arrived since the last tick.
        // SAFETY: `events` has room for `n` entries; a zero timeout.
        let ready = unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), n as libc::c_int, 0) };
        let now = now_ns();
        for event in events.iter().take(ready.max(0) as usize) {
            let i = event.u64 as usize;
            if receive(&mut conns[i], now, &mut stats) {
                free.push(i);
            } else if conns[i].due.is_none() && !free.contains(&i) {
                // Closed or failed: a new connection in its place.
                deregister(epoll, &conns[i].stream);
                conns[i].stream = connect(addr);
                conns[i].buf.clear();
                register(epoll, &conns[i].stream, i);
                free.push(i);
            }
        }
        // Everything due by now: onto a free connection, else it waits.
        while sent < total && due_of(sent) <= now {
            waiting.push_back(due_of(sent));
            sent += 1;
        }
        while let (Some(_), Some(&i)) = (waiting.front(), free.last()) {
            let due = waiting.pop_front().expect("front");
            free.pop();
            send(&mut conns[i], request, due, now, &mut stats);
        }
        let in_flight = n - free.len();
        if sent >= total && waiting.is_empty() && in_flight == 0 {
            break;
        }
        if now > start + end_ns {
            *stats
                .errors
                .entry("unanswered at the end".into())
                .or_default() += (in_flight + waiting.len()) as u64;
            break;
        }
        tick += tick_ns;
        if tick < now {
            tick = now;
        }
        sleep_until(tick);
    }
    stats
}

fn register(epoll: i32, stream: &TcpStream, i: usize) {
    let mut event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: i as u64,
    };
    // SAFETY: a valid descriptor and event.
    let rc = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, stream.as_raw_fd(), &mut event) };
    assert_eq!(rc, 0, "epoll_ctl");
}

fn deregister(epoll: i32, stream: &TcpStream) {
    // SAFETY: a valid descriptor; the event is ignored for DEL.
    unsafe {
        libc::epoll_ctl(
            epoll,
            libc::EPOLL_CTL_DEL,
            stream.as_raw_fd(),
            std::ptr::null_mut(),
        )
    };
}

fn send(conn: &mut Conn, request: &[u8], due: u64, now: u64, stats: &mut Stats) {
    let mut written = 0;
    while written < request.len() {
        match conn.stream.write(&request[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => {
                *stats.errors.entry(format!("write: {e}")).or_default() += 1;
                return;
            }
        }
    }
    conn.due = Some(due);
    conn.sent = now;
}

/// Reads what arrived by `now` (ns); true when it completed the answer in
/// flight (the connection is free again). False with `due` cleared when the
/// connection failed.
fn receive(conn: &mut Conn, now: u64, stats: &mut Stats) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                fail(conn, stats, "closed by the server");
                return false;
            }
            Ok(n) => {
                conn.buf.extend_from_slice(&chunk[..n]);
                // A short read took everything there was: no second call to hear EAGAIN (the
                // rest of a partial answer raises the next readiness event).
                if n < chunk.len() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => {
                fail(conn, stats, &format!("read: {e}"));
                return false;
            }
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let head = match response.parse(&conn.buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return false,
        Err(_) => {
            fail(conn, stats, "malformed response");
            return false;
        }
    };
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| {
            std::str::from_utf8(h.value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        });
    let Some(length) = length else {
        fail(conn, stats, "a response without Content-Length");
        return false;
    };
    if conn.buf.len() < head + length {
        return false;
    }
    let code = response.code.unwrap_or(0);
    let Some(due) = conn.due.take() else {
        fail(conn, stats, "an answer to no request");
        return false;
    };
    let wait = conn.sent.saturating_sub(due);
    stats.latencies.push(now.saturating_sub(due));
    stats.waits.push(wait);
    if let Some(timeline) = &mut stats.timeline {
        timeline.push((due, now.saturating_sub(due), wait));
    }
    *stats.codes.entry(code).or_default() += 1;
    conn.buf.drain(..head + length);
    true
}

fn fail(conn: &mut Conn, stats: &mut Stats, why: &str) {
    *stats.errors.entry(why.to_string()).or_default() += 1;
    conn.due = None;
}

/// The p50, p90, p99, p99.9 and max of `values` (ns) as a JSON object in seconds.
fn percentiles(values: &[u64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let pct = |p: f64| percentile(&sorted, p) as f64 / 1e9;
    format!(
        "{{\"p50\": {:.6}, \"p90\": {:.6}, \"p99\": {:.6}, \"p99.9\": {:.6}, \"max\": {:.6}}}",
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        pct(100.0)
    )
}

fn print_json(stats: &Stats, seconds: f64) {
    let codes: Vec<String> = stats
        .codes
        .iter()
        .map(|(c, n)| format!("\"{c}\": {n}"))
        .collect();
    let errors: Vec<String> = stats
        .errors
        .iter()
        .map(|(e, n)| format!("\"{}\": {n}", e.replace('"', "'")))
        .collect();
    println!(
        "{{\"summary\": {{\"requestsPerSec\": {:.1}, \"total\": {}}}, \
         \"latencyPercentiles\": {}, \"sendWaitPercentiles\": {}, \
         \"statusCodeDistribution\": {{{}}}, \"errorDistribution\": {{{}}}}}",
        stats.latencies.len() as f64 / seconds,
        stats.latencies.len(),
        percentiles(&stats.latencies),
        percentiles(&stats.waits),
        codes.join(", "),
        errors.join(", ")
    );
}
