//! Butterworth design and zero-phase IIR/FIR filtering with SciPy's exact semantics.
//!
//! Upstream: SciPy 1.17 `scipy/signal/_filter_design.py` (`butter`, `buttap`, `lp2lp_zpk`,
//! `lp2hp_zpk`, `bilinear_zpk`, `zpk2sos` with `pairing='nearest'`, `_cplxreal`, `zpk2tf`),
//! `_signaltools.py` (`sosfilt_zi`, `lfilter_zi`, `sosfiltfilt`, `filtfilt` with
//! `padtype='odd'`, `_validate_pad`, `odd_ext`), `_sosfilt.pyx` and `lfilter.c.src`.
//! NeuroKit2's `ecg_clean` (and so the Beat tokenizer's preprocessing) is built from these, so
//! the arithmetic order follows SciPy's: transposed direct form II, SciPy's complex division,
//! the same pole/zero pairing and section order.
//!
//! Key types: [`Sos`] (second-order sections, each `[b0, b1, b2, 1, a1, a2]`) and [`FilterKind`].

use crate::error::Error;
use crate::lanes::{
    BaLanes, Lane, Recursion, SosEachLanes, SosLanes, Stage, WIDEST, forward_backward_chain,
};

/// A minimal complex number with NumPy's arithmetic (Smith division, as `npy_cdiv`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct C64 {
    re: f64,
    im: f64,
}

impl C64 {
    const fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn real(re: f64) -> Self {
        Self { re, im: 0.0 }
    }
    fn add(self, o: Self) -> Self {
        Self::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: Self) -> Self {
        Self::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: Self) -> Self {
        Self::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn neg(self) -> Self {
        Self::new(-self.re, -self.im)
    }
    fn conj(self) -> Self {
        Self::new(self.re, -self.im)
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
    fn is_real(self) -> bool {
        self.im == 0.0
    }
    /// NumPy's complex division (`numpy/_core/src/umath/loops_arithm_fp.dispatch.c.src`).
    fn div(self, o: Self) -> Self {
        let (ar, ai, br, bi) = (self.re, self.im, o.re, o.im);
        let abs_br = br.abs();
        let abs_bi = bi.abs();
        if abs_br >= abs_bi {
            if abs_br == 0.0 && abs_bi == 0.0 {
                return Self::new(ar / abs_br, ai / abs_bi);
            }
            let rat = bi / br;
            let scl = 1.0 / (br + bi * rat);
            Self::new((ar + ai * rat) * scl, (ai - ar * rat) * scl)
        } else {
            let rat = br / bi;
            let scl = 1.0 / (bi + br * rat);
            Self::new((ar * rat + ai) * scl, (ai * rat - ar) * scl)
        }
    }
}

fn prod(v: &[C64]) -> C64 {
    v.iter().fold(C64::real(1.0), |acc, &x| acc.mul(x))
}

/// Which side of the cut-off a Butterworth filter passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FilterKind {
    /// Passes frequencies below the cut-off.
    Lowpass,
    /// Passes frequencies above the cut-off.
    Highpass,
}

/// A cascade of second-order sections, each `[b0, b1, b2, a0 = 1, a1, a2]`, in SciPy's
/// `output='sos'` layout and order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sos {
    /// The sections, first applied first.
    pub sections: Vec<[f64; 6]>,
}

impl Sos {
    /// Number of sections.
    pub fn len(&self) -> usize {
        self.sections.len()
    }

    /// Whether there are no sections.
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}

