//! Agent identities and trust tiers (POLICY.md §4).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How far an agent is trusted, lowest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrustTier {
    /// Also spelt `unverified` or `anonymous`.
    #[default]
    Untrusted,
    Basic,
    Verified,
    Trusted,
    Privileged,
}

impl TrustTier {
    /// Every tier, lowest first.
    pub const ALL: [TrustTier; 5] = [
        TrustTier::Untrusted,
        TrustTier::Basic,
        TrustTier::Verified,
        TrustTier::Trusted,
        TrustTier::Privileged,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustTier::Untrusted => "untrusted",
            TrustTier::Basic => "basic",
            TrustTier::Verified => "verified",
            TrustTier::Trusted => "trusted",
            TrustTier::Privileged => "privileged",
        }
    }
}

/// An unknown tier name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTier(pub String);

impl fmt::Display for UnknownTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown trust tier '{}': expected one of untrusted, basic, verified, trusted, privileged",
            self.0
        )
    }
}

impl std::error::Error for UnknownTier {}

impl FromStr for TrustTier {
    type Err = UnknownTier;

    /// Case-insensitive; accepts the aliases `unverified` and `anonymous`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "untrusted" | "unverified" | "anonymous" => TrustTier::Untrusted,
            "basic" => TrustTier::Basic,
            "verified" => TrustTier::Verified,
            "trusted" => TrustTier::Trusted,
            "privileged" => TrustTier::Privileged,
            _ => return Err(UnknownTier(s.to_owned())),
        })
    }
}

impl fmt::Display for TrustTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TrustTier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TrustTier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Who is acting: `{id, name, trustTier, tags, orgId}`.
///
/// `name` defaults to the id and `trustTier` to `untrusted`: an identity that says
/// nothing about its trust gets the least.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    try_from = "AgentFields"
)]
pub struct Agent {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub trust_tier: TrustTier,
    pub tags: Vec<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<Arc<str>>,
}

impl Agent {
    /// An agent with the given id (also its name), untrusted and untagged.
    pub fn new(id: &str) -> Agent {
        Agent {
            id: Arc::from(id),
            name: Arc::from(id),
            trust_tier: TrustTier::Untrusted,
            tags: Vec::new(),
            org_id: None,
        }
    }

    /// Sets the display name (the one handoff actions use).
    pub fn with_name(mut self, name: &str) -> Agent {
        self.name = Arc::from(name);
        self
    }

    /// Sets the trust tier.
    pub fn with_tier(mut self, tier: TrustTier) -> Agent {
        self.trust_tier = tier;
        self
    }

    /// Sets the tags.
    pub fn with_tags<'a>(mut self, tags: impl IntoIterator<Item = &'a str>) -> Agent {
        self.tags = tags.into_iter().map(Arc::from).collect();
        self
    }

    /// Sets the organisation.
    pub fn with_org(mut self, org: &str) -> Agent {
        self.org_id = Some(Arc::from(org));
        self
    }

    /// Whether the agent carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| &**t == tag)
    }
}

/// The wire form of an agent, checked before it becomes an [`Agent`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AgentFields {
    id: String,
    name: Option<String>,
    trust_tier: Option<TrustTier>,
    #[serde(default)]
    tags: Vec<String>,
    org_id: Option<String>,
}

impl TryFrom<AgentFields> for Agent {
    type Error = String;

    fn try_from(f: AgentFields) -> Result<Agent, String> {
        if f.id.is_empty() {
            return Err("agent id may not be empty".into());
        }
        Ok(Agent {
            name: Arc::from(f.name.as_deref().unwrap_or(&f.id)),
            id: Arc::from(f.id),
            trust_tier: f.trust_tier.unwrap_or_default(),
            tags: f.tags.into_iter().map(Arc::from).collect(),
            org_id: f.org_id.map(Arc::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_ordered_and_aliases_resolve() {
        assert!(TrustTier::Untrusted < TrustTier::Basic);
        assert!(TrustTier::Trusted < TrustTier::Privileged);
        assert_eq!("anonymous".parse(), Ok(TrustTier::Untrusted));
        assert_eq!("Unverified".parse(), Ok(TrustTier::Untrusted));
        assert_eq!("VERIFIED".parse(), Ok(TrustTier::Verified));
        assert!(
            "superuser"
                .parse::<TrustTier>()
                .unwrap_err()
                .to_string()
                .contains("superuser")
        );
    }

    #[test]
    fn agents_deserialize_with_defaults() {
        let a: Agent = serde_json::from_str(r#"{"id":"a1"}"#).unwrap();
        assert_eq!(&*a.name, "a1");
        assert_eq!(a.trust_tier, TrustTier::Untrusted);
        let b: Agent = serde_json::from_str(
            r#"{"id":"a2","name":"Billing","trustTier":"trusted","tags":["x"],"orgId":"o"}"#,
        )
        .unwrap();
        assert!(b.has_tag("x"));
        assert_eq!(b.org_id.as_deref(), Some("o"));
    }

    #[test]
    fn bad_agents_are_refused() {
        for bad in [
            r#"{"id":""}"#,
            r#"{"name":"x"}"#,
            r#"{"id":"a","trustTier":"root"}"#,
            r#"{"id":"a","tier":"basic"}"#,
            r#"{"id":5}"#,
        ] {
            assert!(serde_json::from_str::<Agent>(bad).is_err(), "{bad}");
        }
    }
}
