//! What `bench-compare` prints: one summary per client and concurrency over all rounds,
//! the result table, the emulator-against-fixed-body table and the verdicts on the goals.
//!
//! With several rounds, a client's summary is its median round by calls/s — the lower
//! median for an even number — and every other number of the row (latencies, peak RSS,
//! connections) comes from that same round, so a row is always one real run. The range
//! of calls/s over the rounds is shown beside it. The verdicts use the medians.
//! Everything here is pure: it formats what the runs measured.

use std::fmt::Write as _;

use super::Client;
use super::driver::Measurement;

/// What one driver run gave: its measurement and, for drivers against the emulator, the
/// connections it opened.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sample {
    /// Rate, latencies and peak RSS.
    pub(super) measurement: Measurement,
    /// TCP connections the emulator accepted from the driver, when they could be counted.
    pub(super) connections: Option<u64>,
}

/// One driver run of one round.
#[derive(Debug)]
pub(super) struct Run {
    /// Who ran.
    pub(super) client: Client,
    /// Calls in flight at once.
    pub(super) concurrency: usize,
    /// What it measured, or why it failed.
    pub(super) result: Result<Sample, String>,
}

/// A client at one concurrency over every round.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Summary {
    /// Who ran.
    pub(super) client: Client,
    /// Calls in flight at once.
    pub(super) concurrency: usize,
    /// The median round by calls/s; `None` when every round failed.
    pub(super) median: Option<Sample>,
    /// The lowest and highest calls/s of the rounds that succeeded.
    pub(super) range: Option<(f64, f64)>,
    /// Rounds that failed.
    pub(super) failed: usize,
}

impl Summary {
    fn calls_per_second(&self) -> Option<f64> {
        self.median
            .as_ref()
            .map(|sample| sample.measurement.calls_per_second())
    }
}

/// One summary per client and concurrency, in the order concurrencies first appear and, for
/// each, in the order of [`Client::ALL`].
pub(super) fn summarize(runs: &[Run]) -> Vec<Summary> {
    let mut concurrencies: Vec<usize> = Vec::new();
    for run in runs {
        if !concurrencies.contains(&run.concurrency) {
            concurrencies.push(run.concurrency);
        }
    }
    let mut summaries = Vec::new();
    for &concurrency in &concurrencies {
        for client in Client::ALL {
            let mine: Vec<&Run> = runs
                .iter()
                .filter(|run| run.client == client && run.concurrency == concurrency)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let samples: Vec<&Sample> = mine
                .iter()
                .filter_map(|run| run.result.as_ref().ok())
                .collect();
            let rates = samples
                .iter()
                .map(|sample| sample.measurement.calls_per_second());
            let range = rates.clone().reduce(f64::min).zip(rates.reduce(f64::max));
            summaries.push(Summary {
                client,
                concurrency,
                median: median_by_rate(&samples).cloned(),
                range,
                failed: mine.len() - samples.len(),
            });
        }
    }
    summaries
}

/// The sample with the median calls/s (the lower of the two middle ones for an even count).
fn median_by_rate<'a>(samples: &[&'a Sample]) -> Option<&'a Sample> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| {
        a.measurement
            .calls_per_second()
            .total_cmp(&b.measurement.calls_per_second())
    });
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// The summary of `client` at `concurrency`, when there is one.
fn find(summaries: &[Summary], client: Client, concurrency: usize) -> Option<&Summary> {
    summaries
        .iter()
        .find(|summary| summary.client == client && summary.concurrency == concurrency)
}

/// The median calls/s of `client` at `concurrency`, when it ran.
fn rate(summaries: &[Summary], client: Client, concurrency: usize) -> Option<f64> {
    find(summaries, client, concurrency).and_then(Summary::calls_per_second)
}

/// The concurrencies of `summaries`, in order, once each.
fn concurrencies(summaries: &[Summary]) -> Vec<usize> {
    let mut seen = Vec::new();
    for summary in summaries {
        if !seen.contains(&summary.concurrency) {
            seen.push(summary.concurrency);
        }
    }
    seen
}