/// Digital Butterworth design, as `scipy.signal.butter(order, cutoff_hz, kind, fs=fs_hz,
/// output='sos')`.
///
/// ```
/// use signal::{butter_sos, FilterKind};
/// let sos = butter_sos(5, 0.5, 250.0, FilterKind::Highpass).unwrap();
/// assert_eq!(sos.len(), 3);
/// ```
pub fn butter_sos(
    order: usize,
    cutoff_hz: f64,
    fs_hz: f64,
    kind: FilterKind,
) -> Result<Sos, Error> {
    if order == 0 || order > 32 {
        return Err(Error::invalid("order", format!("{order} is not in 1..=32")));
    }
    if !(fs_hz.is_finite() && fs_hz > 0.0) {
        return Err(Error::invalid(
            "fs_hz",
            format!("{fs_hz} is not a positive rate"),
        ));
    }
    // iirfilter: Wn = 2*Wn/fs, must lie in (0, 1); then pre-warp with fs = 2.
    let wn = 2.0 * cutoff_hz / fs_hz;
    if !(wn > 0.0 && wn < 1.0) {
        return Err(Error::invalid(
            "cutoff_hz",
            format!(
                "{cutoff_hz} Hz is not strictly between 0 and Nyquist ({} Hz)",
                fs_hz / 2.0
            ),
        ));
    }
    let fs = 2.0;
    let warped = 2.0 * fs * (std::f64::consts::PI * wn / fs).tan();

    // buttap: no zeros, poles -exp(1j*pi*m/(2N)) for m = -N+1, -N+3, ..., N-1; k = 1.
    let n = order as i64;
    let p: Vec<C64> = (0..order)
        .map(|i| {
            let m = (-n + 1 + 2 * i as i64) as f64;
            let theta = std::f64::consts::PI * m / (2.0 * order as f64);
            // exp(1j*theta) = cos + 1j sin (real part of the exponent is exactly 0).
            C64::new(theta.cos(), theta.sin()).neg()
        })
        .collect();
    let z: Vec<C64> = Vec::new();
    let k = 1.0;

    // Frequency transform.
    let (z, p, k) = match kind {
        FilterKind::Lowpass => {
            let degree = p.len() - z.len();
            let w = C64::real(warped);
            let z: Vec<C64> = z.iter().map(|&v| w.mul(v)).collect();
            let p: Vec<C64> = p.iter().map(|&v| w.mul(v)).collect();
            (z, p, k * warped.powi(degree as i32))
        }
        FilterKind::Highpass => {
            let degree = p.len() - z.len();
            let w = C64::real(warped);
            let mut z_hp: Vec<C64> = z.iter().map(|&v| w.div(v)).collect();
            let p_hp: Vec<C64> = p.iter().map(|&v| w.div(v)).collect();
            z_hp.extend(std::iter::repeat_n(C64::real(0.0), degree));
            let neg_z: Vec<C64> = z.iter().map(|v| v.neg()).collect();
            let neg_p: Vec<C64> = p.iter().map(|v| v.neg()).collect();
            let k_hp = k * prod(&neg_z).div(prod(&neg_p)).re;
            (z_hp, p_hp, k_hp)
        }
    };

    // bilinear_zpk with fs = 2 (fs2 = 4).
    let degree = p.len() - z.len();
    let fs2 = C64::real(2.0 * fs);
    let mut z_z: Vec<C64> = z.iter().map(|&v| fs2.add(v).div(fs2.sub(v))).collect();
    let p_z: Vec<C64> = p.iter().map(|&v| fs2.add(v).div(fs2.sub(v))).collect();
    z_z.extend(std::iter::repeat_n(C64::real(-1.0), degree));
    let zs: Vec<C64> = z.iter().map(|&v| fs2.sub(v)).collect();
    let ps: Vec<C64> = p.iter().map(|&v| fs2.sub(v)).collect();
    let k_z = k * prod(&zs).div(prod(&ps)).re;

    zpk2sos_nearest(z_z, p_z, k_z)
}

/// `_cplxreal`: complex values with positive imaginary part (pairs averaged), then reals,
/// each sorted as SciPy sorts them.
fn cplxreal(z: &[C64]) -> Result<Vec<C64>, Error> {
    if z.is_empty() {
        return Ok(Vec::new());
    }
    let tol = 100.0 * f64::EPSILON;
    let mut z = z.to_vec();
    // lexsort((abs(imag), real)): by real, then by |imag|. Stable.
    z.sort_by(|a, b| {
        a.re.total_cmp(&b.re)
            .then_with(|| a.im.abs().total_cmp(&b.im.abs()))
    });
    let is_real = |v: &C64| v.im.abs() <= tol * v.abs();
    let zr: Vec<C64> = z
        .iter()
        .filter(|v| is_real(v))
        .map(|v| C64::real(v.re))
        .collect();
    let rest: Vec<C64> = z.iter().filter(|v| !is_real(v)).copied().collect();
    let mut zp: Vec<C64> = rest.iter().filter(|v| v.im > 0.0).copied().collect();
    let mut zn: Vec<C64> = rest.iter().filter(|v| v.im < 0.0).copied().collect();
    if zp.len() != zn.len() {
        return Err(Error::invalid(
            "zpk",
            "array contains complex value with no matching conjugate",
        ));
    }
    // Runs of (approximately) equal real part in `zp` are sorted by |imaginary part|, the
    // same runs in `zn` likewise (SciPy finds the runs on `zp` only).
    sort_runs(&mut zp, &mut zn, tol);
    for (a, b) in zp.iter().zip(&zn) {
        if a.sub(b.conj()).abs() > tol * b.abs() {
            return Err(Error::invalid(
                "zpk",
                "array contains complex value with no matching conjugate",
            ));
        }
    }
    let mut out: Vec<C64> = zp
        .iter()
        .zip(&zn)
        .map(|(a, b)| {
            let s = a.add(b.conj());
            C64::new(s.re / 2.0, s.im / 2.0)
        })
        .collect();
    out.extend(zr);
    Ok(out)
}

fn sort_runs(zp: &mut [C64], zn: &mut [C64], tol: f64) {
    if zp.len() < 2 {
        return;
    }
    let mut start = 0;
    while start < zp.len() {
        let mut end = start + 1;
        while end < zp.len() && zp[end].re - zp[end - 1].re <= tol * zp[end - 1].abs() {
            end += 1;
        }
        let by_abs_im = |a: &C64, b: &C64| a.im.abs().total_cmp(&b.im.abs());
        zp[start..end].sort_by(by_abs_im);
        if let Some(chunk) = zn.get_mut(start..end) {
            chunk.sort_by(by_abs_im);
        }
        start = end;
    }
}

