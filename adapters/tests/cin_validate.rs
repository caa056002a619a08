//! The census validation rules on hand-built children: for each rule a child that passes
//! and one that fails, with the expected failures worked out by hand from the rule text.
//!
//! The collection is 2024-25: the census year runs from 2024-04-01 to 2025-03-31.

use patchwork_adapters::cin::{
    self, AssessmentRecord, ChildRecord, CinDetailsRecord, CollectionYear, CpPlanRecord,
    HeaderRecord, Section47Record, XmlLimits,
};

const YEAR: CollectionYear = CollectionYear::new_const(2025);

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// A child that breaks no rule: born 2015, referred 2024-06-01 by a school (2A), need N1,
/// an assessment 2024-06-03 authorised 2024-07-10 with factors 3B and 4B, a section 47
/// from 2024-06-04 with its conference on 2024-06-20 (target 2024-06-25), and a plan
/// starting on the conference day with a review on 2024-09-20.
fn good() -> ChildRecord {
    ChildRecord {
        position: 1,
        line: 1,
        la_child_id: s("C1"),
        upn: s("V201000100011"),
        birth_date: s("2015-03-27"),
        sex: s("F"),
        ethnicity: s("WBRI"),
        disabilities: vec!["NONE".into()],
        cin_details: vec![CinDetailsRecord {
            referral_date: s("2024-06-01"),
            referral_source: s("2A"),
            primary_need: s("N1"),
            referral_nfa: s("0"),
            assessments: vec![AssessmentRecord {
                start: s("2024-06-03"),
                internal_review: None,
                authorised: s("2024-07-10"),
                factors: vec!["3B".into(), "4B".into()],
            }],
            section47: vec![Section47Record {
                start: s("2024-06-04"),
                icpc_target: s("2024-06-25"),
                icpc_date: s("2024-06-20"),
                icpc_not_required: s("false"),
            }],
            cp_plans: vec![CpPlanRecord {
                start: s("2024-06-20"),
                end: None,
                initial_category: s("NEG"),
                latest_category: s("EMO"),
                previous_plans: s("0"),
                reviews: vec!["2024-09-20".into()],
            }],
            ..CinDetailsRecord::default()
        }],
        ..ChildRecord::default()
    }
}

/// The failures of a child, as (rule, path) pairs.
fn failures(c: &ChildRecord) -> Vec<(&'static str, String)> {
    cin::validate_child(c, YEAR)
        .into_iter()
        .map(|f| {
            assert_eq!(f.child, c.la_child_id);
            (f.rule, f.path)
        })
        .collect()
}

fn rules(c: &ChildRecord) -> Vec<&'static str> {
    failures(c).into_iter().map(|(r, _)| r).collect()
}

fn cin(c: &mut ChildRecord) -> &mut CinDetailsRecord {
    &mut c.cin_details[0]
}

fn a(c: &mut ChildRecord) -> &mut AssessmentRecord {
    &mut c.cin_details[0].assessments[0]
}

fn s47(c: &mut ChildRecord) -> &mut Section47Record {
    &mut c.cin_details[0].section47[0]
}

fn p(c: &mut ChildRecord) -> &mut CpPlanRecord {
    &mut c.cin_details[0].cp_plans[0]
}

const CIN: &str = "/Message/Children/Child[1]/CINdetails[1]";
const IDS: &str = "/Message/Children/Child[1]/ChildIdentifiers[1]";

#[test]
fn the_good_child_passes_every_rule() {
    assert_eq!(failures(&good()), vec![]);
}