/// The result table in Markdown (so that it pastes into the docs): every client but the
/// fixed-body run; the range column only when there was more than one round.
pub(super) fn table(summaries: &[Summary], rounds: usize) -> String {
    let ranged = rounds > 1;
    let mut text = String::from("| client | concurrency | calls/s |");
    if ranged {
        text.push_str(" calls/s range |");
    }
    text.push_str(" p50 ms | p99 ms | peak RSS MiB | connections | ratio to floor |\n");
    text.push_str("| --- | ---: | ---: |");
    if ranged {
        text.push_str(" ---: |");
    }
    text.push_str(" ---: | ---: | ---: | ---: | ---: |\n");

    for summary in summaries.iter().filter(|s| s.client != Client::FixedBody) {
        let _ = write!(
            text,
            "| {} | {} |",
            summary.client.label(),
            summary.concurrency
        );
        let Some(sample) = &summary.median else {
            text.push_str(" failed |");
            if ranged {
                text.push_str(" - |");
            }
            text.push_str(" - | - | - | - | - |\n");
            continue;
        };
        let measurement = &sample.measurement;
        let failed = if summary.failed > 0 {
            format!(" ({} of {rounds} rounds failed)", summary.failed)
        } else {
            String::new()
        };
        let _ = write!(text, " {:.0}{failed} |", measurement.calls_per_second());
        if ranged {
            let range = summary.range.map_or_else(
                || "-".to_owned(),
                |(low, high)| format!("{low:.0}–{high:.0}"),
            );
            let _ = write!(text, " {range} |");
        }
        let connections = sample
            .connections
            .map_or_else(|| "-".to_owned(), |count| count.to_string());
        let ratio = rate(summaries, Client::Raw, summary.concurrency).map_or_else(
            || "-".to_owned(),
            |floor| format!("{:.2}", measurement.calls_per_second() / floor),
        );
        let _ = writeln!(
            text,
            " {:.2} | {:.2} | {:.1} | {connections} | {ratio} |",
            measurement.p50_ms,
            measurement.p99_ms,
            measurement.peak_rss_mib(),
        );
    }
    text
}

/// The raw driver against the emulator and against the fixed-body server, per concurrency,
/// with the emulator's share of the emulator run's time per call.
pub(super) fn emulator_table(summaries: &[Summary]) -> String {
    let mut text = String::from(
        "| concurrency | raw → emulator calls/s | raw → fixed-body server calls/s | \
         emulator share | emulator µs per call | p50 ms emulator / fixed | \
         driver peak RSS MiB emulator / fixed |\n\
         | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for concurrency in concurrencies(summaries) {
        let emulator = find(summaries, Client::Raw, concurrency).and_then(|s| s.median.as_ref());
        let fixed = find(summaries, Client::FixedBody, concurrency).and_then(|s| s.median.as_ref());
        let rate_of = |sample: Option<&Sample>| {
            sample.map_or_else(
                || "failed".to_owned(),
                |s| format!("{:.0}", s.measurement.calls_per_second()),
            )
        };
        let pair = |value: fn(&Measurement) -> f64, digits: usize| match (emulator, fixed) {
            (Some(e), Some(f)) => format!(
                "{:.digits$} / {:.digits$}",
                value(&e.measurement),
                value(&f.measurement)
            ),
            _ => "-".to_owned(),
        };
        let (share, micros) = match (emulator, fixed) {
            (Some(e), Some(f)) => {
                let (e, f) = (
                    e.measurement.calls_per_second(),
                    f.measurement.calls_per_second(),
                );
                if e > 0.0 && f > 0.0 {
                    (
                        format!("{:.0} %", (1.0 - e / f) * 100.0),
                        format!("{:.1}", 1e6 / e - 1e6 / f),
                    )
                } else {
                    ("-".to_owned(), "-".to_owned())
                }
            }
            _ => ("-".to_owned(), "-".to_owned()),
        };
        let _ = writeln!(
            text,
            "| {concurrency} | {} | {} | {share} | {micros} | {} | {} |",
            rate_of(emulator),
            rate_of(fixed),
            pair(|m| m.p50_ms, 2),
            pair(Measurement::peak_rss_mib, 1),
        );
    }
    text
}

