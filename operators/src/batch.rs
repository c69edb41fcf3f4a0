//! A batch of points split into fixed chunks that rayon evaluates in parallel.
//!
//! Each chunk owns its output adjoint, its gradient buffer and the caller's scratch `S`
//! (expression registers, partial sums), allocated once; a loss gets its chunk's scratch
//! with the chunk, so nothing is locked or shared between threads. A chunk's tape
//! is its own where a forward pass must outlive the call (`forward`, then `backward`); the
//! fused `value_and_grad` borrows one from a few spare tapes instead. Gradients are reduced
//! in chunk order, so the result is bitwise identical for any number of threads.

use crate::model::Field;
use crate::{JetLayout, Real};
use rayon::prelude::*;
use std::sync::Mutex;

/// Points in `dims` dimensions, stored `n × dims` column-major (each coordinate contiguous).
#[derive(Clone, Debug, PartialEq)]
pub struct Points<T> {
    dims: usize,
    coords: Vec<T>,
}

impl<T: Real> Points<T> {
    /// Points of `dims` coordinates, stored axis by axis (`coords` is `n × dims`, column-major).
    pub fn new(dims: usize, coords: Vec<T>) -> Self {
        assert!(
            dims > 0 && coords.len().is_multiple_of(dims),
            "coordinates must be n × dims"
        );
        Points { dims, coords }
    }

    /// Builds points from rows `[x0, x1, ...]` (handy in tests and examples).
    pub fn from_rows(rows: &[Vec<f64>]) -> Self {
        let dims = rows.first().map_or(1, Vec::len);
        let n = rows.len();
        let mut coords = vec![T::zero(); n * dims];
        for (p, r) in rows.iter().enumerate() {
            for a in 0..dims {
                coords[a * n + p] = T::from_f64(r[a]);
            }
        }
        Points { dims, coords }
    }

    /// Coordinates per point.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.coords.len() / self.dims
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// Every coordinate, `n × dims` column-major.
    pub fn coords(&self) -> &[T] {
        &self.coords
    }

    /// The points at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Points<T> {
        let coords = (0..self.dims)
            .flat_map(|a| indices.iter().map(move |&i| self.axis(a)[i]))
            .collect();
        Points::new(self.dims, coords)
    }

    /// Coordinate `axis` of every point.
    pub fn axis(&self, axis: usize) -> &[T] {
        let n = self.len();
        &self.coords[axis * n..(axis + 1) * n]
    }

    /// The coordinates along `axis`, one per point, to change in place.
    pub fn axis_mut(&mut self, axis: usize) -> &mut [T] {
        let n = self.len();
        &mut self.coords[axis * n..(axis + 1) * n]
    }
}

/// What a loss sees of one chunk: its points and the network's output jets on them.
pub struct ChunkView<'a, T> {
    /// Index of the chunk (chunks are numbered in point order).
    pub index: usize,
    /// Index of the chunk's first point in the whole batch.
    pub offset: usize,
    /// Number of points in the chunk.
    pub n: usize,
    /// The chunk's coordinates, `n × dims` column-major.
    pub x: &'a [T],
    /// Output jets, `layout.len()·n × outputs` column-major, slot-major per column.
    pub jets: &'a [T],
}

struct Chunk<T, Tape, S> {
    offset: usize,
    x: Vec<T>,
    /// Made by the first `forward`.
    tape: Option<Tape>,
    bar: Vec<T>,
    grad: Vec<T>,
    value: f64,
    scratch: S,
}

/// Fixed chunks of a point set, with everything a forward and backward pass needs.
pub struct Batched<T: Real, F: Field<T>, S = ()> {
    layout: JetLayout,
    dims: usize,
    n: usize,
    chunks: Vec<Chunk<T, F::Tape, S>>,
    /// Tapes for `value_and_grad`, tagged with their point counts. A chunk needs one only
    /// while it is in flight, so a few serve the whole batch and stay in cache; a tape per
    /// chunk would stream every chunk's tape through main memory at every step.
    spare: Mutex<Vec<(usize, F::Tape)>>,
}

impl<T: Real, F: Field<T>> Batched<T, F> {
    /// Default points per chunk: a few hundred keeps the GEMMs efficient and every core busy.
    pub const DEFAULT_CHUNK: usize = 512;

    /// `points` split into chunks of at most `chunk` for `field`'s jets of `layout`.
    pub fn new(field: &F, layout: JetLayout, points: &Points<T>, chunk: usize) -> Self {
        Batched::with_scratch(field, layout, points, chunk, |_| ())
    }
}

impl<T: Real, F: Field<T>, S: Send + Sync> Batched<T, F, S> {
    /// As [`new`](Batched::new), with `scratch(n)` made for each chunk of `n` points.
    pub fn with_scratch(
        field: &F,
        layout: JetLayout,
        points: &Points<T>,
        chunk: usize,
        mut scratch: impl FnMut(usize) -> S,
    ) -> Self {
        assert_eq!(
            points.dims(),
            field.inputs(),
            "points and network disagree on dimension"
        );
        let n = points.len();
        let chunk = chunk.max(1);
        let outputs = layout.len() * field.outputs();
        let chunks = (0..n.div_ceil(chunk))
            .map(|c| {
                let len = chunk.min(n - c * chunk);
                Chunk {
                    offset: c * chunk,
                    x: vec![T::zero(); len * points.dims()],
                    tape: None,
                    bar: vec![T::zero(); outputs * len],
                    grad: vec![T::zero(); field.n_params()],
                    value: 0.0,
                    scratch: scratch(len),
                }
            })
            .collect();
        let mut b = Batched {
            layout,
            dims: points.dims(),
            n,
            chunks,
            spare: Mutex::new(Vec::new()),
        };
        b.set_points(points);
        b
    }

