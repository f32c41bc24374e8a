//! Which target runs when: canaries one at a time first, then at most
//! `parallel` at once, stopping new starts after a failure when asked.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// How targets are scheduled.
pub(super) struct Policy {
    pub parallel: usize,
    pub canary: usize,
    pub stop_on_error: bool,
}

/// Runs `work` for targets `0..count` in order: the first `canary` one at a
/// time (if one fails, no other starts), then the rest at most `parallel` at
/// once (with `stop_on_error`, none starts after a failure; running ones
/// finish). `finished` sees each result as it comes, on this thread. Returns
/// every target's result, `None` for one never started.
pub(super) fn schedule<T: Send>(
    count: usize,
    policy: &Policy,
    work: &(dyn Fn(usize) -> T + Sync),
    failed: fn(&T) -> bool,
    mut finished: impl FnMut(usize, &T),
) -> Vec<Option<T>> {
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let canary = policy.canary.min(count);
    for (index, result) in results.iter_mut().enumerate().take(canary) {
        let done = work(index);
        finished(index, &done);
        let stop = failed(&done);
        *result = Some(done);
        if stop {
            return results;
        }
    }
    let next = AtomicUsize::new(canary);
    let stop = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..policy.parallel.min(count - canary) {
            let sender = sender.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let index = next.fetch_add(1, Ordering::SeqCst);
                    if index >= count {
                        break;
                    }
                    let done = work(index);
                    if policy.stop_on_error && failed(&done) {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if sender.send((index, done)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, done) in receiver {
            finished(index, &done);
            results[index] = Some(done);
        }
    });
    results
}
