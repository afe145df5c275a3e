//! Reading manifest and numbers files defensively: a size cap checked before and while
//! reading, UTF-8 and NUL checks that report the exact byte, and a line index for turning
//! byte offsets into line and column.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest manifest telrep reads; real manifests are kilobytes, fleets go in numbers files.
pub const MANIFEST_LIMIT: u64 = 16 * 1024 * 1024;
/// The largest numbers file telrep reads: about four million numbers.
pub const NUMBERS_FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// The file is larger than the limit (`size` is what was seen, at least limit + 1).
    TooLarge {
        /// Bytes seen.
        size: u64,
        /// The limit that applies.
        limit: u64,
    },
    /// Bytes that are not UTF-8 start at this offset.
    NotUtf8 {
        /// Byte offset of the first bad byte.
        offset: usize,
        /// The text before it, to compute line and column.
        valid_prefix: String,
    },
    /// A NUL byte at this offset, which no manifest or numbers file has.
    Nul {
        /// Byte offset of the NUL.
        offset: usize,
    },
}

/// A file read as text, with its line starts.
#[derive(Debug)]
pub struct SourceText {
    /// The path as the user named it (used in messages).
    pub path: PathBuf,
    /// The whole text.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceText {
    /// Wraps text already in memory (and indexes its lines).
    pub fn new(path: PathBuf, text: String) -> Self {
        let line_starts = line_starts(&text);
        Self {
            path,
            text,
            line_starts,
        }
    }

    /// Reads `path` with a cap of `limit` bytes, refusing what is not UTF-8 text.
    pub fn read(path: &Path, limit: u64) -> Result<Self, ReadError> {
        let text = read_text(path, limit)?;
        Ok(Self::new(path.to_owned(), text))
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(0, |prefix| prefix.chars().count());
        (line_index + 1, column + 1)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text.get(start..end)?;
        Some(text.trim_end_matches(['\n', '\r']))
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(newline_offsets(text).map(|index| index + 1))
        .collect()
}

fn newline_offsets(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, byte)| byte == b'\n')
        .map(|(index, _)| index)
}

/// Reads at most `limit` bytes; checks the size before reading (cheap refusal of a huge
/// file) and while reading (a file that grows, or a FIFO, cannot get past the cap).
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = File::open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if metadata.len() > limit {
        return Err(ReadError::TooLarge {
            size: metadata.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let bytes = error.into_bytes();
        let valid_prefix = bytes
            .get(..offset)
            .map(|prefix| String::from_utf8_lossy(prefix).into_owned())
            .unwrap_or_default();
        ReadError::NotUtf8 {
            offset,
            valid_prefix,
        }
    })?;
    if let Some(offset) = text.bytes().position(|byte| byte == 0) {
        return Err(ReadError::Nul { offset });
    }
    Ok(text)
}

/// "is N bytes; the limit is …" for a file over a limit: exact bytes, so a file one byte
/// over does not read as equal to the limit.
pub fn over_limit(size: u64, limit: u64) -> String {
    let limit_text = if limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else if limit.is_multiple_of(1_000_000) {
        format!("{} MB", limit / 1_000_000)
    } else {
        format!("{limit} bytes")
    };
    format!("is {size} bytes; the limit is {limit_text} ({limit} bytes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_limit_is_exact() {
        assert_eq!(
            over_limit(67_108_865, 67_108_864),
            "is 67108865 bytes; the limit is 64 MiB (67108864 bytes)"
        );
        assert_eq!(
            over_limit(20_000_001, 20_000_000),
            "is 20000001 bytes; the limit is 20 MB (20000000 bytes)"
        );
        assert_eq!(
            over_limit(11, 10),
            "is 11 bytes; the limit is 10 bytes (10 bytes)"
        );
    }

    #[test]
    fn positions_and_lines() {
        let source = SourceText::new("m.yaml".into(), "ab\ncdé f\n\nx".to_owned());
        assert_eq!(source.position(0), (1, 1));
        assert_eq!(source.position(3), (2, 1));
        assert_eq!(source.position(8), (2, 5));
        assert_eq!(source.position(10), (3, 1));
        assert_eq!(source.position(11), (4, 1));
        assert_eq!(source.line(2), Some("cdé f"));
        assert_eq!(source.line(3), Some(""));
        assert_eq!(source.line(4), Some("x"));
        assert_eq!(source.line(5), None);
        assert_eq!(source.line(0), None);
    }
}