/// `zpk2tf` of up to two zeros and poles, as the `[b0, b1, b2, a0, a1, a2]` of one section
/// (`_single_zpksos`): coefficients are right-aligned.
fn single_zpksos(z: &[C64], p: &[C64]) -> [f64; 6] {
    let poly = |roots: &[C64]| -> Vec<f64> {
        let mut a = vec![C64::real(1.0)];
        for &r in roots {
            // convolve(a, [1, -r])
            let v = [C64::real(1.0), r.neg()];
            let mut out = vec![C64::real(0.0); a.len() + 1];
            for (i, &ai) in a.iter().enumerate() {
                for (j, &vj) in v.iter().enumerate() {
                    out[i + j] = out[i + j].add(ai.mul(vj));
                }
            }
            a = out;
        }
        a.iter().map(|c| c.re).collect()
    };
    let b = poly(z);
    let a = poly(p);
    let mut sos = [0.0; 6];
    sos[3 - b.len()..3].copy_from_slice(&b);
    sos[6 - a.len()..6].copy_from_slice(&a);
    sos
}

/// `_nearest_real_complex_idx(fro, to, which)`.
fn nearest_idx(fro: &[C64], to: C64, which: Which) -> Option<usize> {
    let mut order: Vec<usize> = (0..fro.len()).collect();
    order.sort_by(|&a, &b| fro[a].sub(to).abs().total_cmp(&fro[b].sub(to).abs()));
    order.into_iter().find(|&i| match which {
        Which::Any => true,
        Which::Real => fro[i].is_real(),
        Which::Complex => !fro[i].is_real(),
    })
}

#[derive(Clone, Copy)]
enum Which {
    Any,
    Real,
    Complex,
}

/// Index of the pole closest to the unit circle (first on ties, as `np.argmin`).
fn idx_worst(p: &[C64]) -> usize {
    let mut best = 0;
    let mut best_d = f64::INFINITY;
    for (i, v) in p.iter().enumerate() {
        let d = (1.0 - v.abs()).abs();
        if d < best_d {
            best_d = d;
            best = i;
        }
    }
    best
}

/// `zpk2sos(z, p, k, pairing='nearest')` for a digital filter.
fn zpk2sos_nearest(mut z: Vec<C64>, mut p: Vec<C64>, k: f64) -> Result<Sos, Error> {
    if z.is_empty() && p.is_empty() {
        return Ok(Sos {
            sections: vec![[k, 0.0, 0.0, 1.0, 0.0, 0.0]],
        });
    }
    while p.len() < z.len() {
        p.push(C64::real(0.0));
    }
    while z.len() < p.len() {
        z.push(C64::real(0.0));
    }
    let n_sections = p.len().div_ceil(2);
    if p.len() % 2 == 1 {
        p.push(C64::real(0.0));
        z.push(C64::real(0.0));
    }
    let mut z = cplxreal(&z)?;
    let mut p = cplxreal(&p)?;
    let mut sos = vec![[0.0; 6]; n_sections];
    let bad = || Error::invalid("zpk", "poles and zeros cannot be paired into sections");
    for si in (0..n_sections).rev() {
        if p.is_empty() {
            return Err(bad());
        }
        let p1_idx = idx_worst(&p);
        let p1 = p.remove(p1_idx);
        let n_real_p = p.iter().filter(|v| v.is_real()).count();
        let n_real_z = z.iter().filter(|v| v.is_real()).count();
        if p1.is_real() && n_real_p == 0 {
            // Special case (1): last remaining real pole.
            let z1_idx = nearest_idx(&z, p1, Which::Real).ok_or_else(bad)?;
            let z1 = z.remove(z1_idx);
            sos[si] = single_zpksos(&[z1, C64::real(0.0)], &[p1, C64::real(0.0)]);
        } else if p.len() + 1 == z.len() && !p1.is_real() && n_real_p == 1 && n_real_z == 1 {
            // Special case (2): must pair with a complex zero.
            let z1_idx = nearest_idx(&z, p1, Which::Complex).ok_or_else(bad)?;
            let z1 = z.remove(z1_idx);
            sos[si] = single_zpksos(&[z1, z1.conj()], &[p1, p1.conj()]);
        } else {
            let p2 = if p1.is_real() {
                let real_idx: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_real()).collect();
                let reals: Vec<C64> = real_idx.iter().map(|&i| p[i]).collect();
                let p2_idx = real_idx[idx_worst(&reals)];
                p.remove(p2_idx)
            } else {
                p1.conj()
            };
            if let Some(z1_idx) = nearest_idx(&z, p1, Which::Any) {
                let z1 = z.remove(z1_idx);
                if !z1.is_real() {
                    sos[si] = single_zpksos(&[z1, z1.conj()], &[p1, p2]);
                } else if !z.is_empty() {
                    let z2_idx = nearest_idx(&z, p1, Which::Real).ok_or_else(bad)?;
                    let z2 = z.remove(z2_idx);
                    sos[si] = single_zpksos(&[z1, z2], &[p1, p2]);
                } else {
                    sos[si] = single_zpksos(&[z1], &[p1, p2]);
                }
            } else {
                sos[si] = single_zpksos(&[], &[p1, p2]);
            }
        }
    }
    if !p.is_empty() || !z.is_empty() {
        return Err(bad());
    }
    for v in &mut sos[0][..3] {
        *v *= k;
    }
    Ok(Sos { sections: sos })
}

