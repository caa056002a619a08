//! The census as read: one [`ChildRecord`] at a time, values as the file gave them.
//!
//! [`CensusReader`] streams a census file child by child, so memory holds one child at a
//! time. Values are kept as text (trimmed; empty elements are `None`): the importer and the
//! validation rules decide what a value means, and can say which rule a bad one breaks.

use std::fmt::Write as _;

use super::xml::{XmlError, XmlErrorKind, XmlEvent, XmlReader};

/// The `<Header>` of a census file, values as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderRecord {
    /// `Collection` (`CIN`).
    pub collection: Option<String>,
    /// `Year`: the end year of the collection (2025 for 2024-25).
    pub year: Option<String>,
    /// `ReferenceDate`: 31 March of `Year`.
    pub reference_date: Option<String>,
    /// `SourceLevel` (`L`).
    pub source_level: Option<String>,
    /// `LEA`: the three-digit DfE local-authority code.
    pub lea: Option<String>,
    /// `SoftwareCode`.
    pub software_code: Option<String>,
    /// `Release`.
    pub release: Option<String>,
    /// `SerialNo`.
    pub serial_no: Option<String>,
    /// `DateTime`.
    pub date_time: Option<String>,
}

/// One `<Child>`, values as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildRecord {
    /// 1-based position among the file's children.
    pub position: u32,
    /// Line where the child starts.
    pub line: u64,
    /// `LAchildID`.
    pub la_child_id: Option<String>,
    /// `UPN`.
    pub upn: Option<String>,
    /// `FormerUPN`.
    pub former_upn: Option<String>,
    /// `UPNunknown`.
    pub upn_unknown: Option<String>,
    /// `PersonBirthDate`.
    pub birth_date: Option<String>,
    /// `ExpectedPersonBirthDate`.
    pub expected_birth_date: Option<String>,
    /// `GenderCurrent` (collections up to 2023-24).
    pub gender_current: Option<String>,
    /// `Sex` (collections from 2024-25).
    pub sex: Option<String>,
    /// `PersonDeathDate`.
    pub death_date: Option<String>,
    /// `Ethnicity`.
    pub ethnicity: Option<String>,
    /// `Disability` codes.
    pub disabilities: Vec<String>,
    /// The `<CINdetails>` (one per referral).
    pub cin_details: Vec<CinDetailsRecord>,
    /// Paths of elements (and stray text) the reader does not know and skipped.
    pub skipped: Vec<String>,
}

/// One `<CINdetails>`: a referral and what followed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CinDetailsRecord {
    /// `CINreferralDate`.
    pub referral_date: Option<String>,
    /// `ReferralSource`.
    pub referral_source: Option<String>,
    /// `PrimaryNeedCode`.
    pub primary_need: Option<String>,
    /// `CINclosureDate`.
    pub closure_date: Option<String>,
    /// `ReasonForClosure`.
    pub closure_reason: Option<String>,
    /// `DateOfInitialCPC` at episode level.
    pub initial_cpc_date: Option<String>,
    /// `ReferralNFA`.
    pub referral_nfa: Option<String>,
    /// `<Assessments>`.
    pub assessments: Vec<AssessmentRecord>,
    /// `<CINPlanDates>`.
    pub cin_plans: Vec<CinPlanRecord>,
    /// `<Section47>`.
    pub section47: Vec<Section47Record>,
    /// `<ChildProtectionPlans>`.
    pub cp_plans: Vec<CpPlanRecord>,
}

/// One `<Assessments>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentRecord {
    /// `AssessmentActualStartDate`.
    pub start: Option<String>,
    /// `AssessmentInternalReviewDate`.
    pub internal_review: Option<String>,
    /// `AssessmentAuthorisationDate`.
    pub authorised: Option<String>,
    /// `AssessmentFactors` codes.
    pub factors: Vec<String>,
}

/// One `<CINPlanDates>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CinPlanRecord {
    /// `CINPlanStartDate`.
    pub start: Option<String>,
    /// `CINPlanEndDate`.
    pub end: Option<String>,
}

/// One `<Section47>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section47Record {
    /// `S47ActualStartDate`.
    pub start: Option<String>,
    /// `InitialCPCtarget`.
    pub icpc_target: Option<String>,
    /// `DateOfInitialCPC`.
    pub icpc_date: Option<String>,
    /// `ICPCnotRequired`.
    pub icpc_not_required: Option<String>,
}

