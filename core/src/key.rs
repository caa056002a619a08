//! Stable external keys.
//!
//! Every entity is known by the key its source system gave it: the system's name plus the
//! id in that system (for example `lcs` + `1001`, written `lcs:1001`). Keys are what
//! callers use to look things up; the network's internal indices never leave this crate.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The source system plus the id that system gave an entity, held as one shared string
/// `system:id`.
///
/// Cloning is cheap (a reference count), and the network stores each key once: records
/// that refer to a person share the person's own key. A system name is a short label such
/// as `lcs`; any `:` in it is replaced by `_` so that a key always splits at its first `:`.
/// The id may contain anything.
///
/// ```
/// use patchwork_core::ExternalKey;
///
/// let key = ExternalKey::new("lcs", "C:1001");
/// assert_eq!((key.system(), key.id()), ("lcs", "C:1001"));
/// assert_eq!(key.to_string(), "lcs:C:1001");
/// assert_eq!("lcs:C:1001".parse::<ExternalKey>().unwrap(), key);
/// ```
#[derive(Clone, Eq, PartialOrd, Ord)]
pub struct ExternalKey(Arc<str>);

impl std::hash::Hash for ExternalKey {
    /// Hashes the text, consistently with [`PartialEq`] (equal text, equal hash).
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for ExternalKey {
    /// Keys are equal when their text is; two handles on the same shared text (the common
    /// case inside a network, which shares keys between records) compare without reading it.
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl ExternalKey {
    /// Builds a key from a system name and an id.
    pub fn new(system: impl AsRef<str>, id: impl AsRef<str>) -> Self {
        let (system, id) = (system.as_ref(), id.as_ref());
        let len = system.len() + 1 + id.len();
        // Importers make millions of keys: compose short ones on the stack so that the
        // shared text is the only allocation.
        let mut stack = [0u8; 128];
        let mut heap = Vec::new();
        let buf: &mut [u8] = if len <= stack.len() {
            &mut stack[..len]
        } else {
            heap.resize(len, 0);
            &mut heap
        };
        buf[..system.len()].copy_from_slice(system.as_bytes());
        // ':' is ASCII, so replacing it byte for byte keeps the text valid UTF-8.
        for b in &mut buf[..system.len()] {
            if *b == b':' {
                *b = b'_';
            }
        }
        buf[system.len()] = b':';
        buf[system.len() + 1..].copy_from_slice(id.as_bytes());
        let text = std::str::from_utf8(buf).unwrap_or_default();
        Self(Arc::from(text))
    }

    /// The source system's name.
    pub fn system(&self) -> &str {
        self.split().0
    }

    /// The id inside the source system.
    pub fn id(&self) -> &str {
        self.split().1
    }

    /// The key as `system:id`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn split(&self) -> (&str, &str) {
        // Construction guarantees a ':' after the system name.
        self.0.split_once(':').unwrap_or(("", &self.0))
    }
}

impl fmt::Display for ExternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ExternalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

/// The text given to [`ExternalKey`]'s `FromStr` has no `:` between system and id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a key is written system:id, and this one has no ':'")]
pub struct KeySyntaxError;

impl std::str::FromStr for ExternalKey {
    type Err = KeySyntaxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (system, id) = s.split_once(':').ok_or(KeySyntaxError)?;
        Ok(Self::new(system, id))
    }
}

impl Serialize for ExternalKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ExternalKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
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
            pub fn new(system: impl AsRef<str>, id: impl AsRef<str>) -> Self {
                Self(ExternalKey::new(system, id))
            }

            /// The source system's name.
            pub fn system(&self) -> &str {
                self.0.system()
            }

            /// The id inside the source system.
            pub fn id(&self) -> &str {
                self.0.id()
            }

            /// The key as `system:id`.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = KeySyntaxError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
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
typed_key!(
    /// Key of an [`Activity`](crate::Activity).
    ActivityKey
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

    #[test]
    fn colon_in_system_cannot_shift_the_split() {
        let k = ExternalKey::new("a:b", "c");
        assert_eq!((k.system(), k.id()), ("a_b", "c"));
        let empty = ExternalKey::new("", "");
        assert_eq!((empty.system(), empty.id()), ("", ""));
    }

    #[test]
    fn keys_serialize_as_strings() {
        let k = PersonKey::new("lcs", "42");
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"lcs:42\"");
        assert_eq!(serde_json::from_str::<PersonKey>("\"lcs:42\"").unwrap(), k);
        assert!(serde_json::from_str::<PersonKey>("\"no-colon\"").is_err());
    }
}
