//! The policy: versioned data that says who may see what.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Sensitivity;

/// What an access role may do beyond the default rules.
///
/// A role the policy does not name has none of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Permissions {
    /// May override the policy for one child for a limited time, giving a reason
    /// ("break glass"): child protection roles, the emergency duty team.
    pub break_glass: bool,
    /// Sees every child's team without being involved: a front door, MASH or
    /// multi-agency child protection team (the legitimate-relationship rule's exception).
    pub front_door: bool,
    /// Sees shielded persons: the council's designated team that brokers contact for
    /// shielded children (as ContactPoint's LA teams did).
    pub read_shielded: bool,
}

/// Who may see what: council configuration as versioned data.
///
/// A policy is plain data (serialise it to JSON or TOML, keep it under change control,
/// record who approved it); every [`AccessRecord`](crate::AccessRecord) names the
/// [`version`](Self::version) it was decided under. Evaluation is pure and deterministic:
/// the same policy, viewer, records and time always give the same answer.
///
/// It decides, for each fact, [`Decision::Full`](crate::Decision::Full),
/// [`Decision::ExistenceOnly`](crate::Decision::ExistenceOnly) or
/// [`Decision::Hidden`](crate::Decision::Hidden), and denies by default: [`Policy::default`]
/// (the same as [`Policy::deny_all`]) shows nobody anything. [`Policy::practice_defaults`]
/// gives the rules that mirror practice; the rules are set out on
/// [`Policy::decide_person`] and [`Policy::decide_involvement`].
///
/// ```
/// use patchwork_core::*;
///
/// let mut policy = Policy::practice_defaults("2026-11 v3");
/// policy.approved_by = Some("Data Protection Officer".into());
/// policy.roles.insert("mash".into(), Permissions { front_door: true, ..Permissions::default() });
/// // Role codes the council's systems use for sensitive services.
/// policy.service_sensitivity.insert("CAMHS".into(), Sensitivity::SensitiveService);
///
/// let json = serde_json::to_string(&policy).unwrap();
/// let back: Policy = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, policy);
/// assert!(back.permissions("mash").front_door);
/// assert!(!back.permissions("unknown role").front_door);
///
/// // A misspelt setting is an error, not a silently ignored line.
/// let typo = r#"{"version": "v4", "adminstrative": true}"#;
/// let err = serde_json::from_str::<Policy>(typo).unwrap_err();
/// assert!(err.to_string().contains("unknown field `adminstrative`"));
/// // Settings left out are denied.
/// let minimal: Policy = serde_json::from_str(r#"{"version": "v4"}"#).unwrap();
/// assert_eq!(minimal, Policy::deny_all("v4"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The version id, recorded on every access record.
    pub version: String,
    /// Who approved this version (the DPO, the Caldicott Guardian).
    #[serde(default)]
    pub approved_by: Option<String>,
    /// When it was approved.
    #[serde(default)]
    pub approved_on: Option<chrono::NaiveDate>,
    /// A professional actively involved with a person sees that person's team
    /// (the legitimate-relationship rule).
    #[serde(default)]
    pub involved_see_team: bool,
    /// Everyone else learns that a person is known to services and how to contact their
    /// lead practitioner, and nothing more.
    #[serde(default)]
    pub others_see_existence: bool,
    /// Administrative (analyst) viewers see everything. When false they see nothing.
    #[serde(default)]
    pub administrative: bool,
    /// Access roles and what each may do; see [`Permissions`].
    #[serde(default)]
    pub roles: BTreeMap<String, Permissions>,
    /// How long a break-glass override lasts, in minutes.
    #[serde(default)]
    pub break_glass_minutes: u32,
    /// Raises the sensitivity of involvements by their source role code (`CAMHS`,
    /// `SHS`...): the council's mapping from service to sensitivity. An involvement is
    /// treated as the more sensitive of its own [`Sensitivity`] and this.
    #[serde(default)]
    pub service_sensitivity: BTreeMap<String, Sensitivity>,
    /// The contact route offered when a child's lead practitioner cannot be shown
    /// (no lead, more than one, or the lead is a service the viewer may not see):
    /// the front door or MASH, for example.
    #[serde(default)]
    pub broker_contact: Option<String>,
}

impl Default for Policy {
    /// [`Policy::deny_all`] with version `deny-all`.
    fn default() -> Self {
        Self::deny_all("deny-all")
    }
}

impl Policy {
    /// A policy that shows nothing to anybody: the base every rule is added to.
    pub fn deny_all(version: impl Into<String>) -> Self {
        Self {
            version: version.into(),
            approved_by: None,
            approved_on: None,
            involved_see_team: false,
            others_see_existence: false,
            administrative: false,
            roles: BTreeMap::new(),
            break_glass_minutes: 0,
            service_sensitivity: BTreeMap::new(),
            broker_contact: None,
        }
    }

    /// Rules that mirror practice:
    ///
    /// * a professional actively involved with a child sees the child's team;
    /// * others see only that the child is known to services and how to contact the lead
    ///   practitioner;
    /// * sensitive-service involvements are seen only by the same agency or with consent,
    ///   restricted involvements only by the same agency;
    /// * shielded persons are hidden from all but roles with
    ///   [`Permissions::read_shielded`];
    /// * administrative reads see everything (and are logged as administrative);
    /// * the role `child_protection` may break glass for 4 hours; `front_door` sees every
    ///   child's team; `shield_broker` sees shielded persons.
    pub fn practice_defaults(version: impl Into<String>) -> Self {
        let mut roles = BTreeMap::new();
        roles.insert(
            "child_protection".to_owned(),
            Permissions {
                break_glass: true,
                ..Permissions::default()
            },
        );
        roles.insert(
            "front_door".to_owned(),
            Permissions {
                front_door: true,
                ..Permissions::default()
            },
        );
        roles.insert(
            "shield_broker".to_owned(),
            Permissions {
                read_shielded: true,
                ..Permissions::default()
            },
        );
        Self {
            involved_see_team: true,
            others_see_existence: true,
            administrative: true,
            roles,
            break_glass_minutes: 240,
            ..Self::deny_all(version)
        }
    }

    /// The permissions of an access role (none for a role the policy does not name).
    pub fn permissions(&self, role: &str) -> Permissions {
        self.roles.get(role).copied().unwrap_or_default()
    }

    /// The sensitivity the policy treats an involvement as having: the more sensitive of
    /// its own and the one [`service_sensitivity`](Self::service_sensitivity) gives its
    /// role code.
    pub fn effective_sensitivity(&self, recorded: Sensitivity, role_code: &str) -> Sensitivity {
        self.service_sensitivity
            .get(role_code)
            .map_or(recorded, |&mapped| mapped.max(recorded))
    }
}
