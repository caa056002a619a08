//! The access decision for one fact, and the facts it is taken on.

use serde::{Deserialize, Serialize};

use crate::{Policy, Sensitivity, Viewer};

/// How much of one fact a viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Nothing, not even that the fact exists: hidden facts do not reach results, counts,
    /// search hits, ordering or error messages.
    Hidden,
    /// Only that the person is known to services, and how to contact their lead
    /// practitioner.
    ExistenceOnly,
    /// The fact in full.
    Full,
}

/// What the policy needs to know about a person to decide what a viewer sees of them.
/// [`ViewedNetwork`](crate::ViewedNetwork) works these out from the network, the
/// viewer's own involvements and the overrides in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonFacts {
    /// The person is shielded ([`Person::shielded`](crate::Person::shielded)).
    pub shielded: bool,
    /// The viewer holds an involvement with the person active on the access date (as the
    /// professional, or through their team for a team-only involvement).
    pub involved: bool,
    /// A break-glass override by this viewer for this person is in force.
    pub break_glass: bool,
}

/// What the policy needs to know about one involvement of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InvolvementFacts {
    /// The involvement's sensitivity after
    /// [`Policy::effective_sensitivity`](crate::Policy::effective_sensitivity).
    pub sensitivity: Sensitivity,
    /// It is the viewer's own (they are its professional, or it is a team-only
    /// involvement of their team).
    pub own: bool,
    /// It is held in the viewer's agency.
    pub same_agency: bool,
    /// A consent in force names the viewer's agency as a recipient for it.
    pub consented: bool,
    /// A break-glass override by this viewer for its person is in force.
    pub break_glass: bool,
}

impl Policy {
    /// What a viewer sees of a person. In order:
    ///
    /// 1. an administrative viewer sees everyone in full when
    ///    [`administrative`](Self::administrative) is set, and nobody otherwise;
    /// 2. a break-glass override in force shows the person in full;
    /// 3. a shielded person is hidden, unless the viewer's role may
    ///    [`read_shielded`](crate::Permissions::read_shielded);
    /// 4. a front-door role, or (when [`involved_see_team`](Self::involved_see_team)) a
    ///    viewer actively involved with the person, sees them in full;
    /// 5. anyone else sees existence only when
    ///    [`others_see_existence`](Self::others_see_existence), and nothing otherwise.
    ///
    /// ```
    /// use patchwork_core::*;
    ///
    /// let policy = Policy::practice_defaults("v1");
    /// let w = Professional::new(ProfessionalKey::new("lcs", "W1"), Source::system("lcs"));
    /// let viewer = Viewer::professional(&w, "practitioner", Purpose::DirectWork);
    /// let involved = PersonFacts { involved: true, ..PersonFacts::default() };
    /// assert_eq!(policy.decide_person(&viewer, involved), Decision::Full);
    /// assert_eq!(policy.decide_person(&viewer, PersonFacts::default()), Decision::ExistenceOnly);
    /// let shielded = PersonFacts { shielded: true, involved: true, ..PersonFacts::default() };
    /// assert_eq!(policy.decide_person(&viewer, shielded), Decision::Hidden);
    /// // Default deny: the empty policy shows nothing.
    /// assert_eq!(Policy::default().decide_person(&viewer, involved), Decision::Hidden);
    /// ```
    pub fn decide_person(&self, viewer: &Viewer, facts: PersonFacts) -> Decision {
        if viewer.is_administrative() {
            return if self.administrative {
                Decision::Full
            } else {
                Decision::Hidden
            };
        }
        let permissions = self.permissions(&viewer.role);
        if facts.break_glass {
            return Decision::Full;
        }
        if facts.shielded && !permissions.read_shielded {
            return Decision::Hidden;
        }
        if permissions.front_door || (facts.involved && self.involved_see_team) {
            Decision::Full
        } else if self.others_see_existence {
            Decision::ExistenceOnly
        } else {
            Decision::Hidden
        }
    }

