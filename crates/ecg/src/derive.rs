//! Lead derivation by Einthoven's and Goldberger's laws: III, aVR, aVL, aVF from I and II.
//!
//! III = II - I; aVR = -(I + II)/2; aVL = I - II/2; aVF = II - I/2 (Goldberger 1942).
//! Derived leads are lazy [`LinearCombination`]s marked `derived = true`, so a 24-h Holter
//! gains four leads without a single copied sample.

use std::sync::Arc;

use crate::label::LeadLabel;
use crate::recording::{Lead, Recording};
use crate::signal::LinearCombination;

/// Each derivable limb lead with its coefficients on (I, II).
pub const LIMB_DERIVATIONS: [(LeadLabel, f32, f32); 4] = [
    (LeadLabel::III, -1.0, 1.0),
    (LeadLabel::AVR, -0.5, -0.5),
    (LeadLabel::AVL, 1.0, -0.5),
    (LeadLabel::AVF, -0.5, 1.0),
];

impl Recording {
    /// Appends III, aVR, aVL and aVF where missing, computed from I and II. Does nothing when
    /// I or II is absent, or when they differ in rate, unit or length. Returns the labels added.
    pub fn derive_limb_leads(&mut self) -> Vec<LeadLabel> {
        let (Some(i), Some(ii)) = (self.lead(&LeadLabel::I), self.lead(&LeadLabel::II)) else {
            return Vec::new();
        };
        if i.sampling_rate_hz != ii.sampling_rate_hz
            || i.unit != ii.unit
            || i.n_samples() != ii.n_samples()
        {
            return Vec::new();
        }
        let (i, ii) = (i.clone(), ii.clone());
        let mut added = Vec::new();
        for (label, ci, cii) in LIMB_DERIVATIONS {
            if self.lead(&label).is_some() {
                continue;
            }
            let Some(comb) =
                LinearCombination::new(vec![(ci, i.signal.clone()), (cii, ii.signal.clone())])
            else {
                continue;
            };
            self.leads.push(Lead {
                label: label.clone(),
                original_label: label.name().to_string(),
                sampling_rate_hz: i.sampling_rate_hz,
                unit: i.unit.clone(),
                derived: true,
                signal: crate::Signal::new(Arc::new(comb)),
            });
            added.push(label);
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use crate::{Lead, LeadLabel, Recording, Signal, Unit};

    #[test]
    fn goldberger_leads_follow_from_i_and_ii() {
        let i = Lead::new(
            "I",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![1.0, -0.5]),
        );
        let ii = Lead::new(
            "II",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![2.0, 0.5]),
        );
        let mut rec = Recording::new(vec![i, ii]);
        let added = rec.derive_limb_leads();
        assert_eq!(added.len(), 4);
        let get = |l: LeadLabel| rec.lead(&l).unwrap().signal.to_vec().unwrap();
        assert_eq!(get(LeadLabel::III), vec![1.0, 1.0]);
        assert_eq!(get(LeadLabel::AVR), vec![-1.5, 0.0]);
        assert_eq!(get(LeadLabel::AVL), vec![0.0, -0.75]);
        assert_eq!(get(LeadLabel::AVF), vec![1.5, 0.75]);
        // Idempotent.
        assert!(rec.derive_limb_leads().is_empty());
    }

    #[test]
    fn nothing_is_derived_without_both_limb_leads() {
        let i = Lead::new(
            "I",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![1.0]),
        );
        let mut rec = Recording::new(vec![i]);
        assert!(rec.derive_limb_leads().is_empty());
    }
}
