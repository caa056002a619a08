//! Hostile and broken census XML: a clear error with line, column and path, never a panic.

use patchwork_adapters::cin::{self, CinError, CinOptions, XmlErrorKind, XmlLimits};

fn import(xml: &[u8]) -> Result<cin::CinImport, CinError> {
    cin::import_reader("bad.xml", xml, &CinOptions::new("la"))
}

const CHILD: &str = "<Child><ChildIdentifiers><LAchildID>C1</LAchildID><Sex>F</Sex></ChildIdentifiers>\
<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>\
<CINdetails><CINreferralDate>2024-06-01</CINreferralDate><ReferralSource>2A</ReferralSource>\
<ReferralNFA>0</ReferralNFA></CINdetails></Child>";

fn census(children: &str) -> String {
    format!("<Message><Children>{children}</Children></Message>")
}

#[test]
fn a_plain_census_imports() {
    let i = import(census(CHILD).as_bytes()).unwrap();
    assert_eq!(i.network.person_count(), 1);
}

#[test]
fn doctype_is_refused() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Message [<!ENTITY x \"y\">]>\n{}",
        census(CHILD)
    );
    let e = import(xml.as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert_eq!(x.kind, XmlErrorKind::Doctype);
    assert_eq!(x.location.line, 2);
}

