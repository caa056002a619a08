//! One definition of every network table's columns and of how a record fills them, shared
//! by the whole-network save and the incremental one.

use patchwork_core::{
    Activity, Agency, EndReason, Episode, EpisodeDetail, Household, HouseholdKey, IdentityLink,
    InvolvementRef, OtherIdentifier, Period, Person, PersonKey, Professional, Relationship, Team,
};

use super::codes::Code;
use super::save::{Binder, Origins, date, period, source};

/// The row's columns, in the order the binder fills them.
pub(super) const AGENCIES: &[&str] = &[
    "key",
    "name",
    "kind",
    "ods_code",
    "school_urn",
    "origin_id",
    "source_row",
];

pub(super) fn agency(b: &mut Binder<'_, '_>, o: &Origins, a: &Agency) -> rusqlite::Result<()> {
    b.put(a.key.as_str())?
        .put(&a.name)?
        .put(a.kind.name())?
        .put(&a.ods_code)?
        .put(&a.school_urn)?;
    source(b, o, &a.source)
}

pub(super) const TEAMS: &[&str] = &[
    "key",
    "name",
    "agency_key",
    "parent_team_key",
    "origin_id",
    "source_row",
];

pub(super) fn team(b: &mut Binder<'_, '_>, o: &Origins, t: &Team) -> rusqlite::Result<()> {
    b.put(t.key.as_str())?
        .put(&t.name)?
        .put(t.agency.as_ref().map(|k| k.as_str()))?
        .put(t.parent.as_ref().map(|k| k.as_str()))?;
    source(b, o, &t.source)
}

pub(super) const PROFESSIONALS: &[&str] = &[
    "key",
    "name",
    "job_title",
    "staff_id",
    "registration_number",
    "agency_key",
    "team_key",
    "email",
    "phone",
    "start_date",
    "end_date",
    "origin_id",
    "source_row",
];

pub(super) fn professional(
    b: &mut Binder<'_, '_>,
    o: &Origins,
    p: &Professional,
) -> rusqlite::Result<()> {
    b.put(p.key.as_str())?
        .put(&p.name)?
        .put(&p.job_title)?
        .put(&p.staff_id)?
        .put(&p.registration_number)?
        .put(p.agency.as_ref().map(|k| k.as_str()))?
        .put(p.team.as_ref().map(|k| k.as_str()))?
        .put(&p.email)?
        .put(&p.phone)?;
    period(b, p.active)?;
    source(b, o, &p.source)
}

pub(super) const PERSONS: &[&str] = &[
    "key",
    "kind",
    "nhs_number",
    "upn",
    "former_upn",
    "given_name",
    "family_name",
    "birth_date",
    "expected_birth_date",
    "sex",
    "ethnicity",
    "death_date",
    "postcode",
    "origin_id",
    "source_row",
    "looked_after",
    "disabilities",
    "upn_unknown",
    "shielded",
];

pub(super) fn person(b: &mut Binder<'_, '_>, o: &Origins, p: &Person) -> rusqlite::Result<()> {
    b.put(p.key.as_str())?
        .put(p.kind.name())?
        .put(p.nhs_number.map(|n| n.to_string()))?
        .put(p.upn.as_ref().map(|u| u.as_str()))?
        .put(p.former_upn.as_ref().map(|u| u.as_str()))?
        .put(&p.given_name)?
        .put(&p.family_name)?
        .put(date(p.birth_date))?
        .put(date(p.expected_birth_date))?
        .put(p.sex.map(Code::name))?
        .put(&p.ethnicity)?
        .put(date(p.death_date))?
        .put(&p.postcode)?;
    source(b, o, &p.source)?;
    b.put(json(p.looked_after.as_deref())?)?;
    b.put(json(Some(&p.disabilities).filter(|d| !d.is_empty()))?)?
        .put(&p.upn_unknown)?
        .put(p.shielded)?;
    Ok(())
}

/// A value as JSON text, `NULL` for `None`.
fn json<T: serde::Serialize>(value: Option<&T>) -> rusqlite::Result<Option<String>> {
    value
        .map(|v| {
            serde_json::to_string(v)
                .map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))
        })
        .transpose()
}

pub(super) const PERSON_IDENTIFIERS: &[&str] = &["person_key", "kind", "value"];

pub(super) fn person_identifier(
    b: &mut Binder<'_, '_>,
    (person, i): &(&PersonKey, &OtherIdentifier),
) -> rusqlite::Result<()> {
    b.put(person.as_str())?.put(&i.kind)?.put(&i.value)?;
    Ok(())
}

pub(super) const HOUSEHOLDS: &[&str] = &["key", "name", "origin_id", "source_row"];

pub(super) fn household(
    b: &mut Binder<'_, '_>,
    o: &Origins,
    h: &Household,
) -> rusqlite::Result<()> {
    b.put(h.key.as_str())?.put(&h.name)?;
    source(b, o, &h.source)
}

pub(super) const HOUSEHOLD_MEMBERS: &[&str] =
    &["household_key", "person_key", "start_date", "end_date"];