/// Solves `a x = b` (n x n, row-major) by LU with partial pivoting, as LAPACK `gesv` does
/// (pivot = first largest magnitude; multipliers by the reciprocal of the pivot).
fn solve_dense(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Result<Vec<f64>, Error> {
    let singular = || Error::invalid("a", "the filter's steady-state system is singular");
    let mut perm: Vec<usize> = (0..n).collect();
    for j in 0..n {
        let mut piv = j;
        for i in j + 1..n {
            if a[i * n + j].abs() > a[piv * n + j].abs() {
                piv = i;
            }
        }
        if a[piv * n + j] == 0.0 {
            return Err(singular());
        }
        if piv != j {
            for c in 0..n {
                a.swap(j * n + c, piv * n + c);
            }
            perm.swap(j, piv);
        }
        let r = 1.0 / a[j * n + j];
        for i in j + 1..n {
            a[i * n + j] *= r;
        }
        for i in j + 1..n {
            let l = a[i * n + j];
            for c in j + 1..n {
                a[i * n + c] -= l * a[j * n + c];
            }
        }
    }
    let pb: Vec<f64> = perm.iter().map(|&i| b[i]).collect();
    b = pb;
    // Forward substitution with unit lower L (column oriented, like dtrsm).
    for j in 0..n {
        let bj = b[j];
        for i in j + 1..n {
            b[i] -= bj * a[i * n + j];
        }
    }
    // Back substitution with U (column oriented).
    for j in (0..n).rev() {
        b[j] /= a[j * n + j];
        let bj = b[j];
        for i in 0..j {
            b[i] -= bj * a[i * n + j];
        }
    }
    Ok(b)
}

/// Normalises `b, a` so that `a[0] == 1` (leading zeros of `a` dropped) and pads both to the
/// same length, as `lfilter_zi` and `lfilter` do.
fn normalise_ba(b: &[f64], a: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let first = a
        .iter()
        .position(|&v| v != 0.0)
        .ok_or_else(|| Error::invalid("a", "there must be at least one nonzero `a` coefficient"))?;
    let mut a: Vec<f64> = a[first..].to_vec();
    if b.is_empty() {
        return Err(Error::invalid("b", "must have at least one coefficient"));
    }
    let mut b = b.to_vec();
    if a[0] != 1.0 {
        let a0 = a[0];
        for v in &mut b {
            *v /= a0;
        }
        for v in &mut a {
            *v /= a0;
        }
    }
    let n = a.len().max(b.len());
    a.resize(n, 0.0);
    b.resize(n, 0.0);
    Ok((b, a))
}

/// Initial state of `lfilter` for the steady state of a unit step, as
/// `scipy.signal.lfilter_zi(b, a)`. Has `max(len(a), len(b)) - 1` values.
pub fn lfilter_zi(b: &[f64], a: &[f64]) -> Result<Vec<f64>, Error> {
    let (b, a) = normalise_ba(b, a)?;
    let n = a.len();
    if n <= 1 {
        return Ok(Vec::new());
    }
    let m = n - 1;
    // I - companion(a).T : companion's first row is -a[1:], sub-diagonal ones; transposed, the
    // first column is -a[1:] and the super-diagonal holds ones.
    let mut ima = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let eye = if i == j { 1.0 } else { 0.0 };
            let ct = if j == 0 {
                -a[i + 1]
            } else if j == i + 1 {
                1.0
            } else {
                0.0
            };
            ima[i * m + j] = eye - ct;
        }
    }
    let rhs: Vec<f64> = (1..n).map(|i| b[i] - a[i] * b[0]).collect();
    solve_dense(ima, rhs, m)
}

/// Initial state of `sosfilt` for the steady state of a unit step, as
/// `scipy.signal.sosfilt_zi(sos)`: one `[z0, z1]` per section.
pub fn sosfilt_zi(sos: &Sos) -> Result<Vec<[f64; 2]>, Error> {
    let mut out = Vec::with_capacity(sos.len());
    let mut scale = 1.0;
    for s in &sos.sections {
        let zi = lfilter_zi(&s[..3], &s[3..])?;
        let mut z = [0.0; 2];
        for (o, v) in z.iter_mut().zip(&zi) {
            *o = scale * v;
        }
        out.push(z);
        scale *= (s[0] + s[1] + s[2]) / (s[3] + s[4] + s[5]);
    }
    Ok(out)
}

