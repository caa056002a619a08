//! The guarded streaming XML reader the CIN census is read with.
//!
//! A thin layer over `quick-xml` that turns a byte stream into the few events the census
//! needs (element start, element end, text) while enforcing the rules of
//! [`XmlLimits`]: no DOCTYPE, no entity references beyond the five predefined ones, a
//! nesting depth limit and a text size limit. The limit on text is enforced *before*
//! quick-xml buffers the text, by a reader underneath it that refuses any run of more than
//! `max_text` bytes without a `<` or `>`; a hostile file therefore cannot make the parser's
//! buffer grow. UTF-16 input (with a byte order mark, or starting `<?` in UTF-16) is
//! transcoded to UTF-8 on the fly. Every error names the line, the column and the element
//! path (`/Message/Children/Child[3]/CINdetails[1]/CINreferralDate`).

use std::fmt;
use std::io::{self, BufRead, Read};

use quick_xml::events::Event;

/// How many distinct child element names get positions in paths, per parent.
const MAX_NAMES: usize = 64;

/// Limits that keep a hostile file from exhausting memory or the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Deepest element nesting accepted (the census needs 7).
    pub max_depth: usize,
    /// Longest text (or tag) accepted, in bytes.
    pub max_text: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_text: 64 * 1024,
        }
    }
}

/// Where in the file something is: 1-based line and column (in bytes of UTF-8), and the
/// element path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XmlLocation {
    /// 1-based line.
    pub line: u64,
    /// 1-based column, counted in bytes.
    pub column: u64,
    /// Element path with 1-based positions among same-named siblings, e.g.
    /// `/Message/Children/Child[3]/CINdetails[1]/CINreferralDate`.
    pub path: String,
}

impl fmt::Display for XmlLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, ", at {}", self.path)?;
        }
        Ok(())
    }
}

/// What is wrong with the XML itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlErrorKind {
    /// A `<!DOCTYPE ...>` declaration: refused, since it can define entities.
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
    /// An entity reference other than `&lt;` `&gt;` `&amp;` `&apos;` `&quot;` or a
    /// character reference.
    #[error("entity reference &{0}; is not one of the five predefined entities")]
    Entity(String),
    /// Elements nested deeper than the limit.
    #[error("elements are nested deeper than {0} levels")]
    TooDeep(usize),
    /// A text (or tag) longer than the limit.
    #[error("a text or tag is longer than {0} bytes")]
    TextTooLong(usize),
    /// Bytes that are not valid in the document's encoding.
    #[error("invalid {0} text")]
    Encoding(&'static str),
    /// The XML declaration names an encoding that is not supported.
    #[error("unsupported encoding {0:?}; the census is read as UTF-8 or UTF-16")]
    UnsupportedEncoding(String),
    /// The file ends inside an element.
    #[error("the file ends before element <{0}> is closed")]
    Truncated(String),
    /// Not well-formed XML.
    #[error("{0}")]
    Syntax(String),
    /// The file could not be read.
    #[error("read failed: {0}")]
    Io(String),
}

/// An error in the XML, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct XmlError {
    /// What is wrong.
    pub kind: XmlErrorKind,
    /// Where.
    pub location: XmlLocation,
}

