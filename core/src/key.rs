//! Stable external keys.
//!
//! Every entity is known by the key its source system gave it: the system's name plus the
//! id in that system (for example `lcs` + `1001`). Keys are what callers use to look
//! things up; the network's internal indices never leave this crate.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The source system plus the id that system gave an entity.
///
/// The system name is shared (`Arc<str>`): a network holds millions of keys from a handful
/// of systems.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalKey {
    /// The source system, such as `lcs`, `mosaic`, `eclipse` or a partner agency's feed.
    pub system: Arc<str>,
    /// The id inside that system.
    pub id: Box<str>,
}

impl ExternalKey {
    /// Builds a key from a system name and an id.
    pub fn new(system: impl Into<Arc<str>>, id: impl Into<Box<str>>) -> Self {
        Self {
            system: system.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for ExternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.id)
    }
}

macro_rules! typed_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub ExternalKey);

        impl $name {
            /// Builds the key from a source system name and the id in that system.
            pub fn new(system: impl Into<Arc<str>>, id: impl Into<Box<str>>) -> Self {
                Self(ExternalKey::new(system, id))
            }

            /// The source system's name.
            pub fn system(&self) -> &str {
                &self.0.system
            }

            /// The id inside the source system.
            pub fn id(&self) -> &str {
                &self.0.id
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_key!(
    /// Key of a [`Person`](crate::Person): the LA person id in a case system, for instance.
    PersonKey
);
typed_key!(
    /// Key of a [`Professional`](crate::Professional).
    ProfessionalKey
);
typed_key!(
    /// Key of an [`Agency`](crate::Agency).
    AgencyKey
);
typed_key!(
    /// Key of a [`Team`](crate::Team).
    TeamKey
);
typed_key!(
    /// Key of an [`Involvement`](crate::Involvement).
    InvolvementKey
);
typed_key!(
    /// Key of a [`Relationship`](crate::Relationship).
    RelationshipKey
);
typed_key!(
    /// Key of a [`Household`](crate::Household) (a family group in the source system).
    HouseholdKey
);
typed_key!(
    /// Key of an [`Episode`](crate::Episode).
    EpisodeKey
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_different_systems_differ() {
        assert_ne!(PersonKey::new("lcs", "1"), PersonKey::new("health", "1"));
        assert_eq!(PersonKey::new("lcs", "1"), PersonKey::new("lcs", "1"));
        assert_eq!(PersonKey::new("lcs", "1").to_string(), "lcs:1");
    }
}