/// Runs the cascade over `x` in place from state `zi` (transposed direct form II per
/// section, `scipy/signal/_sosfilt.pyx`). Returns the final state.
pub fn sosfilt_in_place(sos: &Sos, x: &mut [f64], zi: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut z: Vec<[f64; 2]> = sos
        .sections
        .iter()
        .enumerate()
        .map(|(i, _)| zi.get(i).copied().unwrap_or([0.0; 2]))
        .collect();
    for v in x.iter_mut() {
        let mut x_cur = *v;
        for (s, zs) in sos.sections.iter().zip(z.iter_mut()) {
            let x_new = s[0] * x_cur + zs[0];
            zs[0] = s[1] * x_cur - s[4] * x_new + zs[1];
            zs[1] = s[2] * x_cur - s[5] * x_new;
            x_cur = x_new;
        }
        *v = x_cur;
    }
    z
}

/// `lfilter(b, a, x, zi=zi)` in place (`scipy/signal/lfilter.c.src`, `b` and `a` already
/// normalised and of equal length). Returns the final state.
fn lfilter_in_place(b: &[f64], a: &[f64], x: &mut [f64], zi: &[f64]) -> Vec<f64> {
    let nb = b.len();
    let mut z = zi.to_vec();
    z.resize(nb.saturating_sub(1), 0.0);
    for v in x.iter_mut() {
        let xn = *v;
        if nb > 1 {
            let yn = z[0] + b[0] * xn;
            for n in 0..nb - 2 {
                z[n] = z[n + 1] + xn * b[n + 1] - yn * a[n + 1];
            }
            z[nb - 2] = xn * b[nb - 1] - yn * a[nb - 1];
            *v = yn;
        } else {
            *v = xn * b[0];
        }
    }
    z
}

/// `scipy.signal.lfilter(b, a, x)` from rest (zero initial state).
pub fn lfilter(b: &[f64], a: &[f64], x: &[f64]) -> Result<Vec<f64>, Error> {
    let (b, a) = normalise_ba(b, a)?;
    let mut y = x.to_vec();
    lfilter_in_place(&b, &a, &mut y, &[]);
    Ok(y)
}

fn check_pad(xs: &[&[f64]], edge: usize, what: &'static str) -> Result<(), Error> {
    let Some(n) = xs.first().map(|x| x.len()) else {
        return Ok(());
    };
    if let Some(other) = xs.iter().find(|x| x.len() != n) {
        return Err(Error::invalid(
            "xs",
            format!(
                "{what}: signals filtered together must be equally long ({n} and {} samples)",
                other.len()
            ),
        ));
    }
    if n <= edge {
        return Err(Error::TooShort {
            what,
            needed: edge,
            found: n,
        });
    }
    Ok(())
}

/// The edge padding `sosfiltfilt` uses by default: `3 * (2*len(sos) + 1 - min(#sections
/// with b2 == 0, #sections with a2 == 0))`.
pub fn sosfiltfilt_padlen(sos: &Sos) -> usize {
    let zb = sos.sections.iter().filter(|s| s[2] == 0.0).count();
    let za = sos.sections.iter().filter(|s| s[5] == 0.0).count();
    3 * (2 * sos.len() + 1 - zb.min(za))
}

/// Zero-phase forward-backward filtering, as `scipy.signal.sosfiltfilt(sos, x)` (odd
/// extension of [`sosfiltfilt_padlen`] samples, steady-state initial conditions).
pub fn sosfiltfilt(sos: &Sos, x: &[f64]) -> Result<Vec<f64>, Error> {
    Ok(sosfiltfilt_many(sos, &[x])?.remove(0))
}

/// [`sosfiltfilt`] of several equally long signals (the leads of a recording), filtered
/// together in interleaved lanes; each output is bit-identical to [`sosfiltfilt`] of its input.
pub fn sosfiltfilt_many(sos: &Sos, xs: &[&[f64]]) -> Result<Vec<Vec<f64>>, Error> {
    filtfilt_chain(vec![sos_stage(sos)?], xs, false)
}

/// Zero-phase forward-backward filtering, as `scipy.signal.filtfilt(b, a, x)` with
/// `method='pad'`, `padtype='odd'` and `padlen = 3*max(len(a), len(b))`.
pub fn filtfilt(b: &[f64], a: &[f64], x: &[f64]) -> Result<Vec<f64>, Error> {
    Ok(filtfilt_many(b, a, &[x])?.remove(0))
}

/// [`filtfilt`] of several equally long signals, filtered together in interleaved lanes; each
/// output is bit-identical to [`filtfilt`] of its input.
pub fn filtfilt_many(b: &[f64], a: &[f64], xs: &[&[f64]]) -> Result<Vec<Vec<f64>>, Error> {
    filtfilt_chain(vec![ba_stage(b, a)?], xs, false)
}

/// The [`sosfiltfilt`] of `sos` as a stage of [`filtfilt_chain`].
pub(crate) fn sos_stage(sos: &Sos) -> Result<Stage, Error> {
    Ok(Stage {
        filter: Recursion::Sos(SosLanes {
            sections: sos.sections.clone(),
            zi: sosfilt_zi(sos)?,
        }),
        edge: sosfiltfilt_padlen(sos),
    })
}