/// An event of the census reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlEvent<'a> {
    /// An element starts (also for `<empty/>` elements, which are followed by an `End`).
    Start(&'a str),
    /// Text content of the current element (entities resolved; may come in several
    /// pieces, which [`XmlReader::read_text`] joins). Text made only of white space is
    /// reported only inside [`XmlReader::read_text`].
    Text(&'a str),
    /// The current element ends.
    End,
    /// The document ends.
    Eof,
}

/// Refuses over-long runs of bytes without markup, and keeps a window of the bytes last
/// read so that a byte offset can be turned into a line and column.
///
/// It sits below the buffer quick-xml reads from: quick-xml's own buffer can never hold
/// more than one run, so it stays under `max_run` plus one block however hostile the file.
struct Guard<R> {
    inner: R,
    max_run: usize,
    /// Bytes since the last `<` or `>`.
    run: usize,
    tripped: bool,
    /// Bytes handed out so far.
    total: u64,
    /// The last bytes handed out, starting at offset `window_start`.
    window: Vec<u8>,
    window_start: u64,
    /// A known (offset, 0-based line) inside the window or at its start, moved forward by
    /// queries so that asking for the line of each child costs O(file) in all.
    cursor: std::cell::Cell<(u64, u64)>,
}

/// How much of the input the line window keeps (at least), and when it is trimmed.
const WINDOW_KEEP: usize = 256 * 1024;

impl<R: Read> Guard<R> {
    fn new(inner: R, max_run: usize) -> Self {
        Self {
            inner,
            max_run,
            run: 0,
            tripped: false,
            total: 0,
            window: Vec::with_capacity(2 * WINDOW_KEEP),
            window_start: 0,
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    /// Line (1-based) and column (1-based, in bytes) of byte `offset`, if it is still in
    /// the window (it always is for the position quick-xml has reached).
    fn line_column(&self, offset: u64) -> (u64, u64) {
        let line = self.line(offset);
        let offset = offset.clamp(self.window_start, self.total);
        let rel = (offset - self.window_start) as usize;
        let column = match self.window[..rel].iter().rposition(|&b| b == b'\n') {
            Some(j) => (rel - j) as u64,
            // The line started before the window (only for lines longer than it).
            None => rel as u64 + 1,
        };
        (line, column)
    }

    /// Line (1-based) of byte `offset`.
    fn line(&self, offset: u64) -> u64 {
        let offset = offset.clamp(self.window_start, self.total);
        let rel = (offset - self.window_start) as usize;
        let (c_off, c_line) = self.cursor.get();
        let c_rel = (c_off - self.window_start) as usize;
        let line = if rel >= c_rel {
            let n = count_newlines(&self.window[c_rel..rel]);
            self.cursor.set((offset, c_line + n));
            c_line + n
        } else {
            c_line - count_newlines(&self.window[rel..c_rel])
        };
        line + 1
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    // Byte-wide counters over chunks of at most 255 bytes, so that the loop vectorises.
    bytes
        .chunks(255)
        .map(|chunk| u64::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.tripped {
            return Err(io::Error::other("text too long"));
        }
        let n = self.inner.read(out)?;
        let got = &out[..n];
        // In chunks, so that the test for a delimiter vectorises.
        let mut run = self.run;
        for chunk in got.chunks(32) {
            let any = chunk
                .iter()
                .fold(false, |a, &b| a | (b == b'<') | (b == b'>'));
            if any {
                let j = chunk
                    .iter()
                    .rposition(|&b| b == b'<' || b == b'>')
                    .unwrap_or(0);
                run = chunk.len() - 1 - j;
            } else {
                run += chunk.len();
                if run > self.max_run {
                    self.tripped = true;
                    return Err(io::Error::other("text too long"));
                }
            }
        }
        self.run = run;
        // Keep the window: trim its front once it is twice the size kept.
        if self.window.len() + n > 2 * WINDOW_KEEP {
            let drop = (self.window.len() + n)
                .saturating_sub(WINDOW_KEEP)
                .min(self.window.len());
            let new_start = self.window_start + drop as u64;
            let (c_off, c_line) = self.cursor.get();
            if c_off < new_start {
                let c_rel = (c_off - self.window_start) as usize;
                let lines = c_line + count_newlines(&self.window[c_rel..drop]);
                self.cursor.set((new_start, lines));
            }
            self.window.drain(..drop);
            self.window_start = new_start;
        }
        self.window.extend_from_slice(got);
        self.total += n as u64;
        Ok(n)
    }
}

/// Transcodes UTF-16 (either byte order) to UTF-8 as it is read.
struct Utf16ToUtf8<R> {
    inner: R,
    big_endian: bool,
    pending: Vec<u8>,
    start: usize,
    high: Option<u16>,
    failed: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    fn next_unit(&mut self) -> io::Result<Option<u16>> {
        let mut two = [0u8; 2];
        let mut got = 0;
        while got < 2 {
            let n = self.inner.read(&mut two[got..])?;
            if n == 0 {
                if got == 0 {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "UTF-16 text ends in half a character",
                ));
            }
            got += n;
        }
        Ok(Some(if self.big_endian {
            u16::from_be_bytes(two)
        } else {
            u16::from_le_bytes(two)
        }))
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "invalid UTF-16"));
        }
        while self.start >= self.pending.len() {
            self.pending.clear();
            self.start = 0;
            // Transcode up to 4 KiB of units at a time.
            for _ in 0..2048 {
                let Some(unit) = self.next_unit()? else { break };
                let c = match (self.high.take(), unit) {
                    (None, 0xD800..=0xDBFF) => {
                        self.high = Some(unit);
                        continue;
                    }
                    (Some(h), 0xDC00..=0xDFFF) => char::decode_utf16([h, unit]).next(),
                    (None, 0xDC00..=0xDFFF) | (Some(_), _) => None,
                    (None, u) => char::decode_utf16([u]).next(),
                };
                match c {
                    Some(Ok(c)) => {
                        let mut b = [0u8; 4];
                        self.pending
                            .extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                    }
                    _ => {
                        self.failed = true;
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "invalid UTF-16 (unpaired surrogate)",
                        ));
                    }
                }
            }
            if self.pending.is_empty() {
                return Ok(0);
            }
        }
        let n = (self.pending.len() - self.start).min(out.len());
        out[..n].copy_from_slice(&self.pending[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// The encodings the reader recognises from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detected {
    Utf8,
    Utf16 { big_endian: bool },
}

fn detect<R: BufRead>(reader: &mut R) -> io::Result<Detected> {
    let head = reader.fill_buf()?;
    Ok(match head {
        [0xEF, 0xBB, 0xBF, ..] => {
            reader.consume(3);
            Detected::Utf8
        }
        [0xFF, 0xFE, ..] => {
            reader.consume(2);
            Detected::Utf16 { big_endian: false }
        }
        [0xFE, 0xFF, ..] => {
            reader.consume(2);
            Detected::Utf16 { big_endian: true }
        }
        [b'<', 0, b'?', 0, ..] => Detected::Utf16 { big_endian: false },
        [0, b'<', 0, b'?', ..] => Detected::Utf16 { big_endian: true },
        _ => Detected::Utf8,
    })
}

/// The guarded census reader: `quick-xml` underneath, limits and locations on top.
pub struct XmlReader<'a> {
    reader: quick_xml::Reader<io::BufReader<Guard<Box<dyn BufRead + 'a>>>>,
    limits: XmlLimits,
    utf16: bool,
    buf: Vec<u8>,
    scratch: Vec<u8>,
    text: String,
    /// Element frames; the first `depth` are open. Frames past `depth` are kept so that
    /// their buffers are reused.
    stack: Vec<Frame>,
    depth: usize,
    /// A pending End for an empty element.
    pending_end: bool,
    /// Inside [`XmlReader::read_text`]: white space text is kept.
    in_value: bool,
    done: bool,
}

