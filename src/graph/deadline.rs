//! A deadline for the CPU-heavy graph questions (search, paths, neighbourhoods). The caller
//! runs a question under [`with_deadline`]; the algorithms call [`expired`] as they go and stop
//! early once it has passed, so a request past its time stops using the CPU instead of running
//! to the end for an answer nobody waits for. Kept per thread, so the algorithms' signatures
//! stay about graphs, and a question run without one never stops.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `f` with `deadline` in force on this thread (restored afterwards, even on a panic).
pub fn with_deadline<T>(deadline: Instant, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Instant>);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEADLINE.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(DEADLINE.with(|d| d.replace(Some(deadline))));
    f()
}

/// Whether the deadline in force on this thread has passed (never, without one).
pub fn expired() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|d| Instant::now() >= d))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_deadline_holds_only_inside_its_call() {
        assert!(!expired());
        let past = Instant::now();
        assert!(with_deadline(past, expired));
        let later = Instant::now() + Duration::from_secs(60);
        assert!(!with_deadline(later, expired));
        assert!(!expired(), "restored after the call");
    }
}
