//! A tour of Patchwork on a small synthetic council (tier S, 20k persons): build the
//! network, then ask it who is around a few children, where the gaps are, how often one
//! child's social worker changed, and who could introduce two professionals.
//!
//! ```text
//! cargo run -p patchwork-examples --example tour
//! ```

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_core::{EpisodeKind, Error, Network, PersonKey, RoleCategory};

fn main() -> Result<(), Error> {
    // 1. Records from a fictional council, loaded into a network.
    let council = synthetic::generate(Tier::S, 2025);
    let today = council.today;
    let net = council.into_network()?;
    println!(
        "Wexmoor on {today}: {} persons, {} professionals, {} involvements, {} episodes\n",
        net.person_count(),
        net.professional_count(),
        net.involvement_count(),
        net.episodes().len(),
    );

    // 2. The team around a child on a plan, a child in care and a child in early help.
    for kind in [
        EpisodeKind::ChildProtectionPlan,
        EpisodeKind::LookedAfter,
        EpisodeKind::EarlyHelp,
    ] {
        if let Some(child) = first_with_open_episode(&net, kind, today) {
            print_team(&net, &child, today)?;
        }
    }

    // 3. Gaps: who should have someone and does not.
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for gap in net.gaps(today) {
        *by_kind.entry(gap.kind.to_string()).or_default() += 1;
    }
    println!("Gaps on {today}:");
    for (kind, count) in &by_kind {
        println!("  {count:>4}  {kind}");
    }

    // 4. Changes of social worker over the last year, for the child who had the most.
    let year_ago = today - Months::new(12);
    let mut most = None;
    for person in net.persons().filter(|p| p.is_child()) {
        let changes = net.worker_changes(&person.key, year_ago, today)?;
        if most
            .as_ref()
            .is_none_or(|(_, best): &(_, usize)| changes.count > *best)
        {
            most = Some((person.key.clone(), changes.count));
        }
    }
    if let Some((child, _)) = most {
        let changes = net.worker_changes(&child, year_ago, today)?;
        println!(
            "\nSocial worker changes for {} since {year_ago}:",
            name_of(&net, &child)
        );
        for c in &changes.changes {
            let who = |p: Option<&patchwork_core::Professional>| {
                p.and_then(|p| p.name.clone())
                    .unwrap_or_else(|| "(a team)".into())
            };
            let reason = c.reason.map_or("-".to_string(), |r| r.to_string());
            println!(
                "  {}  {} -> {}  ({reason})",
                c.date,
                who(c.previous_professional),
                who(c.next_professional)
            );
        }
    }

    // 5. Who could introduce a health visitor to a police officer working with another child?
    let pick = |role: RoleCategory| {
        net.involvements()
            .filter(move |i| i.role() == role && i.period().contains(today))
            .filter_map(|i| i.professional())
    };
    'search: for hv in pick(RoleCategory::HealthVisitor).take(20) {
        for officer in pick(RoleCategory::Police).take(20) {
            if let Some(path) = net.connection_path(&hv.key, &officer.key, today)?
                && path.len() >= 2
            {
                println!(
                    "\nFrom health visitor to police officer in {} introductions:",
                    path.len()
                );
                for (i, p) in path.professionals.iter().enumerate() {
                    let title = p.job_title.as_deref().unwrap_or("professional");
                    println!("  {} ({title})", p.name.as_deref().unwrap_or("?"));
                    if let Some(child) = path.children.get(i) {
                        println!("      both work with {}", name_of(&net, &child.key));
                    }
                }
                break 'search;
            }
        }
    }
    Ok(())
}

/// The first child with an episode of `kind` open on `as_of`.
fn first_with_open_episode(
    net: &Network,
    kind: EpisodeKind,
    as_of: NaiveDate,
) -> Option<PersonKey> {
    net.episodes()
        .find(|e| e.kind() == kind && e.period.contains(as_of))
        .map(|e| e.person.clone())
}

fn name_of(net: &Network, key: &PersonKey) -> String {
    let name = net.person(key).and_then(|p| p.display_name());
    format!("{} ({key})", name.unwrap_or_else(|| "unnamed".into()))
}

fn print_team(net: &Network, child: &PersonKey, as_of: NaiveDate) -> Result<(), Error> {
    let team = net.team_around(child, as_of)?;
    println!(
        "Team around {} on {as_of} (lead: {:?}):",
        name_of(net, child),
        team.lead_basis
    );
    for m in &team.members {
        let who = m
            .professional
            .and_then(|p| p.name.as_deref())
            .unwrap_or("(team)");
        let place = match (m.team, m.agency) {
            (Some(t), Some(a)) => format!("{}, {}", t.name, a.name),
            (None, Some(a)) => a.name.clone(),
            (Some(t), None) => t.name.clone(),
            (None, None) => String::new(),
        };
        let since = m
            .involvement
            .period()
            .start
            .map_or("?".into(), |d| d.to_string());
        println!(
            "  {} {:<30} {:<22} {place}, since {since}",
            if m.lead { "*" } else { " " },
            m.involvement.role().to_string(),
            who,
        );
    }
    println!();
    Ok(())
}