#[test]
fn identity_rules() {
    let mut c = good();
    c.la_child_id = None;
    assert_eq!(failures(&c), vec![("8500", format!("{IDS}/LAchildID"))]);

    // 21 characters, and an underscore: 1570 and 1580 (from 2024-25 only).
    let mut c = good();
    c.la_child_id = s("ABCDEFGHIJKLMNOPQRS_U");
    assert_eq!(rules(&c), vec!["1570", "1580"]);
    // Before 2024-25 neither rule applies (the child is then checked for GenderCurrent,
    // which it does not have: 4180; and its 2024 dates are after that year's end).
    let old: Vec<&str> = cin::validate_child(&c, CollectionYear::new(2024))
        .iter()
        .map(|f| f.rule)
        .collect();
    assert!(old.contains(&"4180"));
    assert!(!old.contains(&"1570") && !old.contains(&"1580"));
    let mut c = good();
    c.la_child_id = s("ABCDEFGHIJKLMNOPQRST");
    assert_eq!(rules(&c), Vec::<&str>::new());

    // V201000100011 is a valid UPN: the weighted sum of characters 2-13 (weights 2-13) is
    // 2*2 + 1*4 + 1*8 + 1*12 + 1*13 = 41, 41 mod 23 = 18, and letter 18 of
    // ABCDEFGHJKLMNPQRTUVWXYZ is V. Another check letter breaks 1510; a letter among the
    // digits, or a 14th character, breaks 1540.
    let mut c = good();
    c.upn = s("B201000100011");
    assert_eq!(failures(&c), vec![("1510", format!("{IDS}/UPN"))]);
    c.upn = s("V2010001000X1");
    assert_eq!(rules(&c), vec!["1540"]);
    c.upn = s("V2010001000111");
    assert_eq!(rules(&c), vec!["1540"]);

    let mut c = good();
    c.former_upn = s("X98765432123B");
    assert_eq!(rules(&c), vec!["1560Q"]);

    // Both dates of birth, or neither: 8525Q.
    let mut c = good();
    c.expected_birth_date = s("2015-04-01");
    assert_eq!(rules(&c), vec!["8525Q"]);
    c.birth_date = None;
    c.expected_birth_date = None;
    assert_eq!(rules(&c), vec!["8525Q"]);

    // Born after the reference date 2025-03-31: 8520; born on it: fine.
    let mut c = good();
    c.birth_date = s("2025-04-01");
    assert!(rules(&c).contains(&"8520"));
    c.birth_date = s("2025-03-31");
    assert!(!rules(&c).contains(&"8520"));
}

#[test]
fn sex_and_gender_rules() {
    let mut c = good();
    c.sex = s("1");
    assert_eq!(failures(&c), vec![("4180", format!("{IDS}/Sex"))]);
    c.sex = None;
    assert_eq!(rules(&c), vec!["4180"]);
    // Unborn (expected date only) must be U.
    let mut c = good();
    c.birth_date = None;
    c.expected_birth_date = s("2025-05-01");
    assert_eq!(rules(&c), vec!["8750"]);
    c.sex = s("U");
    assert_eq!(rules(&c), Vec::<&str>::new());
    // 2023-24: GenderCurrent 0/1/2/9, and 0 for the unborn.
    let old = CollectionYear::new(2024);
    let mut c = good();
    c.sex = None;
    c.gender_current = s("2");
    assert!(
        cin::validate_child(&c, old)
            .iter()
            .all(|f| f.rule != "4180")
    );
    c.gender_current = s("M");
    assert!(
        cin::validate_child(&c, old)
            .iter()
            .any(|f| f.rule == "4180")
    );
}

#[test]
fn characteristic_rules() {
    let mut c = good();
    c.ethnicity = s("WBR");
    assert_eq!(rules(&c), vec!["4220"]);
    c.ethnicity = None;
    assert_eq!(rules(&c), vec!["4220"]);

    let path = |n: usize| {
        format!(
            "/Message/Children/Child[1]/ChildCharacteristics[1]/Disabilities[1]/Disability[{n}]"
        )
    };
    let mut c = good();
    c.disabilities = vec!["MOB".into(), "XYZ".into()];
    assert_eq!(failures(&c), vec![("8540", path(2))]);
    c.disabilities = vec!["MOB".into(), "HAND".into(), "MOB".into()];
    assert_eq!(failures(&c), vec![("8794", path(3))]);
    c.disabilities = vec!["NONE".into(), "AUT".into()];
    assert_eq!(rules(&c), vec!["8790"]);
    c.disabilities = vec!["AUT".into(), "LD".into()];
    assert_eq!(rules(&c), Vec::<&str>::new());
}

