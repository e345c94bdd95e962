//! Where generated records go on disk: the four `.jsonl` files of a bulk seed, each behind a
//! large buffer, counting the bytes written.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{GenerateError, Sink};
use crate::seed::{EntityRecord, EventRecord, RelationRecord, SourceRecord};

/// A writer that counts what passes through it.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streams records to the four `.jsonl` files of a bulk seed.
pub(super) struct JsonlSink {
    files: Vec<(PathBuf, Counting<BufWriter<File>>)>,
}

impl JsonlSink {
    const SOURCES: usize = 0;
    const ENTITIES: usize = 1;
    const EVENTS: usize = 2;
    const RELATIONS: usize = 3;

    pub(super) fn create(dir: &Path) -> Result<Self, GenerateError> {
        let mut files = vec![];
        for name in [
            "sources.jsonl",
            "entities.jsonl",
            "events.jsonl",
            "relations.jsonl",
        ] {
            let path = dir.join(name);
            let f = File::create(&path).map_err(|e| GenerateError::Write {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let w = Counting {
                inner: BufWriter::with_capacity(1 << 20, f),
                bytes: 0,
            };
            files.push((path, w));
        }
        Ok(JsonlSink { files })
    }

    fn put<T: serde::Serialize>(&mut self, file: usize, record: &T) -> io::Result<()> {
        let w = &mut self.files[file].1;
        serde_json::to_writer(&mut *w, record).map_err(io::Error::other)?;
        w.write_all(b"\n")
    }

    /// Flushes every file; the bytes written.
    pub(super) fn finish(self) -> Result<u64, GenerateError> {
        let mut total = 0;
        for (path, mut w) in self.files {
            w.flush().map_err(|e| GenerateError::Write {
                path,
                reason: e.to_string(),
            })?;
            total += w.bytes;
        }
        Ok(total)
    }
}

impl Sink for JsonlSink {
    fn entity(&mut self, r: EntityRecord) -> io::Result<()> {
        self.put(Self::ENTITIES, &r)
    }
    fn event(&mut self, r: EventRecord) -> io::Result<()> {
        self.put(Self::EVENTS, &r)
    }
    fn relation(&mut self, r: RelationRecord) -> io::Result<()> {
        self.put(Self::RELATIONS, &r)
    }
    fn source(&mut self, r: SourceRecord) -> io::Result<()> {
        self.put(Self::SOURCES, &r)
    }
}
