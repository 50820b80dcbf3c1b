//! Agent identities and trust tiers (docs/agents-and-tokens.md).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::json::{self, JsonError, field};

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
    /// A tier name, as [`FromStr`] reads it.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        field::parsed(d)
    }
}

/// Who is acting: `{id, name, trustTier, tags, orgId}`.
///
/// `name` defaults to the id and `trustTier` to `untrusted`: an identity that says
/// nothing about its trust gets the least.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
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

    /// An agent from its JSON form `{id, name, trustTier, tags, orgId}` (see
    /// [`Agent`]'s `Deserialize`); an error names the member (`trustTier: unknown
    /// trust tier 'root': …`).
    pub fn from_json(value: Value) -> Result<Agent, JsonError> {
        json::read(value)
    }
}

/// What [`Agent`] reads: `id` is required and not empty, other keys are refused,
/// and `null` counts as absent.
#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    rename_all = "camelCase",
    expecting = "an agent object {id, name, trustTier, tags, orgId}"
)]
struct AgentFields {
    #[serde(deserialize_with = "field::non_empty")]
    id: Arc<str>,
    name: Option<Arc<str>>,
    trust_tier: Option<TrustTier>,
    #[serde(default, deserialize_with = "field::or_default")]
    tags: Vec<Arc<str>>,
    org_id: Option<Arc<str>>,
}

impl<'de> Deserialize<'de> for Agent {
    /// `{id, name, trustTier, tags, orgId}`: `name` defaults to the id and
    /// `trustTier` to `untrusted`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = AgentFields::deserialize(d)?;
        Ok(Agent {
            name: f.name.unwrap_or_else(|| f.id.clone()),
            id: f.id,
            trust_tier: f.trust_tier.unwrap_or_default(),
            tags: f.tags,
            org_id: f.org_id,
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

    fn read(text: &str) -> Result<Agent, String> {
        Agent::from_json(serde_json::from_str(text).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn agents_read_with_defaults() {
        let a = read(r#"{"id":"a1"}"#).unwrap();
        assert_eq!(&*a.name, "a1");
        assert_eq!(a.trust_tier, TrustTier::Untrusted);
        assert!(a.tags.is_empty());
        let b =
            read(r#"{"id":"a2","name":"Billing","trustTier":"trusted","tags":["x"],"orgId":"o"}"#)
                .unwrap();
        assert_eq!(&*b.name, "Billing");
        assert_eq!(b.trust_tier, TrustTier::Trusted);
        assert!(b.has_tag("x"));
        assert_eq!(b.org_id.as_deref(), Some("o"));
        let c = read(r#"{"id":"a3","name":null,"trustTier":null,"tags":null}"#).unwrap();
        assert_eq!(c, Agent::new("a3"));
    }

    #[test]
    fn agents_survive_a_round_trip_through_json() {
        let a = Agent::new("a")
            .with_name("A")
            .with_tier(TrustTier::Verified)
            .with_tags(["x", "y"])
            .with_org("o");
        assert_eq!(Agent::from_json(serde_json::to_value(&a).unwrap()), Ok(a));
    }

    #[test]
    fn bad_agents_are_refused_with_the_member_named() {
        for (bad, message) in [
            (
                r#"{"id":""}"#,
                r#"id: expected a non-empty string, found """#,
            ),
            (r#"{"id":5}"#, "id: expected a string, found 5"),
            (r#"{"name":"x"}"#, "missing key 'id'"),
            (
                r#"{"id":"a","trustTier":"root"}"#,
                "trustTier: unknown trust tier 'root': expected one of untrusted, basic, verified, trusted, privileged",
            ),
            (r#"{"id":"a","tier":"basic"}"#, "unknown key 'tier'"),
            (
                r#"{"id":"a","trust_tier":"basic"}"#,
                "unknown key 'trust_tier'; did you mean 'trustTier'?",
            ),
            (
                r#"{"id":"a","tags":"x"}"#,
                r#"tags: expected an array, found "x""#,
            ),
            (r#"{"id":"a","name":7}"#, "name: expected a string, found 7"),
            (
                "[]",
                "expected an agent object {id, name, trustTier, tags, orgId}, found an array",
            ),
        ] {
            assert_eq!(read(bad).unwrap_err(), message, "{bad}");
        }
    }
}