/// One `<ChildProtectionPlans>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpPlanRecord {
    /// `CPPstartDate`.
    pub start: Option<String>,
    /// `CPPendDate`.
    pub end: Option<String>,
    /// `InitialCategoryOfAbuse`.
    pub initial_category: Option<String>,
    /// `LatestCategoryOfAbuse`.
    pub latest_category: Option<String>,
    /// `NumberOfPreviousCPP`.
    pub previous_plans: Option<String>,
    /// `CPPreviewDate`s.
    pub reviews: Vec<String>,
}

/// Paths of census elements, for messages: `/Message/Children/Child[3]/...`.
pub mod path {
    /// The path of child `child` (1-based).
    pub fn child(child: u32) -> String {
        format!("/Message/Children/Child[{child}]")
    }

    /// The path of an element of a child's `ChildIdentifiers` or `ChildCharacteristics`.
    pub fn identifier(child: u32, element: &str) -> String {
        let group = match element {
            "Ethnicity" | "Disabilities" => "ChildCharacteristics",
            _ => "ChildIdentifiers",
        };
        format!("/Message/Children/Child[{child}]/{group}[1]/{element}")
    }

    /// The path of a disability (1-based `n`).
    pub fn disability(child: u32, n: usize) -> String {
        format!(
            "/Message/Children/Child[{child}]/ChildCharacteristics[1]/Disabilities[1]/Disability[{n}]"
        )
    }

    /// The path of an element directly in `CINdetails[cin]` (1-based).
    pub fn cin(child: u32, cin: usize, element: &str) -> String {
        let mut p = format!("/Message/Children/Child[{child}]/CINdetails[{cin}]");
        if !element.is_empty() {
            p.push('/');
            p.push_str(element);
        }
        p
    }

    /// The path of an element in the `n`th (1-based) `group` of `CINdetails[cin]`.
    pub fn sub(child: u32, cin: usize, group: &str, n: usize, element: &str) -> String {
        let mut p = format!("/Message/Children/Child[{child}]/CINdetails[{cin}]/{group}[{n}]");
        if !element.is_empty() {
            p.push('/');
            p.push_str(element);
        }
        p
    }
}

/// Streams a census file: the header first, then one child at a time.
pub struct CensusReader<'a> {
    xml: XmlReader<'a>,
    header: HeaderRecord,
    /// Whether the reader is inside `<Children>`.
    in_children: bool,
    finished: bool,
    value: String,
    children: u32,
}

fn syntax(xml: &XmlReader<'_>, message: String) -> XmlError {
    XmlError {
        kind: XmlErrorKind::Syntax(message),
        location: xml.location(),
    }
}

impl<'a> CensusReader<'a> {
    /// Opens a census: reads up to the first child, parsing the header on the way.
    pub fn open(mut xml: XmlReader<'a>) -> Result<Self, XmlError> {
        let mut value = String::new();
        let mut header = HeaderRecord::default();
        let mut first = xml.next_event()?;
        while let XmlEvent::Text(t) = first {
            if !t.trim().is_empty() {
                return Err(syntax(&xml, "text before the <Message> element".into()));
            }
            first = xml.next_event()?;
        }
        match first {
            XmlEvent::Start("Message") => {}
            XmlEvent::Start(other) => {
                let m = format!("the root element is <{other}>, not <Message>");
                return Err(syntax(&xml, m));
            }
            _ => return Err(syntax(&xml, "the file has no <Message> element".into())),
        }
        loop {
            match xml.next_event()? {
                XmlEvent::Start("Header") => read_header(&mut xml, &mut header, &mut value)?,
                XmlEvent::Start("Children") => break,
                XmlEvent::Start(_) => xml.skip()?,
                XmlEvent::Text(_) => {}
                XmlEvent::End | XmlEvent::Eof => {
                    return Err(syntax(&xml, "the file has no <Children> element".into()));
                }
            }
        }
        Ok(Self {
            xml,
            header,
            in_children: true,
            finished: false,
            value,
            children: 0,
        })
    }

    /// The header.
    pub fn header(&self) -> &HeaderRecord {
        &self.header
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.xml.bytes_read()
    }

