//! The children looked after return's facts for a generated council.
//!
//! The generator's looked-after episodes carry legal status and placement only (what the
//! SSD holds and the store persists). [`add_return_facts`] adds the rest of what the return
//! records, varied by position and not by the generator's random stream, so that a
//! generated council's return fills every file.

use chrono::{Days, Months, NaiveDate};
use patchwork_core::{
    CareEpisode, CareReview, EpisodeDetail, HealthOutcomes, LookedAfterChild, MissingPeriod,
    PersonKey, PreviousPermanence,
};
use std::collections::HashMap;

use super::CollectionYear;
use crate::synthetic::SyntheticCouncil;

/// Adds to every looked-after episode its reason for new episode (`S`), category of need,
/// placement provider and postcodes, and to every child looked after: previous
/// permanence, reviews every 120 days up to the council's date, some missing periods,
/// some UASC end dates, and outcomes (OC2) for the collection year of the council's date
/// for every second child.
///
/// ```
/// use patchwork_adapters::{ssda903, synthetic};
/// let mut council = synthetic::generate_sizes(
///     synthetic::Sizes { persons: 600, involvements: 2_400, professionals: 80 }, 5);
/// ssda903::add_return_facts(&mut council);
/// let net = council.extract_network()?;
/// let year = ssda903::CollectionYear::containing(council.today);
/// let tables = ssda903::export_tables(&net, year)?;
/// assert!(tables[&ssda903::File903::Reviews].0 > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_return_facts(council: &mut SyntheticCouncil) {
    const NEEDS: [&str; 4] = ["N1", "N2", "N4", "N8"];
    const PROVIDERS: [&str; 3] = ["PR1", "PR2", "PR4"];
    let mut starts: HashMap<PersonKey, NaiveDate> = HashMap::new();
    for (n, e) in council.episodes.iter_mut().enumerate() {
        if let (EpisodeDetail::LookedAfter { care, .. }, Some(start)) =
            (&mut e.detail, e.period.start)
        {
            *care = Some(Box::new(CareEpisode {
                reason_new_episode: Some("S".into()),
                category_of_need: Some(NEEDS[n % 4].into()),
                placement_provider: Some(PROVIDERS[n % 3].into()),
                home_postcode: (n % 2 == 0).then(|| "ZZ1 1AA".into()),
                placement_postcode: (n % 3 == 0).then(|| "ZZ9 9ZZ".into()),
                urn: (n % 3 == 0).then(|| "SC123456".into()),
                ..CareEpisode::default()
            }));
            starts.insert(e.person.clone(), start);
        }
    }
    let today = council.today;
    let year = CollectionYear::containing(today).0;
    for (n, p) in council.persons.iter_mut().enumerate() {
        let Some(&start) = starts.get(&p.key) else {
            continue;
        };
        let mut facts = LookedAfterChild {
            previous_permanence: Some(PreviousPermanence {
                option: Some("Z1".into()),
                la: None,
                date: None,
            }),
            ..LookedAfterChild::default()
        };
        for k in 1..4u64 {
            let date = start + Days::new(120 * k);
            if date <= today {
                facts.reviews.push(CareReview {
                    date,
                    participation: Some(format!("PN{}", (n as u64 + k) % 8)),
                });
            }
        }
        if n % 5 == 0 {
            let s = start + Days::new(40);
            facts.missing.push(MissingPeriod {
                kind: if n % 2 == 0 { "M" } else { "A" }.into(),
                start: s,
                end: (n % 3 != 0).then(|| s + Days::new(2)),
            });
        }
        if n % 7 == 0 {
            facts.uasc_ceased = p
                .birth_date
                .and_then(|b| b.checked_add_months(Months::new(216)));
        }
        if n % 2 == 0 {
            facts.outcomes.push(HealthOutcomes {
                year,
                sdq_score: Some((n % 41) as u8),
                sdq_reason: None,
                convicted: Some(false),
                health_check: None,
                immunisations: Some(true),
                teeth_check: Some(n % 3 == 0),
                health_assessment: Some(true),
                substance_misuse: Some(false),
                intervention_received: None,
                intervention_offered: None,
            });
        }
        p.looked_after = Some(Box::new(facts));
    }
}
