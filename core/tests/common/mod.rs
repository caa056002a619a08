//! Hand-built fixtures shared by the integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use patchwork_core::*;

pub const SYS: &str = "test";

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub fn src() -> Source {
    Source::row(SYS, "fixture.csv", 1)
}

pub fn pk(id: &str) -> PersonKey {
    PersonKey::new(SYS, id)
}

pub fn wk(id: &str) -> ProfessionalKey {
    ProfessionalKey::new(SYS, id)
}

pub fn ik(id: &str) -> InvolvementKey {
    InvolvementKey::new(SYS, id)
}

/// A small builder so that tests read as the situation they describe.
pub struct Fixture {
    pub net: Network,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            net: Network::new(),
        }
    }

    pub fn agency(&mut self, id: &str, kind: AgencyKind) -> &mut Self {
        self.net
            .add_agency(Agency {
                key: AgencyKey::new(SYS, id),
                name: format!("Agency {id}"),
                kind,
                ods_code: None,
                school_urn: None,
                source: src(),
            })
            .unwrap();
        self
    }

    pub fn team(&mut self, id: &str, agency: Option<&str>) -> &mut Self {
        self.net
            .add_team(Team {
                key: TeamKey::new(SYS, id),
                name: format!("Team {id}"),
                agency: agency.map(|a| AgencyKey::new(SYS, a)),
                parent: None,
                source: src(),
            })
            .unwrap();
        self
    }

    pub fn child(&mut self, id: &str) -> &mut Self {
        self.person(id, PersonKind::Child)
    }

    pub fn adult(&mut self, id: &str) -> &mut Self {
        self.person(id, PersonKind::Adult)
    }

    pub fn person(&mut self, id: &str, kind: PersonKind) -> &mut Self {
        self.net
            .add_person(Person::new(pk(id), kind, src()))
            .unwrap();
        self
    }

    pub fn worker(&mut self, id: &str, agency: Option<&str>, team: Option<&str>) -> &mut Self {
        let mut p = Professional::new(wk(id), src());
        p.name = Some(format!("Worker {id}"));
        p.agency = agency.map(|a| AgencyKey::new(SYS, a));
        p.team = team.map(|t| TeamKey::new(SYS, t));
        self.net.add_professional(p).unwrap();
        self
    }

    pub fn left(&mut self, id: &str, on: NaiveDate) -> &mut Self {
        let mut p = self.net.professional(&wk(id)).unwrap().clone();
        p.active = Period::new(p.active.start, Some(on)).unwrap();
        self.net.update_professional(p).unwrap();
        self
    }

    pub fn involve(
        &mut self,
        id: &str,
        worker: &str,
        child: &str,
        role: RoleCategory,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> &mut Self {
        self.net
            .add_involvement(involvement(id, Some(worker), child, role, start, end))
            .unwrap();
        self
    }

    pub fn episode(
        &mut self,
        id: &str,
        child: &str,
        detail: EpisodeDetail,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> &mut Self {
        self.net
            .add_episode(Episode {
                key: EpisodeKey::new(SYS, id),
                person: pk(child),
                period: Period::new(Some(start), end).unwrap(),
                detail,
                source: src(),
            })
            .unwrap();
        self
    }

    pub fn cin(
        &mut self,
        id: &str,
        child: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> &mut Self {
        self.episode(
            id,
            child,
            EpisodeDetail::ChildInNeed {
                referral_source: None,
                primary_need: None,
                closure_reason: None,
                census: Default::default(),
            },
            start,
            end,
        )
    }

    pub fn cp_plan(
        &mut self,
        id: &str,
        child: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> &mut Self {
        self.episode(
            id,
            child,
            EpisodeDetail::ChildProtectionPlan {
                category_of_abuse: Some(CategoryOfAbuse::Neglect),
                census: Default::default(),
            },
            start,
            end,
        )
    }

    pub fn looked_after(
        &mut self,
        id: &str,
        child: &str,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> &mut Self {
        self.episode(
            id,
            child,
            EpisodeDetail::LookedAfter {
                legal_status: Some("C2".into()),
                placement: None,
                care: None,
            },
            start,
            end,
        )
    }

    pub fn household(&mut self, id: &str, members: &[&str]) -> &mut Self {
        let key = HouseholdKey::new(SYS, id);
        self.net
            .add_household(Household {
                key: key.clone(),
                name: None,
                source: src(),
            })
            .unwrap();
        for m in members {
            self.net
                .add_household_member(&key, &pk(m), Period::always())
                .unwrap();
        }
        self
    }

    pub fn relate(
        &mut self,
        id: &str,
        from: &str,
        to: &str,
        kind: RelationshipKind,
        period: Period,
    ) -> &mut Self {
        self.net
            .add_relationship(Relationship {
                key: RelationshipKey::new(SYS, id),
                from: pk(from),
                to: pk(to),
                kind,
                parental_responsibility: kind == RelationshipKind::Parent,
                period,
                source: src(),
            })
            .unwrap();
        self
    }
}

pub fn involvement(
    id: &str,
    worker: Option<&str>,
    child: &str,
    role: RoleCategory,
    start: NaiveDate,
    end: Option<NaiveDate>,
) -> Involvement {
    Involvement {
        key: ik(id),
        person: pk(child),
        professional: worker.map(wk),
        team: None,
        role: Role::new(format!("{role:?}"), role),
        period: Period::new(Some(start), end).unwrap(),
        end_reason: None,
        sensitivity: Sensitivity::Standard,
        source: src(),
    }
}
