//! Writing a record set back out in the seed format, so the current graph (seed plus every
//! write) can be edited by hand, diffed, or served as the seed of another server.

use std::collections::BTreeMap;

use super::Section;
use super::records::*;

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {file}: {reason}")]
pub struct ExportError {
    pub file: String,
    pub reason: String,
}

/// The seed files of `records`, by relative path: the four TOML files and one text file per
/// source (`sources/<slug>.txt`). Loading them gives the same records back.
pub fn export(records: &RecordSet) -> Result<BTreeMap<String, String>, ExportError> {
    let mut files = BTreeMap::new();
    let mut sources = vec![];
    for s in &records.sources {
        let mut s = s.clone();
        let slug =
            s.id.split_once('/')
                .map_or(s.id.as_str(), |(_, slug)| slug)
                .replace('/', "-");
        let path = s
            .text_file
            .clone()
            .unwrap_or_else(|| format!("sources/{slug}.txt"));
        files.insert(path.clone(), s.text.take().unwrap_or_default());
        s.text_file = Some(path);
        sources.push(s);
    }
    let toml = |file: &str, value: Result<String, toml::ser::Error>| {
        value.map_err(|e| ExportError {
            file: file.to_string(),
            reason: e.to_string(),
        })
    };
    let header = "# Exported by newsgraph; the seed format is described in the README.\n\n";
    let mut put = |section: Section, body: String| {
        files.insert(section.file().to_string(), format!("{header}{body}"));
    };
    put(
        Section::Sources,
        toml(
            "sources.toml",
            toml::to_string(&SourcesFile { source: sources }),
        )?,
    );
    put(
        Section::Entities,
        toml(
            "entities.toml",
            toml::to_string(&EntitiesFile {
                entity: records.entities.clone(),
            }),
        )?,
    );
    put(
        Section::Events,
        toml(
            "events.toml",
            toml::to_string(&EventsFile {
                event: records.events.clone(),
            }),
        )?,
    );
    put(
        Section::Relations,
        toml(
            "relations.toml",
            toml::to_string(&RelationsFile {
                relation: records.relations.clone(),
            }),
        )?,
    );
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{SeedSource, build, read};

    #[test]
    fn an_export_loads_back_into_the_same_records_and_graph() {
        let original = read(&SeedSource::BuiltIn).unwrap();
        let files = export(&original).unwrap();
        assert!(files.contains_key("entities.toml"));
        let again = read(&SeedSource::Files(files)).unwrap();
        assert_eq!(again, original);
        let (a, b) = (build(&original).unwrap(), build(&again).unwrap());
        assert_eq!(
            (a.node_count(), a.relation_count()),
            (b.node_count(), b.relation_count())
        );
    }

    #[test]
    fn sources_given_inline_get_a_text_file() {
        let mut records = read(&SeedSource::BuiltIn).unwrap();
        records.sources[0].text_file = None;
        let files = export(&records).unwrap();
        assert!(files.contains_key("sources/chaspravdy-2025-06-28-ottawa-withdrawal.txt"));
        let again = read(&SeedSource::Files(files)).unwrap();
        assert_eq!(again.sources[0].text, records.sources[0].text);
    }
}
