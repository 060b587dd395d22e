//! Child processes of the conformance task: a guard that stops a child on every exit path,
//! and a wait with a time limit.
//!
//! The emulator, npm and node are each owned by a [`ChildGuard`]; the task never leaves a
//! process of its own running after it returns, fails or panics.

use std::io;
use std::process::{Child, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// How often a wait looks at the child again.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long a child gets to exit after SIGTERM before it is killed.
const TERMINATE_GRACE: Duration = Duration::from_secs(3);

/// Owns a running child; dropping the guard stops the child and reaps it.
#[derive(Debug)]
pub(crate) struct ChildGuard {
    child: Child,
    name: &'static str,
}

impl ChildGuard {
    /// Takes ownership of `child`, called `name` in messages.
    pub(crate) fn new(name: &'static str, child: Child) -> Self {
        Self { child, name }
    }

    /// The child, e.g. to take its pipes.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the child to exit; `None` when `limit` passed first (the child still runs).
    pub(crate) fn wait_for(&mut self, limit: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Asks the child to exit (SIGTERM on Unix, so a server can shut down cleanly), and kills
    /// it when it is still running after a grace period. Idempotent.
    pub(crate) fn stop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        if terminate(&self.child) {
            match self.wait_for(TERMINATE_GRACE) {
                Ok(Some(_)) => return,
                Ok(None) => eprintln!(
                    "conformance: {} still ran {} s after SIGTERM; killing it",
                    self.name,
                    TERMINATE_GRACE.as_secs()
                ),
                Err(_) => {}
            }
        }
        // Killing an already exited child is an error that does not matter here.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends SIGTERM to `child` by its process id; `false` when that could not be done.
#[cfg(unix)]
fn terminate(child: &Child) -> bool {
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|status| status.success())
}

/// Without Unix signals there is no polite request; the caller kills the child.
#[cfg(not(unix))]
fn terminate(_child: &Child) -> bool {
    false
}

#[cfg(test)]
#[cfg(unix)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn stop_ends_a_running_child_and_reaps_it() {
        let child = Command::new("sleep").arg("30").spawn().unwrap();
        let mut guard = ChildGuard::new("sleep", child);
        assert!(guard.child_mut().try_wait().unwrap().is_none());

        guard.stop();

        assert!(guard.child_mut().try_wait().unwrap().is_some());
    }
}