/// The [`filtfilt`] of `b / a` as a stage of [`filtfilt_chain`].
pub(crate) fn ba_stage(b: &[f64], a: &[f64]) -> Result<Stage, Error> {
    let edge = 3 * a.len().max(b.len());
    let zi = lfilter_zi(b, a)?;
    let (b, a) = normalise_ba(b, a)?;
    Ok(Stage {
        filter: Recursion::Ba(BaLanes { b, a, zi }),
        edge,
    })
}

/// Each signal through its own cascades: `filters[i]` (one or more [`Sos`], applied in
/// order, each as [`sosfiltfilt`] of the previous output) for `xs[i]`, bit-identical to
/// filtering each alone. When the cascades agree in their number of sections and padding at
/// every step (Butterworth filters of one order do, whatever their corners), up to [`WIDEST`]
/// signals run together in interleaved lanes, one per lane with its own coefficients.
pub(crate) fn sosfiltfilt_each(
    filters: &[Vec<Sos>],
    xs: &[&[f64]],
) -> Result<Vec<Vec<f64>>, Error> {
    let alike = filters.iter().all(|f| {
        f.len() == filters[0].len()
            && f.iter()
                .zip(&filters[0])
                .all(|(a, b)| a.len() == b.len() && sosfiltfilt_padlen(a) == sosfiltfilt_padlen(b))
    });
    if !alike || filters.len() != xs.len() {
        return filters
            .iter()
            .zip(xs)
            .map(|(f, x)| f.iter().try_fold(x.to_vec(), |y, sos| sosfiltfilt(sos, &y)))
            .collect();
    }
    let mut out = Vec::with_capacity(xs.len());
    for (fs, group) in filters.chunks(WIDEST).zip(xs.chunks(WIDEST)) {
        let mut stages = Vec::with_capacity(fs[0].len());
        for step in 0..fs[0].len() {
            let zis: Vec<Vec<[f64; 2]>> = fs
                .iter()
                .map(|f| sosfilt_zi(&f[step]))
                .collect::<Result<_, _>>()?;
            // Lanes without a signal take the last signal's filter (their zeros stay zeros).
            let lane = |l: usize| l.min(fs.len() - 1);
            let sections = (0..fs[0][step].len())
                .map(|k| {
                    std::array::from_fn(|c| -> Lane<WIDEST> {
                        std::array::from_fn(|l| fs[lane(l)][step].sections[k][c])
                    })
                })
                .collect();
            let zi = (0..fs[0][step].len())
                .map(|k| {
                    std::array::from_fn(|c| -> Lane<WIDEST> {
                        std::array::from_fn(|l| zis[lane(l)][k][c])
                    })
                })
                .collect();
            stages.push(Stage {
                filter: Recursion::SosEach(SosEachLanes { sections, zi }),
                edge: sosfiltfilt_padlen(&fs[0][step]),
            });
        }
        out.extend(filtfilt_chain(stages, group, false)?);
    }
    Ok(out)
}

