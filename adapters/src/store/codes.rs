//! The text the store writes for each of the core's enums: the same snake_case (or DfE /
//! CIN census code) names the core's serde implementation uses, so that the SQL file, the
//! JSON outputs and the command line all spell a value the same way.

use patchwork_core::{
    ActivityKind, AgencyKind, CategoryOfAbuse, EpisodeKind, MatchedOn, PersonKind,
    RelationshipKind, RoleCategory, Sensitivity, Sex, SwChangeReason,
};

/// An enum stored as text.
pub(crate) trait Code: Sized + Copy + 'static {
    /// Every value, in declaration order.
    #[cfg_attr(not(test), allow(dead_code))]
    const ALL: &'static [Self];
    /// The stored name.
    fn name(self) -> &'static str;
    /// The value for a stored name, matched exactly.
    fn parse(text: &str) -> Option<Self>;
}

macro_rules! codes {
    ($($ty:ident { $($variant:ident => $name:literal),* $(,)? })*) => {$(
        impl Code for $ty {
            const ALL: &'static [Self] = &[$($ty::$variant),*];
            fn name(self) -> &'static str {
                // Exhaustive: a variant added to the core fails to compile here.
                match self { $($ty::$variant => $name,)* }
            }
            fn parse(text: &str) -> Option<Self> {
                match text { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    )*};
}

codes! {
    AgencyKind {
        ChildrensSocialCare => "childrens_social_care",
        Health => "health",
        Education => "education",
        Police => "police",
        Housing => "housing",
        YouthJustice => "youth_justice",
        Probation => "probation",
        EarlyHelp => "early_help",
        Voluntary => "voluntary",
        Other => "other",
    }
    PersonKind {
        Child => "child",
        UnbornChild => "unborn_child",
        Adult => "adult",
    }
    Sex {
        Male => "male",
        Female => "female",
        Unknown => "unknown",
    }
    RoleCategory {
        AllocatedSocialWorker => "allocated_social_worker",
        LeadPractitioner => "lead_practitioner",
        IndependentReviewingOfficer => "independent_reviewing_officer",
        PersonalAdviser => "personal_adviser",
        HealthVisitor => "health_visitor",
        SchoolNurse => "school_nurse",
        Gp => "gp",
        DesignatedSafeguardingLead => "designated_safeguarding_lead",
        Teacher => "teacher",
        Police => "police",
        HousingOfficer => "housing_officer",
        YouthJusticeWorker => "youth_justice_worker",
        FamilySupportWorker => "family_support_worker",
        Other => "other",
    }
    Sensitivity {
        Standard => "standard",
        SensitiveService => "sensitive_service",
        Restricted => "restricted",
    }
    SwChangeReason {
        Manage => "MANAGE",
        FirstContact => "FCONTA",
        LeftRole => "LEFTRL",
        Restructure => "ORGRST",
        StandardTransfer => "TSPROC",
        Absence => "ABSENC",
        ChildRequested => "CHCHAN",
        ParentRequested => "PCCHAN",
        WorkerDied => "SWDIED",
        Other => "OTHERS",
    }
    RelationshipKind {
        Parent => "parent",
        StepParent => "step_parent",
        Carer => "carer",
        Sibling => "sibling",
        HalfSibling => "half_sibling",
        Grandparent => "grandparent",
        Partner => "partner",
        HouseholdMember => "household_member",
        Other => "other",
    }
    EpisodeKind {
        EarlyHelp => "early_help",
        ChildInNeed => "child_in_need",
        Section47 => "section47",
        ChildProtectionPlan => "child_protection_plan",
        LookedAfter => "looked_after",
    }
    CategoryOfAbuse {
        Neglect => "NEG",
        Physical => "PHY",
        Sexual => "SAB",
        Emotional => "EMO",
        Multiple => "MUL",
    }
    ActivityKind {
        Referral => "referral",
        Assessment => "assessment",
        CinPlan => "cin_plan",
        Section47Enquiry => "section47_enquiry",
        InitialChildProtectionConference => "initial_child_protection_conference",
        Other => "other",
    }
    MatchedOn {
        NhsNumber => "nhs_number",
        Upn => "upn",
        LaPersonId => "la_person_id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde<T: Code + serde::Serialize>() {
        for &v in T::ALL {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.name()));
            assert_eq!(T::parse(v.name()).map(T::name), Some(v.name()));
        }
        assert!(T::parse("no such value").is_none());
    }

    #[test]
    fn names_are_the_serde_names() {
        same_as_serde::<AgencyKind>();
        same_as_serde::<PersonKind>();
        same_as_serde::<Sex>();
        same_as_serde::<RoleCategory>();
        same_as_serde::<Sensitivity>();
        same_as_serde::<SwChangeReason>();
        same_as_serde::<RelationshipKind>();
        same_as_serde::<EpisodeKind>();
        same_as_serde::<CategoryOfAbuse>();
        same_as_serde::<ActivityKind>();
        same_as_serde::<MatchedOn>();
    }
}