#[test]
fn episode_rules() {
    let mut c = good();
    c.cin_details.clear();
    assert_eq!(
        failures(&c),
        vec![("8590", "/Message/Children/Child[1]".into())]
    );

    // Referral after the reference date: 8600 (and the activity that follows it is fine
    // against it); missing referral: 8600.
    let mut c = good();
    cin(&mut c).referral_date = None;
    assert_eq!(
        failures(&c),
        vec![("8600", format!("{CIN}/CINreferralDate"))]
    );

    let mut c = good();
    cin(&mut c).referral_source = s("2Z");
    assert_eq!(
        failures(&c),
        vec![("8866", format!("{CIN}/ReferralSource"))]
    );
    cin(&mut c).referral_source = None;
    assert_eq!(rules(&c), vec!["8866"]);

    let mut c = good();
    cin(&mut c).primary_need = s("N10");
    assert_eq!(
        failures(&c),
        vec![("8650", format!("{CIN}/PrimaryNeedCode"))]
    );
    // Missing need: fine for an NFA referral (8610 only when further action).
    cin(&mut c).primary_need = None;
    assert_eq!(rules(&c), vec!["8610"]);
    cin(&mut c).referral_nfa = s("true");
    assert_eq!(rules(&c), Vec::<&str>::new());

    // Closure: 2024-03-31 is before the census year (8620); closure before referral (8630);
    // a date without a reason (8805) and a reason without a date (8810); RC10 (8640).
    let mut c = good();
    cin(&mut c).referral_date = s("2024-01-10");
    cin(&mut c).closure_date = s("2024-03-31");
    cin(&mut c).closure_reason = s("RC8");
    let r = rules(&c);
    assert!(r.contains(&"8620"), "{r:?}");
    let mut c = good();
    cin(&mut c).closure_date = s("2024-05-31");
    cin(&mut c).closure_reason = s("RC8");
    assert!(rules(&c).contains(&"8630"));
    let mut c = good();
    cin(&mut c).closure_date = s("2025-03-01");
    assert_eq!(rules(&c), vec!["8805"]);
    cin(&mut c).closure_reason = s("RC10");
    assert_eq!(rules(&c), vec!["8640"]);
    cin(&mut c).closure_reason = s("RC9");
    assert_eq!(rules(&c), Vec::<&str>::new());
    cin(&mut c).closure_date = None;
    assert_eq!(rules(&c), vec!["8810"]);

    // ReferralNFA must be 1, 0, true or false.
    let mut c = good();
    cin(&mut c).referral_nfa = s("N");
    assert_eq!(failures(&c), vec![("8568", format!("{CIN}/ReferralNFA"))]);
    cin(&mut c).referral_nfa = s("TRUE");
    assert_eq!(rules(&c), Vec::<&str>::new());
}

#[test]
fn assessment_rules() {
    let at = |e: &str| format!("{CIN}/Assessments[1]/{e}");
    // Starts the day before the referral: 1103.
    let mut c = good();
    a(&mut c).start = s("2024-05-31");
    assert_eq!(
        failures(&c),
        vec![("1103", at("AssessmentActualStartDate"))]
    );
    // Authorised before it started: 8608.
    let mut c = good();
    a(&mut c).authorised = s("2024-06-02");
    assert_eq!(
        failures(&c),
        vec![("8608", at("AssessmentAuthorisationDate"))]
    );
    // Authorised after the reference date: 8696.
    let mut c = good();
    a(&mut c).authorised = s("2025-04-01");
    assert_eq!(
        failures(&c),
        vec![("8696", at("AssessmentAuthorisationDate"))]
    );
    // Started after the reference date: 8736 (and, authorised before that, 8608).
    let mut c = good();
    a(&mut c).start = s("2025-04-02");
    a(&mut c).authorised = None;
    a(&mut c).factors.clear();
    assert_eq!(rules(&c), vec!["8736"]);
    // Factors without authorisation: 8614.
    let mut c = good();
    a(&mut c).authorised = None;
    assert_eq!(
        failures(&c),
        vec![("8614", at("FactorsIdentifiedAtAssessment"))]
    );
    // 8A: 8617. 21 with others: 8869 (on the 21); 21 alone: fine.
    let mut c = good();
    a(&mut c).factors = vec!["8A".into()];
    assert_eq!(rules(&c), vec!["8617"]);
    a(&mut c).factors = vec!["3B".into(), "21".into()];
    assert_eq!(
        failures(&c),
        vec![(
            "8869",
            at("FactorsIdentifiedAtAssessment[1]/AssessmentFactors[2]")
        )]
    );
    a(&mut c).factors = vec!["21".into()];
    assert_eq!(rules(&c), Vec::<&str>::new());
}