struct Frame {
    name: String,
    position: u32,
    /// Names of the children seen so far and how many of each; only the first `used`
    /// entries are live (the others keep their buffers for reuse).
    children: Vec<(String, u32)>,
    used: usize,
}

impl<'a> XmlReader<'a> {
    /// A reader over `source` with the given limits.
    pub fn new<R: Read + 'a>(source: R, limits: XmlLimits) -> Result<Self, XmlError> {
        let mut buffered = io::BufReader::with_capacity(64 * 1024, source);
        let detected = detect(&mut buffered).map_err(|e| XmlError {
            kind: XmlErrorKind::Io(e.to_string()),
            location: XmlLocation {
                line: 1,
                column: 1,
                path: String::new(),
            },
        })?;
        let (boxed, utf16): (Box<dyn BufRead + 'a>, bool) = match detected {
            Detected::Utf8 => (Box::new(buffered), false),
            Detected::Utf16 { big_endian } => (
                Box::new(io::BufReader::with_capacity(
                    64 * 1024,
                    Utf16ToUtf8 {
                        inner: buffered,
                        big_endian,
                        pending: Vec::new(),
                        start: 0,
                        high: None,
                        failed: false,
                    },
                )),
                true,
            ),
        };
        let mut reader = quick_xml::Reader::from_reader(io::BufReader::with_capacity(
            64 * 1024,
            Guard::new(boxed, limits.max_text),
        ));
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.trim_text(false);
        Ok(Self {
            reader,
            limits,
            utf16,
            buf: Vec::with_capacity(1024),
            scratch: Vec::with_capacity(64),
            text: String::new(),
            stack: Vec::with_capacity(16),
            depth: 0,
            pending_end: false,
            in_value: false,
            done: false,
        })
    }

    /// The current location: the position just after the last event read, and the path
    /// of the element open there.
    pub fn location(&self) -> XmlLocation {
        let (line, column) = self.guard().line_column(self.reader.buffer_position());
        XmlLocation {
            line,
            column,
            path: self.path(),
        }
    }

    /// The 1-based line of the last event read.
    pub fn line(&self) -> u64 {
        self.guard().line(self.reader.buffer_position())
    }

    fn guard(&self) -> &Guard<Box<dyn BufRead + 'a>> {
        self.reader.get_ref().get_ref()
    }

    /// Bytes read so far (of UTF-8, after any transcoding).
    pub fn bytes_read(&self) -> u64 {
        self.reader.buffer_position()
    }

    /// The path of the open element.
    pub fn path(&self) -> String {
        let mut path = String::new();
        for (i, f) in self.stack[..self.depth].iter().enumerate() {
            path.push('/');
            path.push_str(&f.name);
            // The root and elements that appear once are written without a position
            // only when they are the root; every other step carries its position.
            if i > 0 {
                use std::fmt::Write;
                let _ = write!(path, "[{}]", f.position);
            }
        }
        path
    }

    /// The depth: how many elements are open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// 1-based position of the open element among its same-named siblings.
    pub fn position(&self) -> u32 {
        self.depth
            .checked_sub(1)
            .map_or(1, |top| self.stack[top].position)
    }

    fn error(&self, kind: XmlErrorKind) -> XmlError {
        XmlError {
            kind,
            location: self.location(),
        }
    }

    /// Opens an element named by the bytes in `self.buf[range]`.
    fn push(&mut self, name: &[u8]) -> Result<(), XmlError> {
        if self.depth >= self.limits.max_depth {
            return Err(self.error(XmlErrorKind::TooDeep(self.limits.max_depth)));
        }
        let Ok(name) = std::str::from_utf8(name) else {
            return Err(self.error(XmlErrorKind::Encoding("UTF-8")));
        };
        let position = match self.depth.checked_sub(1) {
            Some(top) => {
                let parent = &mut self.stack[top];
                let used = parent.used;
                let full = used >= MAX_NAMES;
                match parent.children[..used].iter_mut().find(|(n, _)| n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        *count
                    }
                    // Positions are counted for the first 64 distinct names under one
                    // parent; past that (never in a census) they are reported as 0, so
                    // that a hostile file cannot grow this list without bound.
                    None if full => 0,
                    None => {
                        if used == parent.children.len() {
                            parent.children.push((String::new(), 0));
                        }
                        let slot = &mut parent.children[used];
                        slot.0.clear();
                        slot.0.push_str(name);
                        slot.1 = 1;
                        parent.used += 1;
                        1
                    }
                }
            }
            None => 1,
        };
        if self.depth == self.stack.len() {
            self.stack.push(Frame {
                name: String::new(),
                position: 0,
                children: Vec::new(),
                used: 0,
            });
        }
        let frame = &mut self.stack[self.depth];
        frame.name.clear();
        frame.name.push_str(name);
        frame.position = position;
        frame.used = 0;
        self.depth += 1;
        Ok(())
    }

    /// Opens the element whose name is in `self.scratch`.
    fn push_scratch(&mut self) -> Result<(), XmlError> {
        let name = std::mem::take(&mut self.scratch);
        let result = self.push(&name);
        self.scratch = name;
        result
    }

    fn top_name(&self) -> &str {
        &self.stack[self.depth - 1].name
    }

    fn map_error(&self, e: quick_xml::Error) -> XmlError {
        if self.guard().tripped {
            return self.error(XmlErrorKind::TextTooLong(self.limits.max_text));
        }
        let kind = match e {
            quick_xml::Error::Io(io) if io.kind() == io::ErrorKind::InvalidData => {
                XmlErrorKind::Encoding("UTF-16")
            }
            quick_xml::Error::Io(io) => XmlErrorKind::Io(io.to_string()),
            quick_xml::Error::Encoding(_) => XmlErrorKind::Encoding("UTF-8"),
            other => XmlErrorKind::Syntax(other.to_string()),
        };
        self.error(kind)
    }

    /// The next event.
    pub fn next_event(&mut self) -> Result<XmlEvent<'_>, XmlError> {
        if self.pending_end {
            self.pending_end = false;
            self.depth -= 1;
            return Ok(XmlEvent::End);
        }
        if self.done {
            return Ok(XmlEvent::Eof);
        }
        loop {
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    let err = self.map_error(e);
                    return Err(err);
                }
            };
            match event {
                Event::Start(e) => {
                    self.scratch.clear();
                    self.scratch
                        .extend_from_slice(e.name().into_inner().as_bytes());
                    self.push_scratch()?;
                    return Ok(XmlEvent::Start(self.top_name()));
                }
                Event::Empty(e) => {
                    self.scratch.clear();
                    self.scratch
                        .extend_from_slice(e.name().into_inner().as_bytes());
                    self.push_scratch()?;
                    self.pending_end = true;
                    return Ok(XmlEvent::Start(self.top_name()));
                }
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(XmlEvent::End);
                }
                Event::Text(t) => {
                    let text: &str = t.as_ref();
                    // White space between elements (indentation) is dropped here, except
                    // inside a value being read, where it may sit next to an entity.
                    if !self.in_value && text.bytes().all(|b| b.is_ascii_whitespace()) {
                        continue;
                    }
                    self.text.clear();
                    self.text.push_str(text);
                    return Ok(XmlEvent::Text(&self.text));
                }
                Event::CData(t) => {
                    let text: &str = t.as_ref();
                    self.text.clear();
                    self.text.push_str(text);
                    return Ok(XmlEvent::Text(&self.text));
                }
                Event::GeneralRef(r) => {
                    let name: String = AsRef::<str>::as_ref(&r).to_owned();
                    let c = match name.as_str() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => return Err(self.error(XmlErrorKind::Entity(name))),
                        },
                    };
                    self.text.clear();
                    self.text.push(c);
                    return Ok(XmlEvent::Text(&self.text));
                }
                Event::DocType(_) => return Err(self.error(XmlErrorKind::Doctype)),
                Event::Decl(d) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        let enc = enc.to_ascii_lowercase();
                        let ok = match enc.as_str() {
                            "utf-8" | "utf8" | "us-ascii" | "ascii" => !self.utf16,
                            "utf-16" | "utf-16le" | "utf-16be" | "utf16" => self.utf16,
                            _ => false,
                        };
                        if !ok {
                            return Err(self.error(XmlErrorKind::UnsupportedEncoding(enc)));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    if self.depth > 0 {
                        let name = self.top_name().to_owned();
                        return Err(self.error(XmlErrorKind::Truncated(name)));
                    }
                    self.done = true;
                    return Ok(XmlEvent::Eof);
                }
            }
        }
    }

    /// Reads the text of a simple element whose start was just returned, up to and
    /// including its end. Fails if it has child elements.
    pub fn read_text(&mut self, out: &mut String) -> Result<(), XmlError> {
        self.in_value = true;
        let result = self.read_value(out);
        self.in_value = false;
        result
    }

    fn read_value(&mut self, out: &mut String) -> Result<(), XmlError> {
        out.clear();
        loop {
            match self.next_event()? {
                XmlEvent::Text(t) => out.push_str(t),
                XmlEvent::End => return Ok(()),
                XmlEvent::Start(name) => {
                    let name = name.to_owned();
                    return Err(self.error(XmlErrorKind::Syntax(format!(
                        "element <{name}> is not expected inside a value"
                    ))));
                }
                XmlEvent::Eof => return Err(self.error(XmlErrorKind::Syntax("early end".into()))),
            }
            if out.len() > self.limits.max_text {
                return Err(self.error(XmlErrorKind::TextTooLong(self.limits.max_text)));
            }
        }
    }

    /// Skips the element whose start was just returned, with everything inside it.
    pub fn skip(&mut self) -> Result<(), XmlError> {
        let depth = self.depth;
        loop {
            let (end, eof) = match self.next_event()? {
                XmlEvent::End => (true, false),
                XmlEvent::Eof => (false, true),
                _ => (false, false),
            };
            if eof || (end && self.depth < depth) {
                return Ok(());
            }
        }
    }
}
