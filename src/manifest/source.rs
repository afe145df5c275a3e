//! Reading manifest, numbers and LOA files defensively: only regular files (a FIFO or a
//! device is refused from its metadata, before it is opened, so it can neither block nor
//! stream forever), a size cap checked before and while reading, UTF-8 and NUL checks that
//! report the exact byte, and a line index for turning byte offsets into line and column.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileTypeExt as _;
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
    /// Not a regular file: a FIFO, socket, device or directory.
    NotRegular {
        /// What it is instead, as messages name it: "a FIFO (named pipe)".
        kind: &'static str,
    },
    /// The file is larger than the limit.
    TooLarge {
        /// Its size from its metadata, or `None` when it grew past the limit while being
        /// read (its metadata said less).
        size: Option<u64>,
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
        /// The text before it, to compute line and column.
        valid_prefix: String,
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

/// Where each line starts. A line ends at LF, CRLF or a lone CR, as YAML counts them, so
/// the line the parser names is the line quoted.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (index, byte) in bytes.iter().enumerate() {
        let ends_line = *byte == b'\n' || (*byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'));
        if ends_line {
            starts.push(index + 1);
        }
    }
    starts
}

/// Opens `path` only when it is a regular file. The metadata is checked before opening,
/// because opening a FIFO blocks until something writes to it and reading one may never
/// end; it is checked again on the open file in case the path was replaced in between.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    let metadata = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            kind: kind_of(&metadata.file_type()),
        });
    }
    let file = File::open(path).map_err(ReadError::Io)?;
    let metadata = file.metadata().map_err(ReadError::Io)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular {
            kind: kind_of(&metadata.file_type()),
        });
    }
    Ok(file)
}

/// How messages name a file type that is not a regular file.
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// The size of an open file from its metadata, refused when over `limit`: a huge file is
/// turned down before a byte of it is read.
pub fn checked_size(file: &File, limit: u64) -> Result<u64, ReadError> {
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > limit {
        return Err(ReadError::TooLarge {
            size: Some(size),
            limit,
        });
    }
    Ok(size)
}

/// Reads a regular file of at most `limit` bytes as text; the cap is checked before reading
/// (from the metadata) and while reading (a file that grows cannot get past it).
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    let file = open_regular(path)?;
    let size = checked_size(&file, limit)?;
    let bytes = read_capped(file, limit, size)?;
    into_text(bytes)
}

/// Reads at most `limit` bytes of `reader` (`expected` is a hint for the allocation);
/// `TooLarge` as soon as there are more.
pub fn read_capped(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(usize::try_from(expected.min(limit)).unwrap_or(0));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(ReadError::TooLarge { size: None, limit });
    }
    Ok(bytes)
}

fn into_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let mut bytes = error.into_bytes();
        bytes.truncate(offset);
        let valid_prefix = String::from_utf8_lossy(&bytes).into_owned();
        ReadError::NotUtf8 {
            offset,
            valid_prefix,
        }
    })?;
    if let Some((valid_prefix, _)) = text.split_once('\0') {
        return Err(ReadError::Nul {
            offset: valid_prefix.len(),
            valid_prefix: valid_prefix.to_owned(),
        });
    }
    Ok(text)
}

/// What hashing a PDF found: whether it starts like one, and its SHA-256.
#[derive(Debug, PartialEq, Eq)]
pub struct Hashed {
    /// The first bytes are `%PDF-`.
    pub is_pdf: bool,
    /// Lowercase hex SHA-256 of the whole content, the form the documents API reports.
    pub sha256: String,
    /// Bytes read: the size the documents API reports, compared when it gives no sha256.
    pub size: u64,
}