/// One membership: the household, the member and when.
pub(super) type Member<'n> = (&'n HouseholdKey, &'n PersonKey, Period);

pub(super) fn household_member(
    b: &mut Binder<'_, '_>,
    (h, p, when): &Member<'_>,
) -> rusqlite::Result<()> {
    b.put(h.as_str())?.put(p.as_str())?;
    period(b, *when)
}

pub(super) const RELATIONSHIPS: &[&str] = &[
    "key",
    "from_person_key",
    "to_person_key",
    "kind",
    "parental_responsibility",
    "start_date",
    "end_date",
    "origin_id",
    "source_row",
];

pub(super) fn relationship(
    b: &mut Binder<'_, '_>,
    o: &Origins,
    r: &Relationship,
) -> rusqlite::Result<()> {
    b.put(r.key.as_str())?
        .put(r.from.as_str())?
        .put(r.to.as_str())?
        .put(r.kind.name())?
        .put(r.parental_responsibility)?;
    period(b, r.period)?;
    source(b, o, &r.source)
}

pub(super) const EPISODES: &[&str] = &[
    "key",
    "person_key",
    "kind",
    "start_date",
    "end_date",
    "reason",
    "referral_source",
    "primary_need",
    "closure_reason",
    "outcome",
    "category_of_abuse",
    "legal_status",
    "placement",
    "origin_id",
    "source_row",
    "detail",
];

pub(super) fn episode(b: &mut Binder<'_, '_>, o: &Origins, e: &Episode) -> rusqlite::Result<()> {
    b.put(e.key.as_str())?
        .put(e.person.as_str())?
        .put(e.kind().name())?;
    period(b, e.period)?;
    // reason, referral_source, primary_need, closure_reason, outcome,
    // category_of_abuse, legal_status, placement
    let mut detail: [Option<&str>; 8] = [None; 8];
    match &e.detail {
        EpisodeDetail::EarlyHelp { reason } => detail[0] = reason.as_deref(),
        EpisodeDetail::ChildInNeed {
            referral_source,
            primary_need,
            closure_reason,
            ..
        } => {
            detail[1] = referral_source.as_deref();
            detail[2] = primary_need.as_deref();
            detail[3] = closure_reason.as_deref();
        }
        EpisodeDetail::Section47 { outcome, .. } => detail[4] = outcome.as_deref(),
        EpisodeDetail::ChildProtectionPlan {
            category_of_abuse, ..
        } => {
            detail[5] = category_of_abuse.map(Code::name);
        }
        EpisodeDetail::LookedAfter {
            legal_status,
            placement,
            ..
        } => {
            detail[6] = legal_status.as_deref();
            detail[7] = placement.as_deref();
        }
    }
    for d in detail {
        b.put(d)?;
    }
    source(b, o, &e.source)?;
    b.put(json(Some(&e.detail))?)?;
    Ok(())
}

pub(super) const ACTIVITIES: &[&str] = &[
    "key",
    "person_key",
    "professional_key",
    "team_key",
    "kind",
    "start_date",
    "end_date",
    "origin_id",
    "source_row",
];

pub(super) fn activity(b: &mut Binder<'_, '_>, o: &Origins, a: &Activity) -> rusqlite::Result<()> {
    b.put(a.key.as_str())?
        .put(a.person.as_str())?
        .put(a.professional.as_ref().map(|k| k.as_str()))?
        .put(a.team.as_ref().map(|k| k.as_str()))?
        .put(a.kind.name())?;
    period(b, a.period)?;
    source(b, o, &a.source)
}

pub(super) const INVOLVEMENTS: &[&str] = &[
    "key",
    "person_key",
    "professional_key",
    "team_key",
    "role_code",
    "role_category",
    "start_date",
    "end_date",
    "end_reason_code",
    "end_reason_text",
    "sensitivity",
    "origin_id",
    "source_row",
];

pub(super) fn involvement(
    b: &mut Binder<'_, '_>,
    o: &Origins,
    i: &InvolvementRef<'_>,
) -> rusqlite::Result<()> {
    let (code, text) = match i.end_reason() {
        None => (None, None),
        Some(EndReason::Dfe(r)) => (Some(r.name()), None),
        Some(EndReason::Source(t)) => (None, Some(t.as_str())),
    };
    b.put(i.key().as_str())?
        .put(i.person().key.as_str())?
        .put(i.professional().map(|p| p.key.as_str()))?
        .put(i.team().map(|t| t.key.as_str()))?
        .put(i.role_code())?
        .put(i.role().name())?;
    period(b, i.period())?;
    b.put(code)?.put(text)?.put(i.sensitivity().name())?;
    source(b, o, i.source())
}

pub(super) const IDENTITY_LINKS: &[&str] = &[
    "person_key",
    "record_key",
    "matched_on",
    "origin_id",
    "source_row",
];

pub(super) fn identity_link(
    b: &mut Binder<'_, '_>,
    o: &Origins,
    l: &IdentityLink,
) -> rusqlite::Result<()> {
    b.put(l.person.as_str())?
        .put(l.record.as_str())?
        .put(l.matched_on.name())?;
    source(b, o, &l.source)
}