#[test]
fn section47_and_conference_rules() {
    let at = |e: &str| format!("{CIN}/Section47[1]/{e}");
    // Enquiry before the referral: 2889.
    let mut c = good();
    s47(&mut c).start = s("2024-05-30");
    assert_eq!(failures(&c), vec![("2889", at("S47ActualStartDate"))]);
    // Enquiry after its conference: 8615.
    let mut c = good();
    s47(&mut c).start = s("2024-06-21");
    assert_eq!(failures(&c), vec![("8615", at("DateOfInitialCPC"))]);
    // Conference recorded on the CIN details as well: 2884.
    let mut c = good();
    cin(&mut c).initial_cpc_date = s("2024-06-20");
    assert_eq!(failures(&c), vec![("2884", at("DateOfInitialCPC"))]);
    // CIN-level conference before the referral: 1104; outside the year: 8715.
    let mut c = good();
    c.cin_details[0].section47.clear();
    c.cin_details[0].cp_plans[0].start = s("2024-05-20");
    cin(&mut c).initial_cpc_date = s("2024-05-20");
    let f = failures(&c);
    assert!(
        f.contains(&("1104", format!("{CIN}/DateOfInitialCPC"))),
        "{f:?}"
    );
    let mut c = good();
    c.cin_details[0].section47.clear();
    cin(&mut c).referral_date = s("2024-01-02");
    cin(&mut c).initial_cpc_date = s("2024-03-01");
    c.cin_details[0].assessments.clear();
    c.cin_details[0].cp_plans[0].start = s("2024-03-01");
    c.cin_details[0].cp_plans[0].reviews.clear();
    assert_eq!(
        failures(&c),
        vec![("8715", format!("{CIN}/DateOfInitialCPC"))]
    );
    // ICPCnotRequired must be a census boolean.
    let mut c = good();
    s47(&mut c).icpc_not_required = None;
    assert_eq!(failures(&c), vec![("8568", at("ICPCnotRequired"))]);
}

#[test]
fn child_protection_plan_rules() {
    let at = |e: &str| format!("{CIN}/ChildProtectionPlans[1]/{e}");
    // Plan before the referral (and not on the conference day): 1105 and 2885.
    let mut c = good();
    p(&mut c).start = s("2024-05-31");
    assert_eq!(
        failures(&c),
        vec![("1105", at("CPPstartDate")), ("2885", at("CPPstartDate"))]
    );
    // Plan start after the reference date: 8720 (and not on the conference day: 2885).
    let mut c = good();
    p(&mut c).start = s("2025-04-01");
    p(&mut c).reviews.clear();
    assert_eq!(rules(&c), vec!["8720", "2885"]);
    // Number of previous plans missing or not a number: 8730.
    let mut c = good();
    p(&mut c).previous_plans = s("-1");
    assert_eq!(failures(&c), vec![("8730", at("NumberOfPreviousCPP"))]);
    // Categories: 8905, 8910.
    let mut c = good();
    p(&mut c).initial_category = s("NEGL");
    p(&mut c).latest_category = None;
    assert_eq!(rules(&c), vec!["8905", "8910"]);
    // Starting and ending on the same day: 8840.
    let mut c = good();
    p(&mut c).end = s("2024-06-20");
    p(&mut c).reviews.clear();
    assert_eq!(failures(&c), vec![("8840", at("CPPendDate"))]);
    // A review before the start: 8841.
    let mut c = good();
    p(&mut c).reviews = vec!["2024-09-20".into(), "2024-06-19".into()];
    assert_eq!(
        failures(&c),
        vec![("8841", at("Reviews[1]/CPPreviewDate[2]"))]
    );
    // Not starting on a conference day: 2885.
    let mut c = good();
    p(&mut c).start = s("2024-06-21");
    assert_eq!(failures(&c), vec![("2885", at("CPPstartDate"))]);
}

#[test]
fn header_and_duplicate_rules() {
    let h = HeaderRecord {
        year: s("2025"),
        reference_date: s("2025-03-31"),
        ..HeaderRecord::default()
    };
    assert!(cin::validate_header(&h).is_empty());
    let h = HeaderRecord {
        year: s("2023"),
        reference_date: s("2024-03-31"),
        ..HeaderRecord::default()
    };
    assert_eq!(cin::validate_header(&h)[0].rule, "100");
    // Two children with one LAchildID: 8510 on the second.
    let child = "<Child><ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-01-01</PersonBirthDate><Sex>F</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics><CINdetails><CINreferralDate>2024-06-01</CINreferralDate><ReferralSource>2A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>0</ReferralNFA></CINdetails></Child>";
    let xml = format!(
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2025</Year><ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails></Header><Children>{child}{child}</Children></Message>"
    );
    let f = cin::validate_reader("dup.xml", xml.as_bytes(), None, XmlLimits::default()).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "8510");
    assert_eq!(
        f[0].path,
        "/Message/Children/Child[2]/ChildIdentifiers[1]/LAchildID"
    );
}
