//! Running the experts' solves on the thread pool when their costs differ.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `work(i)` for every task i, in parallel, returned in task order. Each thread takes the
/// next task from a queue ordered by `costs`, highest first (longest processing time first):
/// a block whose constraint is badly conditioned can need several times the iterations of
/// the others, and it then starts at once instead of after the others on the same thread.
/// The order changes when the work runs, not what it computes.
pub fn longest_first<R: Send>(costs: &[usize], work: impl Fn(usize) -> R + Sync) -> Vec<R> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by_key(|&i| core::cmp::Reverse(costs[i]));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = (0..rayon::current_num_threads().min(order.len()))
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut mine = Vec::new();
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                mine.push((i, work(i)));
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
        let out = pool.install(|| longest_first(&costs, |i| i * 10));
        assert_eq!(out, vec![0, 10, 20, 30, 40]);
    }
}
