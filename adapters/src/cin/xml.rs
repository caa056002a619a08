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
    /// Text content of the current element (entities resolved, surrounding white space
    /// kept; may come in several pieces, which [`XmlReader::read_text`] joins).
    Text(&'a str),
    /// The current element ends.
    End,
    /// The document ends.
    Eof,
}

/// Counts lines and refuses over-long runs of bytes without markup.
struct Guard<R> {
    inner: R,
    max_run: usize,
    /// Run length (bytes since the last `<` or `>`) after the checked prefix.
    run: usize,
    /// How many bytes of the inner buffer have been checked.
    checked: usize,
    /// Run length at the start of the unconsumed buffer.
    run_consumed: usize,
    tripped: bool,
    consumed: u64,
    lines: u64,
    last_newline: u64,
}

impl<R: BufRead> Guard<R> {
    fn new(inner: R, max_run: usize) -> Self {
        Self {
            inner,
            max_run,
            run: 0,
            checked: 0,
            run_consumed: 0,
            tripped: false,
            consumed: 0,
            lines: 0,
            last_newline: 0,
        }
    }
}

impl<R: BufRead> Read for Guard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Guard<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let max_run = self.max_run;
        let buf = self.inner.fill_buf()?;
        let mut run = self.run;
        let mut allowed = buf.len();
        for (i, &b) in buf.iter().enumerate().skip(self.checked) {
            if b == b'<' || b == b'>' {
                run = 0;
            } else {
                run += 1;
                if run > max_run {
                    allowed = i;
                    break;
                }
            }
        }
        if allowed < buf.len() {
            if allowed == 0 {
                self.tripped = true;
                return Err(io::Error::other("text too long"));
            }
            // Hand out the bytes before the over-long run; the next call fails.
            self.checked = allowed;
            self.run = max_run;
            return Ok(&buf[..allowed]);
        }
        self.checked = buf.len();
        self.run = run;
        Ok(buf)
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let part = &buf[..amt.min(buf.len())];
            for (i, &b) in part.iter().enumerate() {
                if b == b'\n' {
                    self.lines += 1;
                    self.last_newline = self.consumed + i as u64 + 1;
                }
            }
            // Run length at the new start of the buffer.
            match part.iter().rposition(|&b| b == b'<' || b == b'>') {
                Some(j) => self.run_consumed = part.len() - 1 - j,
                None => self.run_consumed += part.len(),
            }
        }
        self.consumed += amt as u64;
        self.checked = self.checked.saturating_sub(amt);
        if self.checked == 0 {
            self.run = self.run_consumed;
        }
        self.inner.consume(amt);
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
    reader: quick_xml::Reader<Guard<Box<dyn BufRead + 'a>>>,
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
    done: bool,
}

struct Frame {
    name: String,
    position: u32,
    children: Vec<(String, u32)>,
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
        let mut reader = quick_xml::Reader::from_reader(Guard::new(boxed, limits.max_text));
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
            done: false,
        })
    }

    /// The current location: the position just after the last event read, and the path
    /// of the element open there.
    pub fn location(&self) -> XmlLocation {
        let g = self.reader.get_ref();
        XmlLocation {
            line: g.lines + 1,
            column: g.consumed - g.last_newline + 1,
            path: self.path(),
        }
    }

    /// The 1-based line of the last event read.
    pub fn line(&self) -> u64 {
        self.reader.get_ref().lines + 1
    }

    /// Bytes read so far (of UTF-8, after any transcoding).
    pub fn bytes_read(&self) -> u64 {
        self.reader.get_ref().consumed
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
                match parent.children.iter_mut().find(|(n, _)| n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        *count
                    }
                    None => {
                        parent.children.push((name.to_owned(), 1));
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
            });
        }
        let frame = &mut self.stack[self.depth];
        frame.name.clear();
        frame.name.push_str(name);
        frame.position = position;
        frame.children.clear();
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
        if self.reader.get_ref().tripped {
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
    pub fn next(&mut self) -> Result<XmlEvent<'_>, XmlError> {
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
        out.clear();
        loop {
            match self.next()? {
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
            let (end, eof) = match self.next()? {
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