    /// The next child, or `None` after the last.
    pub fn next_child(&mut self) -> Result<Option<ChildRecord>, XmlError> {
        if self.finished {
            return Ok(None);
        }
        loop {
            match self.xml.next_event()? {
                XmlEvent::Start("Child") if self.in_children => {
                    self.children += 1;
                    let mut child = ChildRecord {
                        position: self.children,
                        line: self.xml.line(),
                        ..ChildRecord::default()
                    };
                    read_child(&mut self.xml, &mut child, &mut self.value)?;
                    return Ok(Some(child));
                }
                XmlEvent::Start(_) => self.xml.skip()?,
                XmlEvent::Text(_) => {}
                XmlEvent::End => {
                    if self.in_children {
                        self.in_children = false;
                    }
                }
                XmlEvent::Eof => {
                    self.finished = true;
                    return Ok(None);
                }
            }
        }
    }
}

fn opt(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn note_skipped(xml: &XmlReader<'_>, skipped: &mut Vec<String>, what: &str) {
    if skipped.len() < 100 {
        let mut p = xml.path();
        if !what.is_empty() {
            let _ = write!(p, " ({what})");
        }
        skipped.push(p);
    }
}

/// The census element names, as static strings (so that reading an element costs no
/// allocation); `""` for a name the census does not define, which no reader knows.
fn census_name(name: &str) -> &'static str {
    match name {
        "AssessmentActualStartDate" => "AssessmentActualStartDate",
        "AssessmentAuthorisationDate" => "AssessmentAuthorisationDate",
        "AssessmentFactors" => "AssessmentFactors",
        "AssessmentInternalReviewDate" => "AssessmentInternalReviewDate",
        "Assessments" => "Assessments",
        "CINPlanDates" => "CINPlanDates",
        "CINPlanEndDate" => "CINPlanEndDate",
        "CINPlanStartDate" => "CINPlanStartDate",
        "CINclosureDate" => "CINclosureDate",
        "CINdetails" => "CINdetails",
        "CINreferralDate" => "CINreferralDate",
        "CPPendDate" => "CPPendDate",
        "CPPreviewDate" => "CPPreviewDate",
        "CPPstartDate" => "CPPstartDate",
        "Child" => "Child",
        "ChildCharacteristics" => "ChildCharacteristics",
        "ChildIdentifiers" => "ChildIdentifiers",
        "ChildProtectionPlans" => "ChildProtectionPlans",
        "Children" => "Children",
        "Collection" => "Collection",
        "CollectionDetails" => "CollectionDetails",
        "DateOfInitialCPC" => "DateOfInitialCPC",
        "DateTime" => "DateTime",
        "Disabilities" => "Disabilities",
        "Disability" => "Disability",
        "Ethnicity" => "Ethnicity",
        "ExpectedPersonBirthDate" => "ExpectedPersonBirthDate",
        "FactorsIdentifiedAtAssessment" => "FactorsIdentifiedAtAssessment",
        "FormerUPN" => "FormerUPN",
        "GenderCurrent" => "GenderCurrent",
        "Header" => "Header",
        "ICPCnotRequired" => "ICPCnotRequired",
        "InitialCPCtarget" => "InitialCPCtarget",
        "InitialCategoryOfAbuse" => "InitialCategoryOfAbuse",
        "LAchildID" => "LAchildID",
        "LEA" => "LEA",
        "LatestCategoryOfAbuse" => "LatestCategoryOfAbuse",
        "Message" => "Message",
        "NumberOfPreviousCPP" => "NumberOfPreviousCPP",
        "PersonBirthDate" => "PersonBirthDate",
        "PersonDeathDate" => "PersonDeathDate",
        "PrimaryNeedCode" => "PrimaryNeedCode",
        "ReasonForClosure" => "ReasonForClosure",
        "ReferenceDate" => "ReferenceDate",
        "ReferralNFA" => "ReferralNFA",
        "ReferralSource" => "ReferralSource",
        "Release" => "Release",
        "Reviews" => "Reviews",
        "S47ActualStartDate" => "S47ActualStartDate",
        "Section47" => "Section47",
        "SerialNo" => "SerialNo",
        "Sex" => "Sex",
        "SoftwareCode" => "SoftwareCode",
        "Source" => "Source",
        "SourceLevel" => "SourceLevel",
        "UPN" => "UPN",
        "UPNunknown" => "UPNunknown",
        "Year" => "Year",
        _ => "",
    }
}