/// The zero-phase stages (from [`sos_stage`], [`ba_stage`]) one after the other over several
/// equally long signals, each stage as its [`sosfiltfilt`] / [`filtfilt`] of the previous
/// stage's output, bit for bit, with the leads interleaved once for the whole chain. A stage
/// whose edge padding the signals are too short for is an [`Error::TooShort`], or, with
/// `pass_short`, passed over (the signals go on to the next stage unchanged).
pub(crate) fn filtfilt_chain(
    stages: Vec<Stage>,
    xs: &[&[f64]],
    pass_short: bool,
) -> Result<Vec<Vec<f64>>, Error> {
    let mut run = Vec::with_capacity(stages.len());
    for s in stages {
        let what = match s.filter {
            Recursion::Sos(_) => "sosfiltfilt edge padding",
            Recursion::Ba(_) => "filtfilt edge padding",
            Recursion::SosEach(_) => "sosfiltfilt edge padding",
        };
        match check_pad(xs, s.edge, what) {
            Ok(()) => run.push(s),
            Err(Error::TooShort { .. }) if pass_short => {}
            Err(e) => return Err(e),
        }
    }
    Ok(forward_backward_chain(&run, xs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowpass_has_unit_dc_gain_and_highpass_zero() {
        for order in 1..=8 {
            let lp = butter_sos(order, 40.0, 500.0, FilterKind::Lowpass).unwrap();
            let hp = butter_sos(order, 0.5, 500.0, FilterKind::Highpass).unwrap();
            let dc = |s: &Sos| {
                s.sections
                    .iter()
                    .map(|c| (c[0] + c[1] + c[2]) / (c[3] + c[4] + c[5]))
                    .product::<f64>()
            };
            assert!((dc(&lp) - 1.0).abs() < 1e-9, "order {order}: {}", dc(&lp));
            assert!(dc(&hp).abs() < 1e-9);
            assert_eq!(lp.len(), order.div_ceil(2));
        }
    }

    #[test]
    fn cutoff_at_a_quarter_of_the_rate_pairs_its_imaginary_poles() {
        // Wn = 0.5 puts every digital pole on the imaginary axis (real parts ~1e-17 of either
        // sign): the 150 Hz low-pass at 600 Hz (Welch Allyn) once failed to design.
        // scipy.signal.butter(4, 150, fs=600, output='sos'):
        let want = [
            [
                0.09398085143379,
                0.18796170286758,
                0.09398085143379,
                1.0,
                0.0,
                0.03956612989658,
            ],
            [1.0, 2.0, 1.0, 1.0, 0.0, 0.44646269217169],
        ];
        let sos = butter_sos(4, 150.0, 600.0, FilterKind::Lowpass).unwrap();
        assert_eq!(sos.len(), 2);
        for (got, want) in sos.sections.iter().zip(want) {
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-10, "{got:?} vs {want:?}");
            }
        }
        assert!(butter_sos(6, 125.0, 500.0, FilterKind::Lowpass).is_ok());
    }

    #[test]
    fn moving_average_zi_is_the_step_steady_state() {
        let zi = lfilter_zi(&[1.0; 5], &[5.0]).unwrap();
        let want = [0.8, 0.6, 0.4, 0.2];
        for (a, b) in zi.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn filtfilt_keeps_a_constant_and_length() {
        let x = vec![2.5; 100];
        let y = filtfilt(&[1.0; 5], &[5.0], &x).unwrap();
        assert_eq!(y.len(), 100);
        assert!(y.iter().all(|v| (v - 2.5).abs() < 1e-12));
        let sos = butter_sos(2, 10.0, 100.0, FilterKind::Lowpass).unwrap();
        let y = sosfiltfilt(&sos, &x).unwrap();
        assert!(y.iter().all(|v| (v - 2.5).abs() < 1e-9));
    }

    /// The scalar `sosfiltfilt` of SciPy: odd extension, `sosfilt` forward from `zi * x[0]`,
    /// backward from `zi * y[-1]`, extension cut.
    fn scalar_sosfiltfilt(sos: &Sos, x: &[f64]) -> Vec<f64> {
        let edge = sosfiltfilt_padlen(sos);
        let n = x.len();
        let mut ext: Vec<f64> = (1..=edge).rev().map(|i| 2.0 * x[0] - x[i]).collect();
        ext.extend_from_slice(x);
        ext.extend((1..=edge).map(|i| 2.0 * x[n - 1] - x[n - 1 - i]));
        let zi = sosfilt_zi(sos).unwrap();
        let scaled =
            |v: f64| -> Vec<[f64; 2]> { zi.iter().map(|z| [z[0] * v, z[1] * v]).collect() };
        let z0 = scaled(ext[0]);
        sosfilt_in_place(sos, &mut ext, &z0);
        let z1 = scaled(ext[ext.len() - 1]);
        ext.reverse();
        sosfilt_in_place(sos, &mut ext, &z1);
        ext.reverse();
        ext[edge..edge + n].to_vec()
    }

    #[test]
    fn leads_filtered_together_equal_each_filtered_alone_bit_for_bit() {
        // Six leads (one group of eight lanes, two of them empty), different content.
        let leads: Vec<Vec<f64>> = (0..6)
            .map(|l| {
                (0..700)
                    .map(|i| {
                        let t = i as f64 / 500.0;
                        (l as f64 + 1.0) * (7.0 * t).sin()
                            + 0.3 * (97.0 * t + l as f64).cos()
                            + if i % 131 == l { 2.0 } else { 0.0 }
                    })
                    .collect()
            })
            .collect();
        let views: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        for sos in [
            butter_sos(2, 0.5, 500.0, FilterKind::Highpass).unwrap(),
            butter_sos(5, 40.0, 500.0, FilterKind::Lowpass).unwrap(),
        ] {
            let many = sosfiltfilt_many(&sos, &views).unwrap();
            for (x, y) in leads.iter().zip(&many) {
                let alone = scalar_sosfiltfilt(&sos, x);
                assert!(alone.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits()));
                assert_eq!(sosfiltfilt(&sos, x).unwrap(), *y);
            }
        }
        let (b, a) = ([0.9, -1.2, 0.9], [1.0, -1.2, 0.8]);
        let many = filtfilt_many(&b, &a, &views).unwrap();
        for (x, y) in leads.iter().zip(&many) {
            assert_eq!(filtfilt(&b, &a, x).unwrap(), *y);
        }
        assert!(matches!(
            sosfiltfilt_many(
                &butter_sos(2, 0.5, 500.0, FilterKind::Highpass).unwrap(),
                &[&leads[0], &leads[1][..600]]
            ),
            Err(Error::InvalidArgument { .. })
        ));
    }

    #[test]
    fn a_chain_equals_its_stages_one_after_the_other_bit_for_bit() {
        // Eighteen leads (a full group of sixteen lanes and a partial one), different content.
        let leads: Vec<Vec<f64>> = (0..18)
            .map(|l| {
                (0..900)
                    .map(|i| {
                        let t = i as f64 / 500.0;
                        (l as f64 + 1.0) * (3.0 * t).sin()
                            + 0.2 * (314.0 * t + l as f64).cos()
                            + if i % 97 == l { 1.5 } else { 0.0 }
                    })
                    .collect()
            })
            .collect();
        let views: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        let hp = butter_sos(2, 0.5, 500.0, FilterKind::Highpass).unwrap();
        let lp = butter_sos(4, 40.0, 500.0, FilterKind::Lowpass).unwrap();
        let (b, a) = ([0.95, -0.6, 0.95], [1.0, -0.6, 0.9]);
        let chained = filtfilt_chain(
            vec![
                sos_stage(&hp).unwrap(),
                ba_stage(&b, &a).unwrap(),
                sos_stage(&lp).unwrap(),
            ],
            &views,
            false,
        )
        .unwrap();
        for (x, y) in leads.iter().zip(&chained) {
            let alone =
                scalar_sosfiltfilt(&lp, &filtfilt(&b, &a, &scalar_sosfiltfilt(&hp, x)).unwrap());
            assert!(alone.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()));
        }
        // Too short for the low-pass's padding (15) but not the others' (9): passed over, or
        // an error.
        let short: Vec<&[f64]> = views.iter().map(|x| &x[..12]).collect();
        let stages = || vec![sos_stage(&hp).unwrap(), sos_stage(&lp).unwrap()];
        let passed = filtfilt_chain(stages(), &short, true).unwrap();
        assert_eq!(passed[3], sosfiltfilt(&hp, short[3]).unwrap());
        assert!(matches!(
            filtfilt_chain(stages(), &short, false),
            Err(Error::TooShort { needed: 15, .. })
        ));
    }

    #[test]
    fn each_lead_through_its_own_band_equals_filtering_it_alone() {
        // Twenty leads: a group of sixteen lanes, each with its own band, and one of eight.
        let leads: Vec<Vec<f64>> = (0..20)
            .map(|l| {
                (0..800)
                    .map(|i| ((i * (l + 3)) as f64 * 0.013).sin() + 0.1 * ((i % 17) as f64))
                    .collect()
            })
            .collect();
        let views: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
        let bands: Vec<Vec<Sos>> = (0..20)
            .map(|l| {
                let hz = 4.0 + 0.5 * l as f64;
                vec![
                    butter_sos(2, hz - 2.0, 100.0, FilterKind::Highpass).unwrap(),
                    butter_sos(2, hz + 2.0, 100.0, FilterKind::Lowpass).unwrap(),
                ]
            })
            .collect();
        let together = sosfiltfilt_each(&bands, &views).unwrap();
        for ((x, band), y) in leads.iter().zip(&bands).zip(&together) {
            let alone = scalar_sosfiltfilt(&band[1], &scalar_sosfiltfilt(&band[0], x));
            assert!(alone.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()));
        }
        // Cascades of different shapes are filtered one by one, with the same result.
        let mixed = vec![
            bands[0].clone(),
            vec![butter_sos(4, 10.0, 100.0, FilterKind::Lowpass).unwrap()],
        ];
        let y = sosfiltfilt_each(&mixed, &views[..2]).unwrap();
        assert_eq!(y[0], together[0]);
        assert_eq!(y[1], sosfiltfilt(&mixed[1][0], views[1]).unwrap());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any number of leads (partial lane groups included), any length the padding allows,
        /// any filter order: each lead's output equals the scalar SciPy order bit for bit.
        #[test]
        fn any_lead_count_and_length_matches_the_scalar_filter(
            n_leads in 1usize..20,
            len in 40usize..600,
            order in 1usize..6,
            seed in 0u64..1000,
        ) {
            let sos = butter_sos(order, 0.2 * 500.0 / 2.0, 500.0, FilterKind::Lowpass).unwrap();
            let len = len.max(sosfiltfilt_padlen(&sos) + 1);
            let mut s = seed;
            let leads: Vec<Vec<f64>> = (0..n_leads)
                .map(|_| {
                    (0..len)
                        .map(|_| {
                            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                        })
                        .collect()
                })
                .collect();
            let views: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
            let many = sosfiltfilt_many(&sos, &views).unwrap();
            proptest::prop_assert_eq!(many.len(), n_leads);
            for (x, y) in leads.iter().zip(&many) {
                let alone = scalar_sosfiltfilt(&sos, x);
                proptest::prop_assert!(alone.iter().zip(y).all(|(a, b)| a.to_bits() == b.to_bits()));
            }
        }
    }

    #[test]
    fn short_input_is_an_error_not_a_panic() {
        let sos = butter_sos(5, 0.5, 250.0, FilterKind::Highpass).unwrap();
        assert!(matches!(
            sosfiltfilt(&sos, &[1.0; 18]),
            Err(Error::TooShort { needed: 18, .. })
        ));
        assert!(filtfilt(&[1.0; 5], &[5.0], &[1.0; 15]).is_err());
        assert!(butter_sos(5, 130.0, 250.0, FilterKind::Lowpass).is_err());
        assert!(lfilter_zi(&[1.0], &[0.0]).is_err());
    }
}
