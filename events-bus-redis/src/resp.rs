//! The Redis protocol (RESP2): writing `XADD` commands straight into a buffer, and reading
//! replies from a socket.
//!
//! Both are here for speed. Publishing encodes thousands of `XADD`s per second, and going
//! through a command object per event would copy every field twice. Consuming reads replies of
//! a thousand entries of 17 strings each: the reply parser of the `redis` crate spends about
//! 5 µs per entry on them (more than Redis and the whole delivery together), this one a fifth of
//! that. Replies are produced as [`redis::Value`]s and error replies as [`redis::RedisError`]s,
//! so that everything else works with the `redis` crate's types.

use std::io::{self, Read};

use events_core::bus::BusMessage;
use redis::{ErrorKind, RedisError, Value};

/// Bytes allocated ahead for a bulk string or an array: lengths announced by the server are
/// not trusted with more until the data arrives.
const MAX_PREALLOCATION: usize = 64 * 1024;

/// Items allocated ahead for an array, for the same reason.
const MAX_ITEM_PREALLOCATION: usize = 1024;

/// The deepest nesting of arrays accepted. Stream replies nest five deep; a reply nested
/// deeper than this is refused instead of exhausting the stack.
const MAX_DEPTH: usize = 32;

/// The longest simple-string or error line accepted.
const MAX_LINE: usize = 1024 * 1024;

/// What one value costs against a reply's byte budget on top of its bytes: the memory it takes
/// once read, so that a reply of many empty arrays is bounded like one of long strings.
const VALUE_COST: usize = std::mem::size_of::<Value>();

/// The read buffer size.
const BUFFER: usize = 64 * 1024;

/// Appends `XADD <stream> [MAXLEN ~ <max_len>] * <fields of message>` to `out`.
///
/// The fields are those of [`to_fields`](crate::to_fields), the one definition of the entry layout.
pub(crate) fn xadd(out: &mut Vec<u8>, stream: &str, max_len: Option<usize>, message: &BusMessage) {
    let fields = crate::entry::to_fields(message);
    let args = 3 + if max_len.is_some() { 3 } else { 0 } + 2 * fields.len();
    array(out, args);
    bulk(out, b"XADD");
    bulk(out, stream.as_bytes());
    if let Some(max_len) = max_len {
        bulk(out, b"MAXLEN");
        bulk(out, b"~");
        bulk(out, itoa::Buffer::new().format(max_len).as_bytes());
    }
    bulk(out, b"*");
    for (name, value) in &fields {
        bulk(out, name.as_bytes());
        bulk(out, value);
    }
}

