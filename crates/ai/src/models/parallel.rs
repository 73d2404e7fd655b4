//! Data parallelism of the model kernels (issue 17): splits a product over the threads of
//! candle's persistent barrier pool, the pool candle's own element-wise ops already use.
//!
//! Why not rayon: a language-model step is hundreds of short products (tens of microseconds
//! each in decode). Rayon puts idle workers to sleep, so every product paid a wake-up, and
//! candle 0.11 keeps a second, spinning pool for its element-wise ops (`utils::barrier_pool`,
//! sized from `RAYON_NUM_THREADS` / `CANDLE_NUM_THREADS`): the two pools' workers took turns on
//! the same cores. Measured on 2 cores before this module: 2 threads were slower than 1 in
//! prefill (a quarter of the time in candle's barrier spin). One pool whose workers spin
//! briefly between products is what llama.cpp's thread pool does.
//!
//! Owns: [`threads`], [`for_each_range`], [`for_each_dynamic`], [`for_each_rows`] and [`OutPtr`], the raw output pointer the parts
//! write through (each part writes a disjoint range, so no two threads alias).

use std::ops::Range;

use candle::utils::barrier_pool;

/// Threads a product is split over: the caller plus the pool's workers.
pub fn threads() -> usize {
    barrier_pool().n_workers() + 1
}

/// Runs `f` on `0..n` split into one contiguous range per thread (fewer when `n` is smaller),
/// the caller taking a share. Static ranges, not a shared cursor: the kernels unpack a weight
/// strip once per range, so fewer, larger ranges do less work; on a loaded machine the
/// slowest thread sets the time.
pub fn for_each_range(n: usize, f: impl Fn(Range<usize>) + Sync) {
    let t = threads();
    if n == 0 {
        return;
    }
    if t == 1 || n == 1 {
        f(0..n);
        return;
    }
    let per = n.div_ceil(t);
    barrier_pool().execute(|tid| {
        let start = tid * per;
        if start < n {
            f(start..n.min(start + per));
        }
    });
}

/// Runs `f(i)` for every `i` in `0..n`, threads taking indices from a shared cursor in small
/// runs: for tasks of uneven cost (a causal prefill's later tokens see more keys).
pub fn for_each_dynamic(n: usize, f: impl Fn(usize) + Sync) {
    if threads() == 1 || n <= 1 {
        (0..n).for_each(f);
        return;
    }
    barrier_pool().execute_chunked(n, |range| range.for_each(&f));
}

/// Splits `out`, rows of `width` values, into one block of whole rows per thread when it holds
/// at least `min_values` values (else one block on the caller), and runs `f(rows, block)` on
/// each: `rows` are the block's row indices.
pub fn for_each_rows<T: Send>(
    out: &mut [T],
    width: usize,
    min_values: usize,
    f: impl Fn(Range<usize>, &mut [T]) + Sync,
) {
    let rows = out.len() / width.max(1);
    let parts = if out.len() >= min_values { rows } else { 1 };
    let at = OutPtr::new(out);
    for_each_range(parts, |part| {
        let (r0, r1) = if parts == 1 {
            (0, rows)
        } else {
            (part.start, part.end)
        };
        // SAFETY: the row ranges of different parts are disjoint.
        #[allow(unsafe_code)]
        let block = unsafe { at.range(r0 * width, r1 * width) };
        f(r0..r1, block);
    });
}

/// A mutable output shared by parts that write disjoint ranges of it.
pub struct OutPtr<T = f32> {
    ptr: *mut T,
    len: usize,
}

impl<T> Clone for OutPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for OutPtr<T> {}

// SAFETY: an `OutPtr` is only turned back into slices through `range`, whose callers
// guarantee the ranges of concurrent parts are disjoint; `T: Send` lets the values move
// between threads.
#[allow(unsafe_code)]
unsafe impl<T: Send> Send for OutPtr<T> {}
#[allow(unsafe_code)]
unsafe impl<T: Send> Sync for OutPtr<T> {}

impl<T> OutPtr<T> {
    pub fn new(out: &mut [T]) -> Self {
        Self {
            ptr: out.as_mut_ptr(),
            len: out.len(),
        }
    }

    /// The slice `start..end` of the output.
    ///
    /// # Safety
    /// No other live slice from this `OutPtr` may overlap `start..end`, and the output the
    /// pointer was made from must outlive the returned slice.
    #[allow(unsafe_code, clippy::mut_from_ref)]
    pub unsafe fn range(&self, start: usize, end: usize) -> &mut [T] {
        assert!(
            start <= end && end <= self.len,
            "output range out of bounds"
        );
        // SAFETY: in bounds (checked above); exclusivity is the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), end - start) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_index_is_visited_once_and_parts_write_disjoint_ranges() {
        for n in [0usize, 1, 2, 3, 7, 16, 35, 1000] {
            let visits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            let mut out = vec![0f32; n * 3];
            let ptr = OutPtr::new(&mut out);
            for_each_range(n, |r| {
                // SAFETY: ranges of different parts are disjoint.
                #[allow(unsafe_code)]
                let part = unsafe { ptr.range(r.start * 3, r.end * 3) };
                for (i, o) in r.clone().zip(part.chunks_exact_mut(3)) {
                    visits[i].fetch_add(1, Ordering::Relaxed);
                    o.fill(i as f32);
                }
            });
            assert!(
                visits.iter().all(|v| v.load(Ordering::Relaxed) == 1),
                "n={n}"
            );
            let dynamic: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            for_each_dynamic(n, |i| {
                dynamic[i].fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                dynamic.iter().all(|v| v.load(Ordering::Relaxed) == 1),
                "n={n}"
            );
            for (i, o) in out.chunks_exact(3).enumerate() {
                assert_eq!(o, [i as f32; 3], "n={n}");
            }
        }
    }
}
