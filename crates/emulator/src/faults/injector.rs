//! Deciding, per request, which fault rule fires.
//!
//! The injector holds the installed rules, how many requests each has seen, and a seeded
//! random sequence for `fraction` conditions. Everything sits behind one `std` mutex held
//! only for the decision, so counting stays exact under concurrent requests. Installing
//! rules (at start or with [`Emulator::set_faults`](crate::Emulator::set_faults)) resets the
//! counts and restarts the random sequence from the seed, so a run with the same seed and
//! the same order of requests injects the same faults.

use std::sync::{Mutex, PoisonError};

use super::rule::{Fault, FaultRule};
use crate::operation::Operation;

/// The installed rules and their counts.
#[derive(Debug)]
struct Installed {
    /// Each rule with the number of requests that reached it and matched its operation.
    rules: Vec<(FaultRule, u32)>,
    rng: fastrand::Rng,
}

/// The fault rules of one emulator.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    seed: u64,
    installed: Mutex<Installed>,
}

impl FaultInjector {
    /// An injector with `rules`, drawing fractions from a sequence seeded with `seed`.
    pub(crate) fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        Self {
            seed,
            installed: Mutex::new(Installed::new(seed, rules)),
        }
    }

    /// The seed of the random sequence.
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Replaces the rules, resetting the counts and the random sequence.
    pub(crate) fn install(&self, rules: Vec<FaultRule>) {
        *self.lock() = Installed::new(self.seed, rules);
    }

    /// The rules installed now.
    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        self.lock()
            .rules
            .iter()
            .map(|(rule, _)| rule.clone())
            .collect()
    }

    /// The fault for a request routed to `operation`, if a rule fires.
    ///
    /// Rules are tried in order and the first whose conditions all hold fires; the rules
    /// after it are not tried, so their counts do not move. A rule whose operation matches
    /// counts the request, then checks `first` against the count, then draws for
    /// `fraction`.
    pub(crate) fn pick(&self, operation: Operation) -> Option<Fault> {
        let mut installed = self.lock();
        let Installed { rules, rng } = &mut *installed;

        for (rule, seen) in rules.iter_mut() {
            let when = &rule.when;
            if when.operation.is_some_and(|wanted| wanted != operation) {
                continue;
            }
            *seen = seen.saturating_add(1);
            if when.first.is_some_and(|first| *seen > first) {
                continue;
            }
            // `f64()` is in [0, 1): a fraction of 1 always fires, 0 (or NaN) never does.
            if when
                .fraction
                .is_some_and(|fraction| rng.f64() >= fraction || fraction.is_nan())
            {
                continue;
            }
            return Some(rule.fault.clone());
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Installed> {
        // No update here can be left half done, so a poisoned lock is still consistent.
        self.installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Installed {
    fn new(seed: u64, rules: Vec<FaultRule>) -> Self {
        Self {
            rules: rules.into_iter().map(|rule| (rule, 0)).collect(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultWhen;

    fn picks(injector: &FaultInjector, operation: Operation, count: usize) -> Vec<bool> {
        (0..count)
            .map(|_| injector.pick(operation).is_some())
            .collect()
    }

    #[test]
    fn first_counts_only_requests_of_its_operation() {
        let rule = FaultRule::new(
            FaultWhen::default().on(Operation::CreateIdentity).first(2),
            Fault::status(503),
        );
        let injector = FaultInjector::new(1, vec![rule]);

        assert_eq!(injector.pick(Operation::DeleteIdentity), None);
        assert_eq!(
            picks(&injector, Operation::CreateIdentity, 4),
            [true, true, false, false]
        );
    }

    #[test]
    fn later_rules_take_over_once_earlier_ones_are_spent() {
        let injector = FaultInjector::new(
            1,
            vec![
                FaultRule::new(FaultWhen::default().first(1), Fault::status(503)),
                FaultRule::new(FaultWhen::default().first(1), Fault::ResetConnection),
            ],
        );
        let op = Operation::IssueAccessToken;

        assert_eq!(injector.pick(op), Some(Fault::status(503)));
        assert_eq!(injector.pick(op), Some(Fault::ResetConnection));
        assert_eq!(injector.pick(op), None);
    }

    #[test]
    fn fractions_follow_the_seed_and_restart_on_install() {
        let rule = FaultRule::new(FaultWhen::default().fraction(0.5), Fault::Hang);
        let a = FaultInjector::new(42, vec![rule.clone()]);
        let b = FaultInjector::new(42, vec![rule.clone()]);
        let op = Operation::CreateIdentity;

        let first_run = picks(&a, op, 200);
        assert_eq!(first_run, picks(&b, op, 200));
        let hits = first_run.iter().filter(|hit| **hit).count();
        assert!((60..=140).contains(&hits), "{hits}");

        a.install(vec![rule]);
        assert_eq!(picks(&a, op, 200), first_run);
    }

    #[test]
    fn fraction_bounds_and_nan() {
        let op = Operation::RevokeAccessTokens;
        let with = |fraction| {
            FaultInjector::new(
                7,
                vec![FaultRule::new(
                    FaultWhen::default().fraction(fraction),
                    Fault::Hang,
                )],
            )
        };
        assert!(picks(&with(1.0), op, 50).iter().all(|hit| *hit));
        assert!(picks(&with(2.0), op, 50).iter().all(|hit| *hit));
        assert!(!picks(&with(0.0), op, 50).iter().any(|hit| *hit));
        assert!(!picks(&with(-1.0), op, 50).iter().any(|hit| *hit));
        assert!(!picks(&with(f64::NAN), op, 50).iter().any(|hit| *hit));
    }
}
