//! Census details for the synthetic council: what the case-system extract the generator
//! imitates does not carry (assessments with factors, CIN plans, initial conferences, plan
//! reviews, disabilities), filled in deterministically so that a generated council makes a
//! full census.

use chrono::{Days, NaiveDate};
use patchwork_core::{
    Assessment, CinPlan, EpisodeDetail, EpisodeKey, EpisodeKind, PersonKey, PersonKind,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rustc_hash::FxHashMap;

use crate::synthetic::SyntheticCouncil;

const FACTORS: &[&str] = &[
    "1B", "2B", "3A", "3B", "3C", "4A", "4B", "5B", "6B", "7A", "10A", "11A", "14A", "15A", "16A",
    "17A", "18B", "18C", "19C", "20", "22A", "24A",
];
const DISABILITIES: &[&str] = &[
    "MOB", "HAND", "PC", "COMM", "LD", "HEAR", "VIS", "BEH", "AUT",
];

fn days(n: u64) -> Days {
    Days::new(n)
}

/// Adds census details to the council's children and their CIN, section 47 and child
/// protection plan episodes, deterministically from `seed`:
///
/// * each child in need episode gets its referral NFA flag (false: every generated
///   referral leads to an assessment), one assessment starting within 5 days of the
///   referral and, if completed by the episode's end (or the council's `today`), authorised
///   10 to 45 days later with one to three factors; episodes without a plan get a CIN plan
///   after the assessment;
/// * each section 47 enquiry is linked to the CIN episode it started in, with an initial
///   conference target 15 days after its start and, when a plan follows, the conference on
///   the plan's start day;
/// * each plan is linked to its CIN episode, keeps its category as the latest, and gets a
///   number of previous plans and reviews at 3 months and then every 6 months;
/// * children get disability codes (`NONE` for most) and a `UPNunknown` reason where
///   they have no UPN (`UN1` for the under-fives and unborn).
pub fn add_census_details(council: &mut SyntheticCouncil, seed: u64) {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xC1_C1_C1);
    let today = council.today;
    for p in &mut council.persons {
        if !p.is_child() {
            continue;
        }
        if p.kind != PersonKind::UnbornChild {
            p.disabilities = if rng.random_bool(0.85) {
                vec!["NONE".to_owned()]
            } else {
                let i = rng.random_range(0..DISABILITIES.len());
                vec![DISABILITIES[i].to_owned()]
            };
        }
        if p.upn.is_none() {
            let young = p.birth_date.is_none_or(|b| b + days(5 * 365) > today);
            p.upn_unknown = Some(if young { "UN1" } else { "UN5" }.to_owned());
        }
    }
    // CIN episodes of each child, and the plans' start days.
    let mut cins: FxHashMap<PersonKey, Vec<(EpisodeKey, NaiveDate, Option<NaiveDate>)>> =
        FxHashMap::default();
    let mut plan_starts: FxHashMap<PersonKey, Vec<NaiveDate>> = FxHashMap::default();
    for e in &council.episodes {
        match e.kind() {
            EpisodeKind::ChildInNeed => {
                if let Some(s) = e.period.start {
                    cins.entry(e.person.clone()).or_default().push((
                        e.key.clone(),
                        s,
                        e.period.end,
                    ));
                }
            }
            EpisodeKind::ChildProtectionPlan => {
                if let Some(s) = e.period.start {
                    plan_starts.entry(e.person.clone()).or_default().push(s);
                }
            }
            _ => {}
        }
    }
    let containing = |person: &PersonKey, day: NaiveDate| -> Option<EpisodeKey> {
        cins.get(person)?
            .iter()
            .find(|(_, s, e)| *s <= day && e.is_none_or(|e| day <= e))
            .map(|(k, _, _)| k.clone())
    };
    let mut links = Vec::with_capacity(council.episodes.len());
    for e in &council.episodes {
        links.push(match (e.kind(), e.period.start) {
            (EpisodeKind::Section47 | EpisodeKind::ChildProtectionPlan, Some(s)) => {
                containing(&e.person, s)
            }
            _ => None,
        });
    }
    for (e, link) in council.episodes.iter_mut().zip(links) {
        let start = e.period.start;
        let end = e.period.end;
        let has_plan = plan_starts.contains_key(&e.person);
        match &mut e.detail {
            EpisodeDetail::ChildInNeed { census, .. } => {
                let Some(start) = start else { continue };
                let last = end.unwrap_or(today);
                census.referral_nfa = Some(false);
                let a_start = (start + days(rng.random_range(0..5))).min(last);
                let done = a_start + days(rng.random_range(10..45));
                let authorised = (done <= last).then_some(done);
                let factors = if authorised.is_some() {
                    let n = rng.random_range(1..=3);
                    let mut f: Vec<String> = Vec::new();
                    while f.len() < n {
                        let code = FACTORS[rng.random_range(0..FACTORS.len())];
                        if !f.iter().any(|x| x == code) {
                            f.push(code.to_owned());
                        }
                    }
                    f
                } else {
                    Vec::new()
                };
                census.assessments = vec![Assessment {
                    start: Some(a_start),
                    internal_review: None,
                    authorised,
                    factors,
                }];
                if !has_plan && let Some(a) = authorised {
                    let plan_start = a + days(rng.random_range(1..10));
                    if plan_start <= last {
                        census.cin_plans = vec![CinPlan {
                            start: Some(plan_start),
                            end: end.filter(|&e| e >= plan_start),
                        }];
                    }
                }
            }
            EpisodeDetail::Section47 { census, .. } => {
                let Some(start) = start else { continue };
                census.cin_episode = link;
                census.initial_cpc_target = Some(start + days(15));
                // The conference is the day the enquiry ends and a plan starts.
                let plan = end.filter(|d| {
                    plan_starts
                        .get(&e.person)
                        .is_some_and(|starts| starts.contains(d))
                });
                census.initial_cpc_date = plan;
                census.icpc_not_required = Some(plan.is_none());
            }
            EpisodeDetail::ChildProtectionPlan {
                category_of_abuse,
                census,
            } => {
                let Some(start) = start else { continue };
                census.cin_episode = link;
                census.latest_category = *category_of_abuse;
                census.previous_plans = Some(if rng.random_bool(0.8) { 0 } else { 1 });
                let last = end.unwrap_or(today);
                let mut review = start + days(90);
                census.reviews.clear();
                while review < last {
                    census.reviews.push(review);
                    review = review + days(182);
                }
            }
            _ => {}
        }
    }
}
