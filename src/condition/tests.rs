use serde_json::json;

use super::spec::{Op, Scalar};
use super::*;
use crate::pattern::Pattern;

/// Hears nothing.
struct Quiet;

impl Observe for Quiet {}

fn path(s: &str) -> FieldPath {
    FieldPath::parse(s).unwrap()
}

fn field(p: &str, ops: Vec<Op>) -> Condition {
    Condition::Field {
        key: FieldKey::Context,
        path: path(p),
        ops,
    }
}

fn eval_with(
    c: &Condition,
    ctx: &serde_json::Value,
    resource: Option<&str>,
    agent: &Agent,
    now: &str,
    zone: &Zone,
) -> Truth {
    let env = Env {
        agent,
        facts: ctx,
        resource,
        now: Timestamp::parse_rfc3339(now).unwrap(),
        any_context: false,
    };
    c.eval(&env, zone, &mut Quiet).unwrap()
}

fn eval(c: &Condition, ctx: serde_json::Value) -> Truth {
    eval_with(
        c,
        &ctx,
        None,
        &Agent::new("a"),
        "2026-11-26T12:00:00Z",
        &Zone::default(),
    )
}

fn s(v: &str) -> Scalar {
    Scalar::Str(v.into())
}

#[test]
fn three_valued_and_lets_false_win_over_unknown() {
    use Truth::*;
    assert_eq!(Unknown.and(False), False);
    assert_eq!(False.and(Unknown), False);
    assert_eq!(True.and(Unknown), Unknown);
    assert_eq!(True.and(True), True);
    assert_eq!(Unknown.negate(), Unknown);
}

#[test]
fn a_missing_null_or_mistyped_field_is_unknown() {
    let c = field("amount", vec![Op::Lte(100.0)]);
    assert_eq!(eval(&c, json!({"amount": 100})), Truth::True);
    assert_eq!(eval(&c, json!({"amount": 100.5})), Truth::False);
    for ctx in [
        json!({}),
        json!({"amount": null}),
        json!({"amount": "50"}),
        json!({"amount": [50]}),
        json!({"amount": {"v": 1}}),
    ] {
        assert_eq!(eval(&c, ctx.clone()), Truth::Unknown, "{ctx}");
    }
}

#[test]
fn equality_compares_only_values_of_the_same_type() {
    let c = field("tier", vec![Op::Equals(s("gold"))]);
    assert_eq!(eval(&c, json!({"tier": "gold"})), Truth::True);
    assert_eq!(eval(&c, json!({"tier": "silver"})), Truth::False);
    assert_eq!(eval(&c, json!({"tier": 1})), Truth::Unknown);
    let ne = field("tier", vec![Op::NotEquals(s("gold"))]);
    assert_eq!(eval(&ne, json!({"tier": "silver"})), Truth::True);
    assert_eq!(
        eval(&ne, json!({})),
        Truth::Unknown,
        "not_equals never grants on a missing field"
    );
    let n = field("n", vec![Op::Equals(Scalar::Number(1.0))]);
    assert_eq!(eval(&n, json!({"n": 1.0})), Truth::True);
    let b = field("b", vec![Op::Equals(Scalar::Bool(true))]);
    assert_eq!(eval(&b, json!({"b": "true"})), Truth::Unknown);
}

#[test]
fn membership_is_unknown_when_no_listed_value_has_the_fields_type() {
    let c = field("channel", vec![Op::In(vec![s("web"), s("email")])]);
    assert_eq!(eval(&c, json!({"channel": "web"})), Truth::True);
    assert_eq!(eval(&c, json!({"channel": "phone"})), Truth::False);
    assert_eq!(eval(&c, json!({"channel": 5})), Truth::Unknown);
    let not_in = field("channel", vec![Op::NotIn(vec![s("web")])]);
    assert_eq!(eval(&not_in, json!({"channel": "phone"})), Truth::True);
    assert_eq!(eval(&not_in, json!({"channel": 5})), Truth::Unknown);
    let mixed = field("v", vec![Op::In(vec![s("a"), Scalar::Number(2.0)])]);
    assert_eq!(eval(&mixed, json!({"v": 2})), Truth::True);
    assert_eq!(eval(&mixed, json!({"v": 3})), Truth::False);
}

#[test]
fn string_operators_need_strings() {
    let m = field(
        "email",
        vec![Op::Matches(vec![Pattern::new("*@example.com").unwrap()])],
    );
    assert_eq!(eval(&m, json!({"email": "a@example.com"})), Truth::True);
    assert_eq!(eval(&m, json!({"email": 5})), Truth::Unknown);
    let nm = field(
        "email",
        vec![Op::NotMatches(vec![Pattern::new("*@evil.com").unwrap()])],
    );
    assert_eq!(eval(&nm, json!({"email": "a@evil.com"})), Truth::False);
    let sw = field(
        "path",
        vec![Op::StartsWith(vec!["/tmp/".into(), "./".into()])],
    );
    assert_eq!(eval(&sw, json!({"path": "./x"})), Truth::True);
    assert_eq!(eval(&sw, json!({"path": "/etc"})), Truth::False);
}

#[test]
fn contains_works_on_strings_and_lists() {
    let c = field("v", vec![Op::Contains(vec![s("vip")])]);
    assert_eq!(eval(&c, json!({"v": "a vip customer"})), Truth::True);
    assert_eq!(eval(&c, json!({"v": ["gold", "vip"]})), Truth::True);
    assert_eq!(eval(&c, json!({"v": ["gold"]})), Truth::False);
    assert_eq!(eval(&c, json!({"v": []})), Truth::False);
    assert_eq!(eval(&c, json!({"v": [1, 2]})), Truth::Unknown);
    assert_eq!(eval(&c, json!({"v": 3})), Truth::Unknown);
}

