//! The store's schema and its migrations.

/// The SQLite `application_id` of a Patchwork store: the ASCII bytes `PTCH`
/// (`0x50544348`, 1347699528).
///
/// SQLite keeps this number in the file header (offset 68) so that tools such as `file(1)`
/// can tell what a database is for. [`Store::open`](super::Store::open) refuses a database
/// that carries another application's id.
pub const APPLICATION_ID: i32 = 0x5054_4348;

/// The schema version this build writes and reads (SQLite's `user_version`).
///
/// [`Store::open`](super::Store::open) brings an older store up to this version, and
/// refuses a store whose version is newer.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The migrations, in order: entry `n` takes a store from version `n` to version `n + 1`.
/// Never edit an entry once released; add a new one.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, super::audit::V4, super::grants::V5];

/// Version 1: one table per record kind. Keys are the `system:id` text; dates are ISO
/// `YYYY-MM-DD` text, `NULL` for unknown or open; periods are half-open, so `end_date` is
/// the first day the record no longer holds; enums are their snake_case names.
const V1: &str = "
CREATE TABLE origins (
    -- Where facts came from: a source system and, for imported files, the file.
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    file TEXT
) STRICT;

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    ods_code TEXT,
    school_urn TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE teams (
    -- A team's parent is always stored before it (a lower id).
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_key TEXT REFERENCES agencies (key),
    parent_team_key TEXT REFERENCES teams (key),
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE professionals (
    -- start_date / end_date: when they are (or were) in post.
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT,
    job_title TEXT,
    staff_id TEXT,
    registration_number TEXT,
    agency_key TEXT REFERENCES agencies (key),
    team_key TEXT REFERENCES teams (key),
    email TEXT,
    phone TEXT,
    start_date TEXT,
    end_date TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    nhs_number TEXT,
    upn TEXT,
    former_upn TEXT,
    given_name TEXT,
    family_name TEXT,
    birth_date TEXT,
    expected_birth_date TEXT,
    sex TEXT,
    ethnicity TEXT,
    death_date TEXT,
    postcode TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE person_identifiers (
    -- Identifiers other than the NHS number and UPN (case number, YOT number...).
    id INTEGER PRIMARY KEY,
    person_key TEXT NOT NULL REFERENCES persons (key),
    kind TEXT NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE household_members (
    id INTEGER PRIMARY KEY,
    household_key TEXT NOT NULL REFERENCES households (key),
    person_key TEXT NOT NULL REFERENCES persons (key),
    start_date TEXT,
    end_date TEXT
) STRICT;

CREATE TABLE relationships (
    -- Read a row as: from_person is the kind of to_person.
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    from_person_key TEXT NOT NULL REFERENCES persons (key),
    to_person_key TEXT NOT NULL REFERENCES persons (key),
    kind TEXT NOT NULL,
    parental_responsibility INTEGER NOT NULL CHECK (parental_responsibility IN (0, 1)),
    start_date TEXT,
    end_date TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE episodes (
    -- The detail columns that apply depend on kind:
    --   early_help: reason; child_in_need: referral_source, primary_need, closure_reason;
    --   section47: outcome; child_protection_plan: category_of_abuse;
    --   looked_after: legal_status, placement.
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    person_key TEXT NOT NULL REFERENCES persons (key),
    kind TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    reason TEXT,
    referral_source TEXT,
    primary_need TEXT,
    closure_reason TEXT,
    outcome TEXT,
    category_of_abuse TEXT,
    legal_status TEXT,
    placement TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    person_key TEXT NOT NULL REFERENCES persons (key),
    professional_key TEXT REFERENCES professionals (key),
    team_key TEXT REFERENCES teams (key),
    kind TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER,
    CHECK (professional_key IS NOT NULL OR team_key IS NOT NULL)
) STRICT;

CREATE TABLE involvements (
    -- end_reason_code is one of the DfE's ten SW_REASON codes; end_reason_text is the
    -- source's own wording when it is not one of them. At most one is set.
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    person_key TEXT NOT NULL REFERENCES persons (key),
    professional_key TEXT REFERENCES professionals (key),
    team_key TEXT REFERENCES teams (key),
    role_code TEXT NOT NULL,
    role_category TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    end_reason_code TEXT,
    end_reason_text TEXT,
    sensitivity TEXT NOT NULL,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER,
    CHECK (professional_key IS NOT NULL OR team_key IS NOT NULL),
    CHECK (end_reason_code IS NULL OR end_reason_text IS NULL)
) STRICT;

CREATE TABLE identity_links (
    -- A partner agency's record (record_key) matched to a person, and on what evidence.
    id INTEGER PRIMARY KEY,
    person_key TEXT NOT NULL REFERENCES persons (key),
    record_key TEXT NOT NULL,
    matched_on TEXT NOT NULL,
    origin_id INTEGER NOT NULL REFERENCES origins (id),
    source_row INTEGER
) STRICT;
";

/// Version 2: the import history of the nightly job. One `imports` row per import that
/// loaded (held and unchanged imports leave the store untouched), its input files (the
/// manifest), and the change events it produced. Written in the same transaction as the
/// network it loaded.
const V2: &str = "
CREATE TABLE imports (
    -- started_at: UTC, RFC 3339; as_of: the extract date (YYYY-MM-DD); outcome: loaded.
    -- report_json: the import report (problems with file/line/column, never values).
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    outcome TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_quarantined INTEGER NOT NULL,
    report_json TEXT NOT NULL
) STRICT;

CREATE TABLE import_files (
    -- The manifest: every input file of an import, as named to it.
    import_id INTEGER NOT NULL REFERENCES imports (id),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (import_id, path)
) STRICT;

CREATE TABLE change_events (
    -- event: the snake_case name of the change (involvement_ended...); json: the whole
    -- event as JSON (keys as system:id).
    import_id INTEGER NOT NULL REFERENCES imports (id),
    seq INTEGER NOT NULL,
    person_key TEXT,
    event TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
) STRICT;

CREATE INDEX change_events_person ON change_events (person_key);
";

/// Version 3: incremental saving, and the statutory returns' details. Indexes on the
/// references a save deletes rows by; every episode's details as JSON (`episodes.detail`),
/// so that what the typed columns do not have (assessments, plans, reviews, placements) is
/// kept too; a looked-after child's own SSDA903 facts as JSON (`persons.looked_after`);
/// the CIN census's disability codes (a JSON array) and reason for no UPN; and whether a
/// person is shielded (hidden by the information-sharing policy).
const V3: &str = "
CREATE INDEX person_identifiers_person ON person_identifiers (person_key);
CREATE INDEX household_members_household ON household_members (household_key);
CREATE INDEX identity_links_person ON identity_links (person_key);
ALTER TABLE episodes ADD COLUMN detail TEXT;
ALTER TABLE persons ADD COLUMN looked_after TEXT;
ALTER TABLE persons ADD COLUMN disabilities TEXT;
ALTER TABLE persons ADD COLUMN upn_unknown TEXT;
ALTER TABLE persons ADD COLUMN shielded INTEGER NOT NULL DEFAULT 0 CHECK (shielded IN (0, 1));
";

/// Every table, children before parents: the order to empty them in.
pub(crate) const TABLES_CHILDREN_FIRST: &[&str] = &[
    "identity_links",
    "involvements",
    "activities",
    "episodes",
    "relationships",
    "household_members",
    "households",
    "person_identifiers",
    "persons",
    "professionals",
    "teams",
    "agencies",
    "origins",
];