fn array(out: &mut Vec<u8>, len: usize) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, value: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(itoa::Buffer::new().format(value.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Reads RESP2 replies from a byte stream (a socket), buffering what it reads.
///
/// Each reply has a byte budget: its strings plus [`VALUE_COST`] per value may not exceed
/// `max_reply_bytes`, so that a broken or hostile server announcing huge lengths or streaming
/// endless arrays cannot make the client hold more than that. (Time is bounded by the caller's
/// source, see `connection::Deadline`.)
pub(crate) struct Reader {
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    max_reply_bytes: usize,
    /// What the reply being read may still take.
    budget: usize,
}

impl Reader {
    pub(crate) fn new(max_reply_bytes: usize) -> Self {
        Reader {
            buffer: vec![0; BUFFER],
            start: 0,
            end: 0,
            max_reply_bytes,
            budget: max_reply_bytes,
        }
    }

    /// Reads one reply. An error reply is a [`Value::ServerError`]; a broken stream or an
    /// unreadable reply is an error, after which the stream is out of step and must be closed.
    pub(crate) fn read(&mut self, source: &mut impl Read) -> Result<Value, RedisError> {
        self.budget = self.max_reply_bytes;
        self.read_nested(source, 0)
    }

    /// Takes `bytes` from the reply's budget, or refuses the reply.
    fn charge(&mut self, bytes: usize) -> Result<(), RedisError> {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(invalid_owned(format!(
                "a reply larger than the limit of {} bytes",
                self.max_reply_bytes
            ))),
        }
    }

    fn read_nested(&mut self, source: &mut impl Read, depth: usize) -> Result<Value, RedisError> {
        self.charge(VALUE_COST)?;
        let kind = self.byte(source)?;
        match kind {
            b'$' => match self.length(source)? {
                None => Ok(Value::Nil),
                Some(len) => {
                    // Refused before anything is read or allocated.
                    self.charge(len)?;
                    Ok(Value::BulkString(self.bulk(source, len)?))
                }
            },
            b'*' => match self.length(source)? {
                None => Ok(Value::Nil),
                Some(_) if depth >= MAX_DEPTH => Err(invalid("arrays nested too deeply")),
                Some(len) => {
                    let mut items = Vec::with_capacity(len.min(MAX_ITEM_PREALLOCATION));
                    for _ in 0..len {
                        items.push(self.read_nested(source, depth + 1)?);
                    }
                    Ok(Value::Array(items))
                }
            },
            b':' => {
                let line = self.line_charged(source)?;
                parse_integer(line)
                    .map(Value::Int)
                    .ok_or_else(|| invalid("an invalid integer reply"))
            }
            b'+' => {
                let line = self.line_charged(source)?;
                Ok(match line {
                    b"OK" => Value::Okay,
                    _ => Value::SimpleString(String::from_utf8_lossy(line).into_owned()),
                })
            }
            b'-' => {
                // Rare: let the redis crate build its error value (code, kind, details).
                let mut error = b"-".to_vec();
                error.extend_from_slice(self.line_charged(source)?);
                error.extend_from_slice(b"\r\n");
                redis::parse_redis_value(&error)
            }
            other => Err(invalid_owned(format!("an unknown reply type byte 0x{other:02x}"))),
        }
    }

    fn byte(&mut self, source: &mut impl Read) -> Result<u8, RedisError> {
        if self.start == self.end {
            self.fill(source)?;
        }
        let byte = self.buffer[self.start];
        self.start += 1;
        Ok(byte)
    }

    /// [`line`](Self::line), taken from the reply's budget.
    fn line_charged(&mut self, source: &mut impl Read) -> Result<&[u8], RedisError> {
        let len = self.line(source)?.len();
        self.charge(len)?;
        // The line ended with the CRLF just before the unread bytes.
        let end = self.start - 2;
        Ok(&self.buffer[end - len..end])
    }

    /// The rest of the current line, without its CRLF.
    fn line(&mut self, source: &mut impl Read) -> Result<&[u8], RedisError> {
        let mut searched = self.start;
        loop {
            if let Some(at) = self.buffer[searched..self.end].iter().position(|&byte| byte == b'\n') {
                let newline = searched + at;
                if newline == self.start || self.buffer[newline - 1] != b'\r' {
                    return Err(invalid("a line not ended by CRLF"));
                }
                let line = self.start..newline - 1;
                self.start = newline + 1;
                return Ok(&self.buffer[line]);
            }
            searched = self.end;
            let before = self.start;
            self.fill(source)?;
            // Filling may have moved the unread bytes to the front.
            searched -= before - self.start;
        }
    }

    /// A `$`/`*` length: `None` for -1 (nil).
    fn length(&mut self, source: &mut impl Read) -> Result<Option<usize>, RedisError> {
        let line = self.line(source)?;
        match parse_integer(line) {
            Some(-1) => Ok(None),
            Some(len) if len >= 0 => Ok(Some(usize::try_from(len).unwrap_or(usize::MAX))),
            _ => Err(invalid("an invalid length")),
        }
    }

    fn bulk(&mut self, source: &mut impl Read, len: usize) -> Result<Vec<u8>, RedisError> {
        let mut bytes = Vec::with_capacity(len.min(MAX_PREALLOCATION));
        while bytes.len() < len {
            if self.start == self.end {
                self.fill(source)?;
            }
            let take = (len - bytes.len()).min(self.end - self.start);
            bytes.extend_from_slice(&self.buffer[self.start..self.start + take]);
            self.start += take;
        }
        if self.byte(source)? != b'\r' || self.byte(source)? != b'\n' {
            return Err(invalid("a bulk string not ended by CRLF"));
        }
        Ok(bytes)
    }

    /// Reads more bytes after the unread ones, making room first.
    fn fill(&mut self, source: &mut impl Read) -> Result<(), RedisError> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            // A line longer than the buffer (a long simple string or error).
            if self.buffer.len() >= MAX_LINE {
                return Err(invalid("a line longer than 1 MiB"));
            }
            self.buffer.resize(self.buffer.len() * 2, 0);
        }
        loop {
            match source.read(&mut self.buffer[self.end..]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(read) => {
                    self.end += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error.into()),
            }
        }
    }
}

fn parse_integer(text: &[u8]) -> Option<i64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

fn invalid(what: &'static str) -> RedisError {
    RedisError::from((ErrorKind::Parse, "invalid reply", what.to_owned()))
}