#[test]
fn exists_is_never_unknown_and_treats_null_as_absent() {
    let yes = field("draft", vec![Op::Exists(true)]);
    let no = field("draft", vec![Op::Exists(false)]);
    assert_eq!(eval(&yes, json!({"draft": false})), Truth::True);
    assert_eq!(eval(&yes, json!({"draft": null})), Truth::False);
    assert_eq!(eval(&no, json!({})), Truth::True);
    assert_eq!(eval(&no, json!({"draft": 0})), Truth::False);
}

#[test]
fn all_operators_of_a_spec_must_hold() {
    let c = field("percent", vec![Op::Gt(0.0), Op::Lte(20.0)]);
    assert_eq!(eval(&c, json!({"percent": 20})), Truth::True);
    assert_eq!(eval(&c, json!({"percent": 0})), Truth::False);
    assert_eq!(eval(&c, json!({"percent": 21})), Truth::False);
    let lt = field("n", vec![Op::Lt(1.0), Op::Gte(0.5)]);
    assert_eq!(eval(&lt, json!({"n": 0.5})), Truth::True);
    assert_eq!(eval(&lt, json!({"n": 1})), Truth::False);
}

#[test]
fn nested_paths_follow_objects() {
    let c = field("customer.tier", vec![Op::Equals(s("gold"))]);
    assert_eq!(eval(&c, json!({"customer": {"tier": "gold"}})), Truth::True);
    assert_eq!(eval(&c, json!({"customer": "gold"})), Truth::Unknown);
}

#[test]
fn a_missing_resource_is_unknown() {
    let c = Condition::Resource(vec![Op::StartsWith(vec!["./workspace/".into()])]);
    let agent = Agent::new("a");
    let at = |r| {
        eval_with(
            &c,
            &json!({}),
            r,
            &agent,
            "2026-11-26T12:00:00Z",
            &Zone::default(),
        )
    };
    assert_eq!(at(Some("./workspace/a")), Truth::True);
    assert_eq!(at(Some("/etc/passwd")), Truth::False);
    assert_eq!(at(None), Truth::Unknown);
}

#[test]
fn agent_conditions_are_never_unknown() {
    let agent = Agent::new("a")
        .with_tier(TrustTier::Trusted)
        .with_tags(["ops"]);
    let untagged = Agent::new("b");
    let at = |c: &Condition, a: &Agent| {
        eval_with(
            c,
            &json!({}),
            None,
            a,
            "2026-11-26T12:00:00Z",
            &Zone::default(),
        )
    };
    let tags = Condition::Tags(vec!["ops".into(), "sre".into()]);
    assert_eq!(at(&tags, &agent), Truth::True);
    assert_eq!(at(&tags, &untagged), Truth::False);
    let tier = Condition::MinTrustTier(TrustTier::Verified);
    assert_eq!(at(&tier, &agent), Truth::True);
    assert_eq!(at(&tier, &untagged), Truth::False);
}

#[test]
fn time_windows_and_days_use_the_policy_zone() {
    let agent = Agent::new("a");
    let berlin = Zone::Fixed(chrono::FixedOffset::east_opt(3600).unwrap());
    let window = Condition::TimeRange(TimeRange::parse("09:00-18:00").unwrap());
    let at = |c: &Condition, now: &str, z: &Zone| eval_with(c, &json!({}), None, &agent, now, z);
    assert_eq!(
        at(&window, "2026-11-26T08:30:00Z", &Zone::default()),
        Truth::False
    );
    assert_eq!(
        at(&window, "2026-11-26T08:30:00Z", &berlin),
        Truth::True,
        "08:30 UTC is 09:30 at +01:00"
    );
    assert_eq!(
        at(&window, "2026-11-26T17:00:00Z", &berlin),
        Truth::False,
        "the end is exclusive"
    );
    let weekend = Condition::Days(DaySet::parse_item("sat-sun").unwrap());
    assert_eq!(
        at(&weekend, "2026-11-28T23:30:00Z", &Zone::default()),
        Truth::True,
        "Saturday in UTC"
    );
    assert_eq!(
        at(&weekend, "2026-11-29T23:30:00Z", &berlin),
        Truth::False,
        "already Monday at +01:00"
    );
}

#[cfg(feature = "bundled-tz")]
#[test]
fn named_zones_follow_daylight_saving() {
    let agent = Agent::new("a");
    let ny = Zone::parse("America/New_York", &crate::zone::BundledZones).unwrap();
    let window = Condition::TimeRange(TimeRange::parse("09:00-17:00").unwrap());
    let at = |now: &str| eval_with(&window, &json!({}), None, &agent, now, &ny);
    assert_eq!(at("2026-11-25T14:00:00Z"), Truth::True, "09:00 EST");
    assert_eq!(at("2026-11-25T13:59:00Z"), Truth::False);
    assert_eq!(at("2026-07-15T13:00:00Z"), Truth::True, "09:00 EDT");
    // 2026-03-08 02:00 EST jumps to 03:00 EDT: 07:30 UTC is 03:30 EDT, outside.
    assert_eq!(at("2026-03-08T07:30:00Z"), Truth::False);
}

#[test]
fn keys_and_subjects_name_the_condition_and_its_input() {
    let amount = Condition::Field {
        key: FieldKey::AmountMin,
        path: path("amount"),
        ops: vec![Op::Gte(1.0)],
    };
    assert_eq!(
        (amount.key(), amount.subject()),
        ("amount_min".into(), "context.amount".into())
    );
    let ctx = field("customer.tier", vec![]);
    assert_eq!(ctx.key(), "context.customer.tier");
    assert_eq!(Condition::Resource(vec![]).subject(), "resource");
}
