//! Finding the lead a cell shows: the recording's own lead, or (when the scene allows derived
//! leads) one computed lazily from others. III, aVR, aVL and aVF come from I and II by
//! Einthoven's and Goldberger's laws ([`ecg::LIMB_DERIVATIONS`]); -aVR, for the Cabrera order,
//! is aVR negated (or -(−(I + II)/2) = (I + II)/2 when aVR itself is derived). Nothing is copied:
//! a derived lead is an [`ecg::LinearCombination`] over the stored signals.

use std::sync::Arc;

use ecg::{LIMB_DERIVATIONS, Lead, LeadLabel, LinearCombination, SampleSource, Signal};

/// The lead labelled `label` among `leads`, derived if allowed and possible.
pub(crate) fn resolve(leads: &[Lead], label: &LeadLabel, derive: bool) -> Option<Lead> {
    if let Some(l) = leads.iter().find(|l| &l.label == label) {
        return Some(l.clone());
    }
    if !derive {
        return None;
    }
    let find = |want: &LeadLabel| leads.iter().find(|l| &l.label == want);
    if *label == LeadLabel::NegAVR
        && let Some(avr) = find(&LeadLabel::AVR)
    {
        return combine(label, avr, &[(-1.0, avr)]);
    }
    let (i, ii) = (find(&LeadLabel::I)?, find(&LeadLabel::II)?);
    if i.sampling_rate_hz != ii.sampling_rate_hz || i.unit != ii.unit {
        return None;
    }
    let (ci, cii) = if *label == LeadLabel::NegAVR {
        (0.5, 0.5)
    } else {
        let (_, ci, cii) = LIMB_DERIVATIONS.iter().find(|(l, _, _)| l == label)?;
        (*ci, *cii)
    };
    combine(label, i, &[(ci, i), (cii, ii)])
}

fn combine(label: &LeadLabel, template: &Lead, terms: &[(f32, &Lead)]) -> Option<Lead> {
    let terms = terms.iter().map(|(c, l)| (*c, l.signal.clone())).collect();
    let lc = LinearCombination::new(terms)?;
    Some(Lead {
        label: label.clone(),
        original_label: label.name().to_string(),
        sampling_rate_hz: template.sampling_rate_hz,
        unit: template.unit.clone(),
        derived: true,
        signal: Signal::new(Arc::new(lc)),
    })
}

/// The stored sources a lead's samples come from: its own for a stored lead, those of I, II
/// and aVR for a derived one. The renderer keys its pyramid cache on them, because a derived
/// lead is a new [`LinearCombination`] every frame while its basis stays the same.
pub(crate) fn basis(leads: &[Lead], lead: &Lead) -> Vec<Arc<dyn SampleSource>> {
    if !lead.derived {
        return vec![lead.signal.source().clone()];
    }
    leads
        .iter()
        .filter(|l| !l.derived && matches!(l.label, LeadLabel::I | LeadLabel::II | LeadLabel::AVR))
        .map(|l| l.signal.source().clone())
        .collect()
}

/// Millivolts per unit of the lead's samples; a non-voltage channel is drawn as if in mV.
pub(crate) fn mv_per_unit(lead: &Lead) -> f64 {
    lead.unit.to_uv_factor().map_or(1.0, |f| f / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::Unit;

    fn lead(name: &str, v: Vec<f32>) -> Lead {
        Lead::new(name, 500.0, Unit::Millivolt, Signal::from_physical(v))
    }

    #[test]
    fn derives_limb_leads_and_negative_avr() {
        let leads = vec![lead("I", vec![1.0, 2.0]), lead("II", vec![3.0, 2.0])];
        let iii = resolve(&leads, &LeadLabel::III, true).unwrap();
        assert!(iii.derived);
        assert_eq!(iii.signal.to_vec().unwrap(), vec![2.0, 0.0]);
        let neg = resolve(&leads, &LeadLabel::NegAVR, true).unwrap();
        assert_eq!(neg.signal.to_vec().unwrap(), vec![2.0, 2.0]);
        assert!(resolve(&leads, &LeadLabel::III, false).is_none());
        assert!(resolve(&leads, &LeadLabel::V1, true).is_none());
    }

    #[test]
    fn negative_avr_prefers_the_stored_avr() {
        let leads = vec![lead("aVR", vec![0.5, -0.25])];
        let neg = resolve(&leads, &LeadLabel::NegAVR, true).unwrap();
        assert_eq!(neg.signal.to_vec().unwrap(), vec![-0.5, 0.25]);
        assert_eq!(neg.label.name(), "-aVR");
    }
}
