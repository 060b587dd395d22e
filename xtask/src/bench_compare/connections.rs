//! How many TCP connections a driver opened, read from the emulator's log.
//!
//! The emulator logs one debug event per accepted connection under the target
//! `acs_emulator::connections`, with the peer address and the running count, before it
//! serves the connection; its log is a file the task gave it as stderr, written
//! unbuffered, one `write` per event. A driver's own lines are therefore in the file once
//! its last response has arrived — except for connections it opened but never used: a
//! pooled client may open a spare one that is still in the listen backlog when the driver
//! exits. So the task does not read "the highest count so far" at an arbitrary moment but
//! sets a [`Mark`]: it opens one connection of its own and waits for the line naming it.
//! The listener accepts in the order connections were established, so by then every
//! earlier connection has been counted, and the driver's share is the difference between
//! the marks before and after it, less the mark's own connection.

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// The target of the emulator's connection events.
const TARGET: &str = "acs_emulator::connections";
/// How often the log is read again while waiting for a mark.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// The emulator's connection count at one moment, as the task's own connection saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark(u64);

impl Mark {
    /// The connections accepted after `self` and before `later`, other than `later`'s own.
    fn connections_until(self, later: Mark) -> u64 {
        later.0.saturating_sub(self.0).saturating_sub(1)
    }
}

/// Counts the connections opened between one call of [`opened_since_last`] and the next.
///
/// [`opened_since_last`]: ConnectionCounter::opened_since_last
#[derive(Debug)]
pub(super) struct ConnectionCounter {
    path: PathBuf,
    address: SocketAddr,
    wait: Duration,
    /// The latest mark; `None` once a mark failed, after which nothing is counted.
    last: Option<Mark>,
}

impl ConnectionCounter {
    /// Starts counting on the emulator at `address` logging to `path`; each mark waits at
    /// most `wait` for its line.
    pub(super) fn start(path: &Path, address: SocketAddr, wait: Duration) -> Self {
        let mut counter = Self {
            path: path.to_owned(),
            address,
            wait,
            last: None,
        };
        counter.last = counter.report(counter.mark());
        counter
    }

    /// The connections the emulator accepted since the previous call (or the start), not
    /// counting the task's own probes; `None` when they cannot be counted (the reason is
    /// printed once).
    pub(super) fn opened_since_last(&mut self) -> Option<u64> {
        let before = self.last?;
        let after = self.report(self.mark())?;
        self.last = Some(after);
        Some(before.connections_until(after))
    }

    /// The mark, or `None` after printing why there is none.
    fn report(&mut self, mark: Result<Mark, String>) -> Option<Mark> {
        match mark {
            Ok(mark) => Some(mark),
            Err(error) => {
                eprintln!("bench-compare: connections are not counted from here on: {error}");
                self.last = None;
                None
            }
        }
    }

    /// Opens one connection to the emulator and returns the count its log line carries.
    ///
    /// # Errors
    ///
    /// When the connection cannot be opened or no line for it appears in time (e.g. a
    /// `RUST_LOG` that turns the connection events off).
    fn mark(&self) -> Result<Mark, String> {
        let probe = TcpStream::connect(self.address)
            .map_err(|error| format!("cannot connect to the emulator: {error}"))?;
        let peer = probe
            .local_addr()
            .map_err(|error| format!("cannot read the probe's address: {error}"))?
            .to_string();
        let deadline = Instant::now() + self.wait;
        loop {
            let text = fs::read_to_string(&self.path).unwrap_or_default();
            let after = self.last.map_or(0, |mark| mark.0);
            if let Some(count) = count_of_peer(&text, &peer, after) {
                return Ok(Mark(count));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the emulator logged no `{TARGET}` line for {peer} within {} ms \
                     (is RUST_LOG set without that target?)",
                    self.wait.as_millis()
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

/// One connection event: the peer address and the running count.
#[derive(Debug, PartialEq, Eq)]
struct Event<'a> {
    peer: &'a str,
    count: u64,
}

/// The connection event on one log line, if the line is one.
fn parse_line(line: &str) -> Option<Event<'_>> {
    let (_, fields) = line.split_once(&format!("{TARGET}:"))?;
    let field = |name: &str| {
        fields
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
    };
    Some(Event {
        peer: field("peer")?,
        count: field("count")?.parse().ok()?,
    })
}

/// The count on the last connection event from `peer` in `text`.
/// The count of the newest event for `peer` with a count above `after`: a peer address
/// (an ephemeral port) can come back later in a run, so an older line for it is not this
/// probe's.
fn count_of_peer(text: &str, peer: &str, after: u64) -> Option<u64> {
    text.lines()
        .filter_map(parse_line)
        .filter(|event| event.peer == peer && event.count > after)
        .map(|event| event.count)
        .next_back()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LOG: &str = "\
2026-12-04T17:30:00.000001Z  DEBUG acs_emulator::connections: accepted a connection peer=127.0.0.1:50001 count=1
2026-12-04T17:30:00.000002Z  WARN acs_emulator::service: something else count=99
2026-12-04T17:30:00.000003Z  DEBUG acs_emulator::connections: accepted a connection peer=127.0.0.1:50002 count=2
2026-12-04T17:30:00.000004Z  DEBUG acs_emulator::connections: accepted a connection peer=[::1]:50003 count=3
";

    #[test]
    fn connection_lines_give_the_peer_and_the_count() {
        let line = LOG.lines().next().unwrap();
        assert_eq!(
            parse_line(line),
            Some(Event {
                peer: "127.0.0.1:50001",
                count: 1
            })
        );
    }

    #[test]
    fn other_lines_are_not_connection_events() {
        assert_eq!(parse_line(LOG.lines().nth(1).unwrap()), None);
        assert_eq!(parse_line(""), None);
        assert_eq!(
            parse_line("DEBUG acs_emulator::connections: accepted a connection peer=1:2"),
            None
        );
        assert_eq!(
            parse_line("DEBUG acs_emulator::connections: accepted peer=1:2 count=many"),
            None
        );
    }

    #[test]
    fn the_count_of_a_peer_is_found_among_others() {
        assert_eq!(count_of_peer(LOG, "127.0.0.1:50002", 0), Some(2));
        assert_eq!(count_of_peer(LOG, "[::1]:50003", 0), Some(3));
        assert_eq!(count_of_peer(LOG, "127.0.0.1:5000", 0), None);
    }

    #[test]
    fn an_older_line_for_a_reused_port_is_not_the_probe() {
        // 127.0.0.1:50001 was a driver's connection (count 1); the probe now has that port
        // again, after a mark at 3, and its own line is not written yet.
        assert_eq!(count_of_peer(LOG, "127.0.0.1:50001", 3), None);
        let later = format!(
            "{LOG}2026-12-04T17:30:01Z  DEBUG acs_emulator::connections: accepted a connection \
             peer=127.0.0.1:50001 count=4\n"
        );
        assert_eq!(count_of_peer(&later, "127.0.0.1:50001", 3), Some(4));
    }

    #[test]
    fn a_driver_opened_the_connections_between_two_marks_less_the_second_one() {
        assert_eq!(Mark(1).connections_until(Mark(10)), 8);
        assert_eq!(Mark(4).connections_until(Mark(5)), 0);
        assert_eq!(Mark(5).connections_until(Mark(5)), 0);
    }
}