/// The goals per concurrency, from the medians: ours at least 0.9 × the floor, at least
/// 5 × the JavaScript SDK, and no more connections than calls in flight.
pub(super) fn verdicts(summaries: &[Summary]) -> String {
    let mut text = String::new();
    for concurrency in concurrencies(summaries) {
        let ours = rate(summaries, Client::Ours, concurrency);
        let ratio = |name: &str, versus: &str, other: Option<f64>, factor: f64| match (ours, other)
        {
            (Some(ours), Some(other)) if other > 0.0 => format!(
                "{name}: ours/{versus} = {:.2} ({})",
                ours / other,
                met(ours >= factor * other)
            ),
            _ => format!("{name}: not measured"),
        };
        let connections = find(summaries, Client::Ours, concurrency)
            .and_then(|summary| summary.median.as_ref())
            .and_then(|sample| sample.connections);
        let reuse = match connections {
            Some(count) => format!(
                "connections <= concurrency: ours opened {count} for {concurrency} in flight ({})",
                met(count <= concurrency as u64)
            ),
            None => "connections <= concurrency: not measured".to_owned(),
        };
        let _ = writeln!(
            text,
            "concurrency {concurrency}:\n  {}\n  {}\n  {reuse}",
            ratio(
                ">= 0.9 x floor",
                "floor",
                rate(summaries, Client::Raw, concurrency),
                0.9
            ),
            ratio(
                ">= 5 x JS",
                "js",
                rate(summaries, Client::Js, concurrency),
                5.0
            ),
        );
    }
    text
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "not met" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A sample of `calls` calls in one second.
    fn sample(calls: u64, connections: Option<u64>) -> Sample {
        Sample {
            measurement: Measurement {
                calls,
                seconds: 1.0,
                p50_ms: calls as f64 / 1000.0,
                p99_ms: 2.0,
                peak_rss_kib: 2048,
            },
            connections,
        }
    }

    fn run(client: Client, concurrency: usize, calls: u64, connections: Option<u64>) -> Run {
        Run {
            client,
            concurrency,
            result: Ok(sample(calls, connections)),
        }
    }

    fn failed(client: Client, concurrency: usize) -> Run {
        Run {
            client,
            concurrency,
            result: Err("stopped".to_owned()),
        }
    }

    #[test]
    fn the_median_is_the_middle_round_by_rate_and_the_lower_one_of_an_even_count() {
        let (a, b, c, d) = (
            sample(300, Some(3)),
            sample(100, Some(1)),
            sample(200, Some(2)),
            sample(400, None),
        );
        assert_eq!(median_by_rate(&[&a, &b, &c]), Some(&c));
        assert_eq!(median_by_rate(&[&a, &b, &c, &d]), Some(&c));
        assert_eq!(median_by_rate(&[&a]), Some(&a));
        assert_eq!(median_by_rate(&[]), None);
    }

    #[test]
    fn a_summary_keeps_the_whole_median_round_and_the_range() {
        let runs = [
            run(Client::Ours, 8, 300, Some(9)),
            run(Client::Ours, 8, 100, Some(7)),
            failed(Client::Ours, 8),
            run(Client::Ours, 8, 200, Some(8)),
        ];

        let summaries = summarize(&runs);

        assert_eq!(summaries.len(), 1);
        let summary = &summaries[0];
        assert_eq!(summary.median, Some(sample(200, Some(8))));
        assert_eq!(summary.range, Some((100.0, 300.0)));
        assert_eq!(summary.failed, 1);
    }

    #[test]
    fn summaries_follow_the_concurrencies_then_the_client_order() {
        let runs = [
            run(Client::Python, 64, 1, None),
            run(Client::Raw, 64, 1, None),
            run(Client::Ours, 1, 1, None),
            run(Client::Raw, 1, 1, None),
            run(Client::Raw, 64, 1, None),
        ];

        let order: Vec<(Client, usize)> = summarize(&runs)
            .iter()
            .map(|s| (s.client, s.concurrency))
            .collect();

        assert_eq!(
            order,
            [
                (Client::Raw, 64),
                (Client::Python, 64),
                (Client::Raw, 1),
                (Client::Ours, 1)
            ]
        );
    }

    #[test]
    fn the_table_shows_connections_and_ratios_and_a_range_only_for_several_rounds() {
        let runs = [
            run(Client::Raw, 4, 1000, Some(4)),
            run(Client::Ours, 4, 900, Some(5)),
            failed(Client::Js, 4),
            run(Client::FixedBody, 4, 2000, None),
        ];
        let summaries = summarize(&runs);

        let one = table(&summaries, 1);
        assert_eq!(
            one,
            "| client | concurrency | calls/s | p50 ms | p99 ms | peak RSS MiB | connections | ratio to floor |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n\
             | raw hyper (floor) | 4 | 1000 | 1.00 | 2.00 | 2.0 | 4 | 1.00 |\n\
             | acs-identity (Rust) | 4 | 900 | 0.90 | 2.00 | 2.0 | 5 | 0.90 |\n\
             | @azure/communication-identity (JS) | 4 | failed | - | - | - | - | - |\n"
        );

        let three = table(&summaries, 3);
        assert!(three.starts_with("| client | concurrency | calls/s | calls/s range |"));
        assert!(three.contains("| raw hyper (floor) | 4 | 1000 | 1000–1000 | 1.00 |"));
        assert!(three.contains("| 4 | failed | - | - | - | - | - | - |"));
    }

    #[test]
    fn the_emulator_table_gives_the_emulators_share() {
        let runs = [
            run(Client::Raw, 1, 2000, Some(1)),
            run(Client::FixedBody, 1, 8000, None),
            run(Client::Raw, 64, 100, None),
        ];

        let text = emulator_table(&summarize(&runs));

        let rows: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "| 1 | 2000 | 8000 | 75 % | 375.0 | 2.00 / 8.00 | 2.0 / 2.0 |",
                "| 64 | 100 | failed | - | - | - | - |",
            ]
        );
    }

    #[test]
    fn the_verdicts_have_three_lines_per_concurrency() {
        let runs = [
            run(Client::Raw, 8, 1000, Some(8)),
            run(Client::Ours, 8, 950, Some(9)),
            run(Client::Js, 8, 100, Some(8)),
            run(Client::Raw, 1, 1000, Some(1)),
            run(Client::Ours, 1, 500, Some(1)),
        ];

        let text = verdicts(&summarize(&runs));

        assert_eq!(
            text,
            "concurrency 8:\n\
             \x20 >= 0.9 x floor: ours/floor = 0.95 (met)\n\
             \x20 >= 5 x JS: ours/js = 9.50 (met)\n\
             \x20 connections <= concurrency: ours opened 9 for 8 in flight (not met)\n\
             concurrency 1:\n\
             \x20 >= 0.9 x floor: ours/floor = 0.50 (not met)\n\
             \x20 >= 5 x JS: not measured\n\
             \x20 connections <= concurrency: ours opened 1 for 1 in flight (met)\n"
        );
    }
}
