//! Break glass: a permitted role overriding the policy for one child, for a while.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{PersonKey, Policy, ProfessionalKey, Viewer};

/// The ground for an override (the NHS sealed-envelope categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideGround {
    /// The person consented.
    Consent,
    /// A legal obligation requires it.
    LegalObligation,
    /// Safeguarding: a substantial public interest (risk of significant harm).
    Safeguarding,
}

/// An override in force: one professional, one child, until a time.
///
/// Made by [`Policy::break_glass`]; the store keeps it and passes it back in
/// [`Grants::overrides`](crate::Grants::overrides). It changes only what this
/// professional sees of this child, never what anyone else sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BreakGlass {
    /// Who overrode.
    pub professional: ProfessionalKey,
    /// Their access role when they did.
    pub role: String,
    /// The one child it covers.
    pub child: PersonKey,
    /// The ground.
    pub ground: OverrideGround,
    /// The reason in their words.
    pub reason: String,
    /// When it was made.
    pub from: DateTime<Utc>,
    /// When it lapses (exclusive).
    pub until: DateTime<Utc>,
    /// The policy version that allowed it.
    pub policy_version: String,
}

impl BreakGlass {
    /// True when it applies to `viewer` looking at `child` at `at`: same professional,
    /// same child, `from <= at < until`.
    pub fn covers(&self, viewer: &Viewer, child: &PersonKey, at: DateTime<Utc>) -> bool {
        viewer.professional_key() == Some(&self.professional)
            && self.child == *child
            && self.from <= at
            && at < self.until
    }
}

/// Why the host should tell someone now (the Privacy Officer, the allocated worker):
/// carried on [`AccessRecord::alerts`](crate::AccessRecord::alerts) and returned by
/// [`Policy::break_glass`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A break-glass override was made.
    BreakGlassMade,
    /// A read was allowed only by a break-glass override.
    BreakGlassUsed,
    /// A viewer asked for a shielded person and was refused.
    ShieldedRequested,
    /// A viewer from outside a child's network looked them up (CP-IS tells the
    /// responsible council of every such access).
    OutsideNetwork,
}

/// An alert event for the host to route.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Alert {
    /// What happened.
    pub kind: AlertKind,
    /// Who did it.
    pub viewer: Viewer,
    /// The child concerned.
    pub child: PersonKey,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a break-glass override was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakGlassError {
    /// The viewer's role may not break glass under this policy.
    #[error("role {role:?} may not override the policy (policy {version})")]
    NotPermitted {
        /// The viewer's role.
        role: String,
        /// The policy version.
        version: String,
    },
    /// Only a professional can break glass; administrative reads are already governed.
    #[error("an administrative viewer cannot break glass")]
    NotAProfessional,
    /// No reason was given.
    #[error("a break-glass override needs a reason")]
    NoReason,
    /// The policy allows overrides no time at all.
    #[error("policy {version} gives break-glass overrides no duration")]
    NoDuration {
        /// The policy version.
        version: String,
    },
}

impl Policy {
    /// Breaks glass: lets `viewer` see `child` in full, shielded and sensitive services
    /// included, from `at` for [`break_glass_minutes`](Self::break_glass_minutes). Only
    /// roles with [`Permissions::break_glass`](crate::Permissions::break_glass) may, and
    /// only with a reason. Returns the override to store and an alert to raise.
    ///
    /// This does not look at the network, so it tells the viewer nothing about whether the
    /// child exists.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use patchwork_core::*;
    ///
    /// let policy = Policy::practice_defaults("v1");
    /// let w = Professional::new(ProfessionalKey::new("lcs", "EDT1"), Source::system("lcs"));
    /// let at = Utc.with_ymd_and_hms(2026, 11, 27, 2, 30, 0).unwrap();
    /// let child = PersonKey::new("lcs", "C9");
    ///
    /// let edt = Viewer::professional(&w, "child_protection", Purpose::Safeguarding);
    /// let (grant, alert) = policy.break_glass(&edt, &child, OverrideGround::Safeguarding,
    ///     "police protection at 02:10, need the team", at)?;
    /// assert_eq!(grant.until, at + Duration::hours(4));
    /// assert_eq!(alert.kind, AlertKind::BreakGlassMade);
    ///
    /// let teacher = Viewer::professional(&w, "practitioner", Purpose::Safeguarding);
    /// assert!(policy.break_glass(&teacher, &child, OverrideGround::Safeguarding, "worried", at).is_err());
    /// # Ok::<(), BreakGlassError>(())
    /// ```
    pub fn break_glass(
        &self,
        viewer: &Viewer,
        child: &PersonKey,
        ground: OverrideGround,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(BreakGlass, Alert), BreakGlassError> {
        let professional = viewer
            .professional_key()
            .ok_or(BreakGlassError::NotAProfessional)?;
        if !self.permissions(&viewer.role).break_glass {
            return Err(BreakGlassError::NotPermitted {
                role: viewer.role.clone(),
                version: self.version.clone(),
            });
        }
        if reason.trim().is_empty() {
            return Err(BreakGlassError::NoReason);
        }
        if self.break_glass_minutes == 0 {
            return Err(BreakGlassError::NoDuration {
                version: self.version.clone(),
            });
        }
        let grant = BreakGlass {
            professional: professional.clone(),
            role: viewer.role.clone(),
            child: child.clone(),
            ground,
            reason: reason.trim().to_owned(),
            from: at,
            until: at + Duration::minutes(i64::from(self.break_glass_minutes)),
            policy_version: self.version.clone(),
        };
        let alert = Alert {
            kind: AlertKind::BreakGlassMade,
            viewer: viewer.clone(),
            child: child.clone(),
            at,
        };
        Ok((grant, alert))
    }

    /// True when `grant` is in force for `viewer` looking at `child` at `at` under this
    /// policy: it [covers](BreakGlass::covers) them, and the viewer's role may still break
    /// glass (withdrawing a role's permission ends its overrides).
    pub fn override_in_force(
        &self,
        grant: &BreakGlass,
        viewer: &Viewer,
        child: &PersonKey,
        at: DateTime<Utc>,
    ) -> bool {
        grant.covers(viewer, child, at) && self.permissions(&viewer.role).break_glass
    }
}