    /// What a viewer sees of one involvement, given what they see of its person
    /// (`person`, from [`decide_person`](Self::decide_person)). An involvement is shown
    /// in full or not at all:
    ///
    /// 1. unless the person is seen in full, the involvement is hidden (the existence-only
    ///    view names the lead's contact route, not the involvements);
    /// 2. an administrative viewer, the viewer's own involvement, and a break-glass
    ///    override in force show it;
    /// 3. a standard involvement is shown;
    /// 4. a sensitive-service involvement is shown to its own agency, or with consent;
    /// 5. a restricted involvement is shown to its own agency only.
    ///
    /// ```
    /// use patchwork_core::*;
    ///
    /// let policy = Policy::practice_defaults("v1");
    /// let w = Professional::new(ProfessionalKey::new("lcs", "W1"), Source::system("lcs"));
    /// let viewer = Viewer::professional(&w, "practitioner", Purpose::DirectWork);
    /// let camhs = InvolvementFacts { sensitivity: Sensitivity::SensitiveService, ..InvolvementFacts::default() };
    /// assert_eq!(policy.decide_involvement(&viewer, Decision::Full, camhs), Decision::Hidden);
    /// let with_consent = InvolvementFacts { consented: true, ..camhs };
    /// assert_eq!(policy.decide_involvement(&viewer, Decision::Full, with_consent), Decision::Full);
    /// ```
    pub fn decide_involvement(
        &self,
        viewer: &Viewer,
        person: Decision,
        facts: InvolvementFacts,
    ) -> Decision {
        if person != Decision::Full {
            return Decision::Hidden;
        }
        if viewer.is_administrative() || facts.own || facts.break_glass {
            return Decision::Full;
        }
        let shown = match facts.sensitivity {
            Sensitivity::Standard => true,
            Sensitivity::SensitiveService => facts.same_agency || facts.consented,
            Sensitivity::Restricted => facts.same_agency,
        };
        if shown {
            Decision::Full
        } else {
            Decision::Hidden
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Permissions, Purpose};

    fn practitioner(role: &str) -> Viewer {
        let w = crate::Professional::new(
            crate::ProfessionalKey::new("t", "W"),
            crate::Source::system("t"),
        );
        Viewer::professional(&w, role, Purpose::DirectWork)
    }

    fn person(shielded: bool, involved: bool, break_glass: bool) -> PersonFacts {
        PersonFacts {
            shielded,
            involved,
            break_glass,
        }
    }

    /// Every branch of the person rule, with the answer worked out from its doc.
    #[test]
    fn person_rule_branch_by_branch() {
        use Decision::*;
        let mut p = Policy::practice_defaults("v");
        p.roles.insert(
            "both".into(),
            Permissions {
                front_door: true,
                read_shielded: true,
                ..Permissions::default()
            },
        );
        let admin = Viewer::administrative("ops", Purpose::Audit);
        let cases = [
            // (role, shielded, involved, break glass) -> decision
            ("practitioner", false, true, false, Full),
            ("practitioner", false, false, false, ExistenceOnly),
            ("practitioner", true, true, false, Hidden),
            ("practitioner", true, false, true, Full),
            ("front_door", false, false, false, Full),
            ("front_door", true, false, false, Hidden),
            ("shield_broker", true, false, false, ExistenceOnly),
            ("shield_broker", true, true, false, Full),
            ("both", true, false, false, Full),
            ("no such role", false, false, false, ExistenceOnly),
        ];
        for (role, shielded, involved, bg, expected) in cases {
            let facts = person(shielded, involved, bg);
            assert_eq!(
                p.decide_person(&practitioner(role), facts),
                expected,
                "{role} {facts:?}"
            );
        }
        assert_eq!(p.decide_person(&admin, person(true, false, false)), Full);
        let mut q = p.clone();
        q.administrative = false;
        assert_eq!(q.decide_person(&admin, person(false, true, true)), Hidden);
        q.involved_see_team = false;
        assert_eq!(
            q.decide_person(&practitioner("practitioner"), person(false, true, false)),
            ExistenceOnly
        );
        q.others_see_existence = false;
        assert_eq!(
            q.decide_person(&practitioner("practitioner"), person(false, true, false)),
            Hidden
        );
        assert_eq!(
            q.decide_person(&practitioner("front_door"), person(false, false, false)),
            Full
        );
    }

    /// Every branch of the involvement rule.
    #[test]
    fn involvement_rule_branch_by_branch() {
        use Decision::*;
        use Sensitivity::*;
        let p = Policy::practice_defaults("v");
        let v = practitioner("practitioner");
        let f = |sensitivity, own, same_agency, consented, break_glass| InvolvementFacts {
            sensitivity,
            own,
            same_agency,
            consented,
            break_glass,
        };
        let cases = [
            (Standard, false, false, false, false, Full),
            (SensitiveService, false, false, false, false, Hidden),
            (SensitiveService, false, true, false, false, Full),
            (SensitiveService, false, false, true, false, Full),
            (SensitiveService, true, false, false, false, Full),
            (SensitiveService, false, false, false, true, Full),
            (Restricted, false, false, true, false, Hidden),
            (Restricted, false, true, false, false, Full),
            (Restricted, true, false, false, false, Full),
            (Restricted, false, false, false, true, Full),
        ];
        for (s, own, same, consented, bg, expected) in cases {
            let facts = f(s, own, same, consented, bg);
            assert_eq!(p.decide_involvement(&v, Full, facts), expected, "{facts:?}");
            // Unless the person is seen in full, no involvement is.
            assert_eq!(p.decide_involvement(&v, ExistenceOnly, facts), Hidden);
            assert_eq!(p.decide_involvement(&v, Hidden, facts), Hidden);
        }
        let admin = Viewer::administrative("ops", Purpose::Audit);
        assert_eq!(
            p.decide_involvement(&admin, Full, f(Restricted, false, false, false, false)),
            Full
        );
    }

    #[test]
    fn the_service_mapping_only_raises_sensitivity() {
        let mut p = Policy::default();
        p.service_sensitivity
            .insert("CAMHS".into(), Sensitivity::SensitiveService);
        assert_eq!(
            p.effective_sensitivity(Sensitivity::Standard, "CAMHS"),
            Sensitivity::SensitiveService
        );
        assert_eq!(
            p.effective_sensitivity(Sensitivity::Restricted, "CAMHS"),
            Sensitivity::Restricted
        );
        assert_eq!(
            p.effective_sensitivity(Sensitivity::Standard, "SW"),
            Sensitivity::Standard
        );
    }
}