/// Reads the children of the element just opened, calling `field` with each child
/// element's name; `field` returns false for names it does not know (which are skipped).
fn read_group<'a>(
    xml: &mut XmlReader<'a>,
    skipped: &mut Vec<String>,
    mut field: impl FnMut(&mut XmlReader<'a>, &str, &mut Vec<String>) -> Result<bool, XmlError>,
) -> Result<(), XmlError> {
    loop {
        let name = match xml.next_event()? {
            XmlEvent::Start(name) => census_name(name),
            XmlEvent::Text(t) => {
                if !t.trim().is_empty() {
                    note_skipped(xml, skipped, "text");
                }
                continue;
            }
            XmlEvent::End => return Ok(()),
            XmlEvent::Eof => return Err(syntax(xml, "early end of file".into())),
        };
        if !field(xml, name, skipped)? {
            note_skipped(xml, skipped, "");
            xml.skip()?;
        }
    }
}

fn read_header(
    xml: &mut XmlReader<'_>,
    h: &mut HeaderRecord,
    value: &mut String,
) -> Result<(), XmlError> {
    let mut skipped = Vec::new();
    read_group(xml, &mut skipped, |xml, name, skipped| {
        match name {
            "CollectionDetails" => read_group(xml, skipped, |xml, name, _| {
                let slot = match name {
                    "Collection" => &mut h.collection,
                    "Year" => &mut h.year,
                    "ReferenceDate" => &mut h.reference_date,
                    _ => return Ok(false),
                };
                xml.read_text(value)?;
                *slot = opt(value);
                Ok(true)
            })?,
            "Source" => read_group(xml, skipped, |xml, name, _| {
                let slot = match name {
                    "SourceLevel" => &mut h.source_level,
                    "LEA" => &mut h.lea,
                    "SoftwareCode" => &mut h.software_code,
                    "Release" => &mut h.release,
                    "SerialNo" => &mut h.serial_no,
                    "DateTime" => &mut h.date_time,
                    _ => return Ok(false),
                };
                xml.read_text(value)?;
                *slot = opt(value);
                Ok(true)
            })?,
            _ => return Ok(false),
        }
        Ok(true)
    })
}

fn read_child(
    xml: &mut XmlReader<'_>,
    c: &mut ChildRecord,
    value: &mut String,
) -> Result<(), XmlError> {
    let mut skipped = std::mem::take(&mut c.skipped);
    let result = read_group(xml, &mut skipped, |xml, name, skipped| {
        match name {
            "ChildIdentifiers" => read_group(xml, skipped, |xml, name, _| {
                let slot = match name {
                    "LAchildID" => &mut c.la_child_id,
                    "UPN" => &mut c.upn,
                    "FormerUPN" => &mut c.former_upn,
                    "UPNunknown" => &mut c.upn_unknown,
                    "PersonBirthDate" => &mut c.birth_date,
                    "ExpectedPersonBirthDate" => &mut c.expected_birth_date,
                    "GenderCurrent" => &mut c.gender_current,
                    "Sex" => &mut c.sex,
                    "PersonDeathDate" => &mut c.death_date,
                    _ => return Ok(false),
                };
                xml.read_text(value)?;
                *slot = opt(value);
                Ok(true)
            })?,
            "ChildCharacteristics" => read_group(xml, skipped, |xml, name, skipped| {
                match name {
                    "Ethnicity" => {
                        xml.read_text(value)?;
                        c.ethnicity = opt(value);
                    }
                    "Disabilities" => read_group(xml, skipped, |xml, name, _| {
                        if name != "Disability" {
                            return Ok(false);
                        }
                        xml.read_text(value)?;
                        if let Some(v) = opt(value) {
                            c.disabilities.push(v);
                        }
                        Ok(true)
                    })?,
                    _ => return Ok(false),
                }
                Ok(true)
            })?,
            "CINdetails" => {
                let mut d = CinDetailsRecord::default();
                read_cin(xml, &mut d, value, skipped)?;
                // Grow one at a time for the first few: four of these at once would be
                // a request of over 1 kB, which makes the allocator consolidate its free
                // lists on every child.
                if c.cin_details.len() < 3 {
                    c.cin_details.reserve_exact(1);
                }
                c.cin_details.push(d);
            }
            _ => return Ok(false),
        }
        Ok(true)
    });
    c.skipped = skipped;
    result
}

