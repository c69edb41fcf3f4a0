//! Running the experts' solves on the thread pool when their costs differ.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `work(i, &mut items[i], &mut workers[j])` for every task i, in parallel, returned in task
/// order; j is the worker that runs it, one per thread (at most `workers.len()`), so a
/// worker's scratch stays in its core's caches from one task to the next. Each worker takes
/// the next task from a queue ordered by `costs`, highest first (longest processing time
/// first): a block whose constraint is badly conditioned can need several times the
/// iterations of the others, and it then starts at once instead of after the others on the
/// same thread. The order changes when the work runs, not what it computes.
pub fn longest_first<W: Send, S: Send, R: Send>(
    costs: &[usize],
    items: &mut [W],
    workers: &mut [S],
    work: impl Fn(usize, &mut W, &mut S) -> R + Sync,
) -> Vec<R> {
    assert_eq!(costs.len(), items.len(), "one item per task");
    assert!(
        !workers.is_empty() || items.is_empty(),
        "a worker for the tasks"
    );
    // Each lock is taken once, by the thread that runs its task.
    let items: Vec<Mutex<&mut W>> = items.iter_mut().map(Mutex::new).collect();
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by_key(|&i| core::cmp::Reverse(costs[i]));
    let next = AtomicUsize::new(0);
    let threads = rayon::current_num_threads().min(order.len());
    let mut done: Vec<(usize, R)> = workers
        .par_iter_mut()
        .take(threads)
        .flat_map_iter(|worker| {
            let mut mine = Vec::new();
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                let mut item = items[i].lock().expect("a task that did not panic");
                mine.push((i, work(i, &mut item, worker)));
            }
            mine
        })
        .collect();
    done.sort_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once_and_results_keep_task_order() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let costs = [3, 90, 1, 40, 7];
        let (mut items, mut workers) = (vec![0; 5], vec![0; 2]);
        let out = pool.install(|| {
            longest_first(&costs, &mut items, &mut workers, |i, item, worker| {
                *item += i + 1;
                *worker += 1;
                i * 10
            })
        });
        assert_eq!(out, vec![0, 10, 20, 30, 40]);
        assert_eq!(items, vec![1, 2, 3, 4, 5]);
        assert_eq!(workers.iter().sum::<usize>(), 5);
    }
}