    /// Replaces the points (same count), e.g. after resampling; allocates nothing.
    pub fn set_points(&mut self, points: &Points<T>) {
        assert_eq!(
            points.len(),
            self.n,
            "resampling must keep the number of points"
        );
        for c in &mut self.chunks {
            let len = c.x.len() / self.dims;
            for a in 0..self.dims {
                c.x[a * len..(a + 1) * len]
                    .copy_from_slice(&points.axis(a)[c.offset..c.offset + len]);
            }
        }
    }

    /// The jets every chunk computes.
    pub fn layout(&self) -> &JetLayout {
        &self.layout
    }

    /// Number of chunks.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no chunks (no points).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Forward pass over every chunk, in parallel.
    pub fn forward(&mut self, field: &F, params: &[T]) {
        let (layout, dims) = (&self.layout, self.dims);
        self.chunks.par_iter_mut().for_each(|c| {
            let tape = c
                .tape
                .get_or_insert_with(|| field.tape(layout, c.x.len() / dims));
            field.forward(params, &c.x, tape);
        });
    }

    /// Number of chunks.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Output jets of chunk `index` after [`forward`](Self::forward): a second network's
    /// jets on the same points, read beside the first's (INSR's previous field).
    pub fn chunk_output(&self, field: &F, index: usize) -> &[T] {
        field.output(self.chunks[index].own_tape())
    }

    /// Maps every chunk's outputs (and its scratch) after [`forward`](Self::forward), in
    /// parallel; results in chunk order.
    pub fn map_chunks<R: Send>(
        &mut self,
        field: &F,
        f: impl Fn(ChunkView<'_, T>, &mut S) -> R + Sync,
    ) -> Vec<R> {
        let dims = self.dims;
        self.chunks
            .par_iter_mut()
            .enumerate()
            .map(|(i, c)| {
                let tape = c.tape.as_ref().expect("outputs are read after forward");
                f(view(field, i, c.offset, &c.x, tape, dims), &mut c.scratch)
            })
            .collect()
    }

    /// Backward pass after [`forward`](Self::forward): `adjoint` writes each chunk's output
    /// adjoint; the parameter gradient is added to `grad`.
    pub fn backward(
        &mut self,
        field: &F,
        params: &[T],
        adjoint: impl Fn(ChunkView<'_, T>, &mut S, &mut [T]) + Sync,
        grad: &mut [T],
    ) {
        let dims = self.dims;
        self.chunks.par_iter_mut().enumerate().for_each(|(i, c)| {
            let tape = c.tape.as_mut().expect("backward follows forward");
            let chunk = view(field, i, c.offset, &c.x, tape, dims);
            adjoint(chunk, &mut c.scratch, &mut c.bar);
            c.grad.fill(T::zero());
            field.backward(params, &c.bar, tape, &mut c.grad);
        });
        self.reduce(grad);
    }

    /// Forward, loss and backward fused per chunk (for losses that are sums over points):
    /// `loss` returns the chunk's contribution and writes its output adjoint.
    pub fn value_and_grad(
        &mut self,
        field: &F,
        params: &[T],
        loss: impl Fn(ChunkView<'_, T>, &mut S, &mut [T]) -> f64 + Sync,
        grad: &mut [T],
    ) -> f64 {
        let (layout, dims, spare) = (&self.layout, self.dims, &self.spare);
        self.chunks.par_iter_mut().enumerate().for_each(|(i, c)| {
            let n = c.x.len() / dims;
            let mut tape = take_spare(spare, n).unwrap_or_else(|| field.tape(layout, n));
            field.forward(params, &c.x, &mut tape);
            let chunk = view(field, i, c.offset, &c.x, &tape, dims);
            c.value = loss(chunk, &mut c.scratch, &mut c.bar);
            c.grad.fill(T::zero());
            field.backward(params, &c.bar, &mut tape, &mut c.grad);
            spare.lock().expect("a chunk panicked").push((n, tape));
        });
        self.reduce(grad);
        self.chunks.iter().map(|c| c.value).sum()
    }

    /// Every chunk's scratch, in chunk order (for reductions after a pass).
    pub fn scratch(&self) -> impl Iterator<Item = &S> {
        self.chunks.iter().map(|c| &c.scratch)
    }

    /// Every chunk's scratch, in chunk order, to change.
    pub fn scratch_mut(&mut self) -> impl Iterator<Item = &mut S> {
        self.chunks.iter_mut().map(|c| &mut c.scratch)
    }

    fn reduce(&self, grad: &mut [T]) {
        for c in &self.chunks {
            grad.iter_mut().zip(&c.grad).for_each(|(g, &d)| *g += d);
        }
    }
}

impl<T, Tape, S> Chunk<T, Tape, S> {
    fn own_tape(&self) -> &Tape {
        self.tape.as_ref().expect("outputs are read after forward")
    }
}

/// A spare tape for `n` points, if one is free.
fn take_spare<Tape>(spare: &Mutex<Vec<(usize, Tape)>>, n: usize) -> Option<Tape> {
    let mut spare = spare.lock().expect("a chunk panicked");
    let i = spare.iter().position(|&(len, _)| len == n)?;
    Some(spare.swap_remove(i).1)
}

fn view<'a, T: Real, F: Field<T>>(
    field: &F,
    index: usize,
    offset: usize,
    x: &'a [T],
    tape: &'a F::Tape,
    dims: usize,
) -> ChunkView<'a, T> {
    ChunkView {
        index,
        offset,
        n: x.len() / dims,
        x,
        jets: field.output(tape),
    }
}
