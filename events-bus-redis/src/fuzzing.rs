//! Entry points for the fuzz targets (`fuzz/`) and for the tests that replay what they found.
//! Not part of the API: hidden from the documentation and free to change.

use std::io::{self, Read};

use crate::reply;
use crate::resp::Reader;

/// A source that hands out its bytes `chunk` at a time, as a socket may.
struct Chunked<'a> {
    bytes: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.bytes.len().min(out.len()).min(self.chunk);
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Reads replies from `bytes`, handed to the reader `chunk` bytes at a time (at least one),
/// until the bytes run out or a reply is refused, and reads every reply as the stream commands'
/// replies are read (`XREADGROUP`, `XAUTOCLAIM`). Returns how many replies were read.
pub fn read_replies(bytes: &[u8], chunk: usize) -> usize {
    let mut source = Chunked {
        bytes,
        chunk: chunk.max(1),
    };
    // A small budget, so that what a fuzzer can make the reader hold stays small too.
    let mut reader = Reader::new(1024 * 1024);
    let mut read = 0;
    while let Ok(value) = reader.read(&mut source) {
        read += 1;
        let _ = reply::read_group(value.clone());
        let _ = reply::autoclaim(value);
    }
    read
}