/// Hashes at most `limit` bytes of `reader` as they are read, never holding the content:
/// `TooLarge` as soon as there are more, whatever the metadata said.
pub fn hash_capped(reader: impl Read, limit: u64) -> Result<Hashed, ReadError> {
    use sha2::Digest as _;
    let mut reader = reader.take(limit.saturating_add(1));
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0_u8; 64 * 1024];
    let mut head: Vec<u8> = Vec::with_capacity(5);
    let mut total: u64 = 0;
    loop {
        let count = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(ReadError::Io(error)),
        };
        // `Read` promises `count <= buffer.len()`; a reader that breaks it is an error,
        // never a shorter chunk that would hash to the wrong digest.
        let Some(chunk) = buffer.get(..count) else {
            return Err(ReadError::Io(std::io::Error::other(
                "the reader returned more bytes than the buffer holds",
            )));
        };
        head.extend(chunk.iter().take(5_usize.saturating_sub(head.len())));
        hasher.update(chunk);
        total = total.saturating_add(u64::try_from(count).unwrap_or(u64::MAX));
        if total > limit {
            return Err(ReadError::TooLarge { size: None, limit });
        }
    }
    Ok(Hashed {
        is_pdf: head == b"%PDF-",
        size: total,
        sha256: crate::model::hex(&hasher.finalize()),
    })
}

/// "is N bytes; the limit is …" for a file over a limit: exact bytes, so a file one byte
/// over does not read as equal to the limit; "is more than …" for one that grew past the
/// limit while being read, whose size is not known.
pub fn over_limit(size: Option<u64>, limit: u64) -> String {
    let limit_text = if limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB", limit / (1024 * 1024))
    } else if limit.is_multiple_of(1_000_000) {
        format!("{} MB", limit / 1_000_000)
    } else {
        format!("{limit} bytes")
    };
    match size {
        Some(size) => format!("is {size} bytes; the limit is {limit_text} ({limit} bytes)"),
        None => format!(
            "grew past the limit while being read: more than {limit} bytes; the limit is \
             {limit_text}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_limit_is_exact() {
        assert_eq!(
            over_limit(Some(67_108_865), 67_108_864),
            "is 67108865 bytes; the limit is 64 MiB (67108864 bytes)"
        );
        assert_eq!(
            over_limit(Some(20_000_001), 20_000_000),
            "is 20000001 bytes; the limit is 20 MB (20000000 bytes)"
        );
        assert_eq!(
            over_limit(Some(11), 10),
            "is 11 bytes; the limit is 10 bytes (10 bytes)"
        );
        assert_eq!(
            over_limit(None, 20_000_000),
            "grew past the limit while being read: more than 20000000 bytes; the limit is 20 MB"
        );
    }

    /// A stream whose metadata says nothing (a FIFO, a file in /proc) is cut off at the
    /// cap plus one byte, hashed or read: an endless stream ends.
    #[test]
    fn issue_9_caps_hold_while_reading() {
        let endless = || std::io::repeat(b'%');
        assert!(matches!(
            hash_capped(endless(), 20_000_000),
            Err(ReadError::TooLarge {
                size: None,
                limit: 20_000_000
            })
        ));
        assert!(matches!(
            read_capped(endless(), 1000, 0),
            Err(ReadError::TooLarge {
                size: None,
                limit: 1000
            })
        ));
        let exact = b"%PDF-1.4\n".repeat(1000);
        let hashed = hash_capped(exact.as_slice(), 10_000).unwrap();
        assert_eq!(
            hashed,
            Hashed {
                is_pdf: true,
                size: 9_000,
                sha256: {
                    use sha2::Digest as _;
                    sha2::Sha256::digest(&exact)
                        .iter()
                        .map(|byte| format!("{byte:02x}"))
                        .collect()
                }
            }
        );
        assert!(matches!(
            hash_capped(exact.as_slice(), 8_999),
            Err(ReadError::TooLarge { size: None, .. })
        ));
        assert_eq!(read_capped(b"abc".as_slice(), 3, 3).unwrap(), b"abc");
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

    #[test]
    fn a_lone_cr_ends_a_line_as_yaml_counts_it() {
        let source = SourceText::new("m.yaml".into(), "a\rb\r\nc\n\rd\r".to_owned());
        let lines: Vec<_> = (1..=6).map(|line| source.line(line)).collect();
        assert_eq!(
            lines,
            [
                Some("a"),
                Some("b"),
                Some("c"),
                Some(""),
                Some("d"),
                Some("")
            ]
        );
        assert_eq!(source.line(7), None);
        assert_eq!(source.position(2), (2, 1));
        assert_eq!(source.position(5), (3, 1));
        assert_eq!(source.position(8), (5, 1));
        assert_eq!(source.position(9), (5, 2));
    }
}