fn invalid_owned(what: String) -> RedisError {
    RedisError::from((ErrorKind::Parse, "invalid reply", what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use events_core::EventsMetadata;

    /// A source that hands out its bytes a few at a time, as a socket may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(self.1);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn read_all(bytes: &[u8], chunk: usize) -> Vec<Result<Value, RedisError>> {
        let mut reader = Reader::new(1 << 30);
        let mut source = Trickle(bytes, chunk);
        let mut replies = Vec::new();
        while !source.0.is_empty() || reader.start < reader.end {
            replies.push(reader.read(&mut source));
        }
        replies
    }

    #[test]
    fn replies_read_as_the_redis_crate_reads_them_however_the_bytes_arrive() {
        let big = "x".repeat(200_000);
        let replies = format!(
            "+OK\r\n+PONG\r\n:-42\r\n$-1\r\n*-1\r\n$0\r\n\r\n$5\r\na\r\nbc\r\n*2\r\n*1\r\n$1\r\ns\r\n:7\r\n${}\r\n{big}\r\n-NOGROUP No such key\r\n",
            big.len()
        );
        for chunk in [1, 2, 3, 7, 4096, usize::MAX] {
            let ours = read_all(replies.as_bytes(), chunk);
            // The redis crate's parser buffers ahead: ask it for the ten replies.
            let mut parser = redis::Parser::new();
            let mut rest = replies.as_bytes();
            let theirs: Vec<_> = (0..10).map(|_| parser.parse_value(&mut rest)).collect();
            assert_eq!(ours.len(), 10, "chunk {chunk}");
            for (ours, theirs) in ours.iter().zip(&theirs) {
                assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "chunk {chunk}");
            }
        }
    }

    #[test]
    fn broken_replies_are_errors_and_huge_lengths_allocate_nothing_ahead() {
        for bad in [
            &b"?\r\n"[..],
            b":12x\r\n",
            b"$3\r\nabcd\r\n",
            b"+no newline",
            b"$99999999999\r\n",
            b"*-2\r\n",
            b"$5\r\nab",
        ] {
            let mut reader = Reader::new(1 << 30);
            let result = reader.read(&mut &bad[..]);
            assert!(result.is_err(), "{:?}: {result:?}", String::from_utf8_lossy(bad));
        }
        // Announces 512 MiB and ends: an error, not an allocation of 512 MiB.
        let mut reader = Reader::new(1 << 30);
        let error = reader.read(&mut &b"$536870912\r\nabc"[..]).unwrap_err();
        assert!(error.is_connection_dropped(), "{error}");
    }

    #[test]
    fn the_encoding_is_the_one_of_the_redis_crate() {
        let message = BusMessage::new(
            EventsMetadata::new("com.example.learning.thing.happened.v1"),
            vec![0, 1, 2, 0xff, b'\r', b'\n'],
        );
        for max_len in [Some(10_000), None] {
            let mut expected = redis::cmd("XADD");
            expected.arg("runs");
            if let Some(max_len) = max_len {
                expected.arg("MAXLEN").arg("~").arg(max_len);
            }
            expected.arg("*");
            for (name, value) in crate::entry::to_fields(&message) {
                expected.arg(name).arg(&*value);
            }
            let mut out = Vec::new();
            xadd(&mut out, "runs", max_len, &message);
            assert_eq!(out, expected.get_packed_command());
        }
    }

    #[test]
    fn a_reply_over_its_byte_budget_is_refused_before_it_is_held() {
        // An array announcing 2^29 items, then streaming empty arrays: each costs a value.
        let mut bytes = b"*536870912\r\n".to_vec();
        bytes.extend(b"*0\r\n".repeat(1_000_000));
        let mut reader = Reader::new(64 * 1024);
        let error = reader.read(&mut bytes.as_slice()).unwrap_err();
        assert!(
            error.to_string().contains("larger than the limit of 65536 bytes"),
            "{error}"
        );
        // A bulk string longer than the budget is refused from its length alone.
        let mut reader = Reader::new(64 * 1024);
        let error = reader.read(&mut &b"$65537\r\n"[..]).unwrap_err();
        assert!(error.to_string().contains("larger than the limit"), "{error}");
        // Simple strings count too.
        let line = format!("+{}\r\n", "x".repeat(70_000));
        let error = Reader::new(64 * 1024).read(&mut line.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("larger than the limit"), "{error}");
    }

    #[test]
    fn the_budget_is_per_reply() {
        let one = format!("${}\r\n{}\r\n", 40_000, "y".repeat(40_000));
        let replies = one.repeat(5);
        let mut reader = Reader::new(64 * 1024);
        let mut source = replies.as_bytes();
        for _ in 0..5 {
            assert_eq!(reader.read(&mut source).unwrap(), Value::BulkString(vec![b'y'; 40_000]));
        }
    }

    #[test]
    fn deeply_nested_arrays_are_refused_not_followed() {
        let bytes = "*1\r\n".repeat(100_000);
        let mut reader = Reader::new(1 << 30);
        let error = reader.read(&mut bytes.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("nested too deeply"), "{error}");
    }

    #[test]
    fn an_endless_line_is_refused_at_a_bound() {
        let bytes = vec![b'+'; 4 * 1024 * 1024];
        let mut reader = Reader::new(1 << 30);
        let error = reader.read(&mut bytes.as_slice()).unwrap_err();
        assert!(error.to_string().contains("longer than 1 MiB"), "{error}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512), chunk in 1usize..64) {
            let mut reader = Reader::new(1 << 30);
            let mut source = Trickle(&bytes, chunk);
            while !source.0.is_empty() || reader.start < reader.end {
                if reader.read(&mut source).is_err() {
                    break;
                }
            }
        }
    }
}