fn read_cin(
    xml: &mut XmlReader<'_>,
    d: &mut CinDetailsRecord,
    value: &mut String,
    skipped: &mut Vec<String>,
) -> Result<(), XmlError> {
    read_group(xml, skipped, |xml, name, skipped| {
        let slot = match name {
            "CINreferralDate" => &mut d.referral_date,
            "ReferralSource" => &mut d.referral_source,
            "PrimaryNeedCode" => &mut d.primary_need,
            "CINclosureDate" => &mut d.closure_date,
            "ReasonForClosure" => &mut d.closure_reason,
            "DateOfInitialCPC" => &mut d.initial_cpc_date,
            "ReferralNFA" => &mut d.referral_nfa,
            "Assessments" => {
                let mut a = AssessmentRecord::default();
                read_group(xml, skipped, |xml, name, skipped| {
                    let slot = match name {
                        "AssessmentActualStartDate" => &mut a.start,
                        "AssessmentInternalReviewDate" => &mut a.internal_review,
                        "AssessmentAuthorisationDate" => &mut a.authorised,
                        "FactorsIdentifiedAtAssessment" => {
                            read_group(xml, skipped, |xml, name, _| {
                                if name != "AssessmentFactors" {
                                    return Ok(false);
                                }
                                xml.read_text(value)?;
                                if let Some(v) = opt(value) {
                                    a.factors.push(v);
                                }
                                Ok(true)
                            })?;
                            return Ok(true);
                        }
                        _ => return Ok(false),
                    };
                    xml.read_text(value)?;
                    *slot = opt(value);
                    Ok(true)
                })?;
                d.assessments.push(a);
                return Ok(true);
            }
            "CINPlanDates" => {
                let mut p = CinPlanRecord::default();
                read_group(xml, skipped, |xml, name, _| {
                    let slot = match name {
                        "CINPlanStartDate" => &mut p.start,
                        "CINPlanEndDate" => &mut p.end,
                        _ => return Ok(false),
                    };
                    xml.read_text(value)?;
                    *slot = opt(value);
                    Ok(true)
                })?;
                d.cin_plans.push(p);
                return Ok(true);
            }
            "Section47" => {
                let mut s = Section47Record::default();
                read_group(xml, skipped, |xml, name, _| {
                    let slot = match name {
                        "S47ActualStartDate" => &mut s.start,
                        "InitialCPCtarget" => &mut s.icpc_target,
                        "DateOfInitialCPC" => &mut s.icpc_date,
                        "ICPCnotRequired" => &mut s.icpc_not_required,
                        _ => return Ok(false),
                    };
                    xml.read_text(value)?;
                    *slot = opt(value);
                    Ok(true)
                })?;
                d.section47.push(s);
                return Ok(true);
            }
            "ChildProtectionPlans" => {
                let mut p = CpPlanRecord::default();
                read_group(xml, skipped, |xml, name, skipped| {
                    let slot = match name {
                        "CPPstartDate" => &mut p.start,
                        "CPPendDate" => &mut p.end,
                        "InitialCategoryOfAbuse" => &mut p.initial_category,
                        "LatestCategoryOfAbuse" => &mut p.latest_category,
                        "NumberOfPreviousCPP" => &mut p.previous_plans,
                        "Reviews" => {
                            read_group(xml, skipped, |xml, name, _| {
                                if name != "CPPreviewDate" {
                                    return Ok(false);
                                }
                                xml.read_text(value)?;
                                if let Some(v) = opt(value) {
                                    p.reviews.push(v);
                                }
                                Ok(true)
                            })?;
                            return Ok(true);
                        }
                        _ => return Ok(false),
                    };
                    xml.read_text(value)?;
                    *slot = opt(value);
                    Ok(true)
                })?;
                d.cp_plans.push(p);
                return Ok(true);
            }
            _ => return Ok(false),
        };
        xml.read_text(value)?;
        *slot = opt(value);
        Ok(true)
    })
}