#[test]
fn entities_beyond_the_five_are_refused_with_their_path() {
    let child = CHILD.replace("<LAchildID>C1", "<LAchildID>C1&ext;");
    let e = import(census(&child).as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert_eq!(x.kind, XmlErrorKind::Entity("ext".into()));
    assert_eq!(
        x.location.path,
        "/Message/Children[1]/Child[1]/ChildIdentifiers[1]/LAchildID[1]"
    );
    // The predefined five and character references are fine.
    let child = CHILD.replace("<LAchildID>C1", "<LAchildID>C&#49;&amp;&lt;");
    let i = import(census(&child).as_bytes()).unwrap();
    assert!(i.network.persons().any(|p| p.key.id() == "C1&<"));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let child = CHILD.replace("<Sex>F</Sex>", &format!("<Sex>F</Sex>{deep}"));
    let e = import(census(&child).as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert_eq!(x.kind, XmlErrorKind::TooDeep(32));
    assert!(
        x.location
            .path
            .starts_with("/Message/Children[1]/Child[1]/ChildIdentifiers[1]/a[1]/a[1]")
    );
}

#[test]
fn huge_text_is_refused_before_it_is_buffered() {
    let big = "x".repeat(200_000);
    let child = CHILD.replace("<LAchildID>C1", &format!("<LAchildID>{big}"));
    let e = import(census(&child).as_bytes()).unwrap_err();
    assert_eq!(e.xml().unwrap().kind, XmlErrorKind::TextTooLong(64 * 1024));
    // A tag that never closes is caught the same way.
    let xml = format!("<Message><Children><Child {}", "a".repeat(100_000));
    let e = import(xml.as_bytes()).unwrap_err();
    assert_eq!(e.xml().unwrap().kind, XmlErrorKind::TextTooLong(64 * 1024));
}

#[test]
fn utf16_decodes_and_broken_utf16_fails_clearly() {
    let text = census(CHILD);
    for big_endian in [false, true] {
        let mut bytes = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            bytes.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        let i = import(&bytes).unwrap();
        assert_eq!(i.network.person_count(), 1);
    }
    // An unpaired surrogate.
    let mut bytes = vec![0xFF, 0xFE];
    for u in "<Message><Children>".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    bytes.extend(0xD800u16.to_le_bytes());
    bytes.extend((b'x' as u16).to_le_bytes());
    let e = import(&bytes).unwrap_err();
    assert_eq!(e.xml().unwrap().kind, XmlErrorKind::Encoding("UTF-16"));
}

#[test]
fn a_declared_encoding_we_do_not_read_is_refused() {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{}",
        census(CHILD)
    );
    let e = import(xml.as_bytes()).unwrap_err();
    assert!(matches!(
        e.xml().unwrap().kind,
        XmlErrorKind::UnsupportedEncoding(_)
    ));
}

#[test]
fn truncated_and_malformed_files_fail_with_a_location() {
    let full = census(CHILD);
    let cut = &full[..full.len() / 2];
    let e = import(cut.as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert!(
        matches!(x.kind, XmlErrorKind::Truncated(_) | XmlErrorKind::Syntax(_)),
        "{x}"
    );
    let bad = full.replace("</ReferralSource>", "</Referral>");
    let e = import(bad.as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert!(matches!(x.kind, XmlErrorKind::Syntax(_)));
    assert_eq!(x.location.line, 1);
    assert!(x.location.column > 1);
    // Invalid UTF-8.
    let mut bytes = full.into_bytes();
    let at = bytes.windows(2).position(|w| w == b"C1").unwrap();
    bytes[at] = 0xFF;
    assert!(import(&bytes).is_err());
}

#[test]
fn unknown_codes_are_reported_per_child_with_their_rule() {
    let child = CHILD
        .replace("<ReferralSource>2A", "<ReferralSource>2Z")
        .replace("<Ethnicity>WBRI", "<Ethnicity>XXXX");
    let i = import(census(&child).as_bytes()).unwrap();
    let found: Vec<(String, String)> = i
        .report
        .problems
        .iter()
        .map(|p| (p.column.clone().unwrap(), p.message.clone()))
        .collect();
    assert!(found.iter().any(|(path, m)| path
        == "/Message/Children/Child[1]/CINdetails[1]/ReferralSource"
        && m.starts_with("rule 8866")));
    assert!(found.iter().any(|(path, m)| path
        == "/Message/Children/Child[1]/ChildCharacteristics[1]/Ethnicity"
        && m.starts_with("rule 4220")));
    // Kept as given, not mapped to something else.
    let p = i.network.persons().next().unwrap();
    assert_eq!(p.ethnicity.as_deref(), Some("XXXX"));
    let failures = cin::validate_reader(
        "bad.xml",
        census(&child).as_bytes(),
        Some(cin::CollectionYear::new(2025)),
        XmlLimits::default(),
    )
    .unwrap();
    assert!(
        failures
            .iter()
            .any(|f| f.rule == "8866" && f.child.as_deref() == Some("C1"))
    );
}

#[test]
fn many_children_stream_in_bounded_memory_per_child() {
    // 20,000 children in one document: the reader holds one child at a time, so this is
    // about the network's size, and the child count matches.
    let body: String = (0..20_000)
        .map(|i| CHILD.replace("<LAchildID>C1", &format!("<LAchildID>C{i}")))
        .collect();
    let i = import(census(&body).as_bytes()).unwrap();
    assert_eq!(i.network.person_count(), 20_000);
    assert_eq!(i.report.files["bad.xml"].rows, 20_000);
}

#[test]
fn lines_and_columns_are_right_far_into_a_file() {
    // One child per line, 30,000 lines (about 9 MB, far beyond the reader's window), then a
    // bad element on the last line: line 30,002 (the <Message><Children> line is line 1),
    // and the problem of the child with an unknown code on line 20,001 names that line.
    let mut xml = String::from("<Message><Children>\n");
    for i in 0..30_000 {
        let child = if i == 20_000 {
            CHILD.replace("<Ethnicity>WBRI", "<Ethnicity>XXXX")
        } else {
            CHILD.to_owned()
        };
        xml.push_str(&child.replace("<LAchildID>C1", &format!("<LAchildID>C{i}")));
        xml.push('\n');
    }
    let good = format!("{xml}</Children></Message>\n");
    let i = import(good.as_bytes()).unwrap();
    let p = &i.report.problems[0];
    assert_eq!(p.line, Some(20_002));
    assert_eq!(
        p.column.as_deref(),
        Some("/Message/Children/Child[20001]/ChildCharacteristics[1]/Ethnicity")
    );
    let bad = format!("{xml}  <Child></Chidl></Children></Message>\n");
    let e = import(bad.as_bytes()).unwrap_err();
    let x = e.xml().unwrap();
    assert_eq!(x.location.line, 30_002);
    // "  <Child></Chidl>" ends at byte 17 of its line: the reader stops after the bad tag.
    assert_eq!(x.location.column, 18, "{x}");
    assert_eq!(x.location.path, "/Message/Children[1]/Child[30001]");
}
