//! The commands beside serving: `validate`, `export`, `import`, `completions` (and the older
//! `--check`, `--export`, `--compact`, `--print-schema` in `main.rs`). Each prints what it did
//! on stdout and its problems on stderr; the exit code says which.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use newsgraph::config::{self, ExportArgs, ExportFormat, ImportArgs, ImportFormat, ValidateArgs};
use newsgraph::interchange::{self, Format, Imported, view};
use newsgraph::seed::{self, SeedSource};
use newsgraph::store::Store;

/// `newsgraph validate DIR`: every problem of the seed, exit 1 if there is any.
pub fn validate(args: &ValidateArgs) -> ExitCode {
    let source = SeedSource::Dir(args.dir.clone());
    match seed::validate(&source) {
        Ok(g) => {
            println!(
                "{}: valid, {} nodes, {} relations",
                args.dir.display(),
                g.node_count(),
                g.relation_count()
            );
            std::mem::forget(g);
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            let n = problems.len();
            eprintln!(
                "{}: {n} problem{}",
                args.dir.display(),
                if n == 1 { "" } else { "s" }
            );
            ExitCode::FAILURE
        }
    }
}

/// `newsgraph completions SHELL`.
pub fn completions(shell: clap_complete::Shell) {
    let mut cmd = config::command();
    clap_complete::generate(shell, &mut cmd, "newsgraph", &mut std::io::stdout());
}

/// `newsgraph export`: the graph, or the part the flags select, in a format.
pub fn export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    let g = store.graph();
    let view = view::View {
        as_of: args.as_of,
        around: args.around.as_ref().map(|id| view::Around {
            id: id.clone(),
            depth: args.depth,
            limit: args.limit,
        }),
        path: args
            .path
            .as_ref()
            .and_then(|p| Some((p.first()?.clone(), p.get(1)?.clone()))),
    };
    let records = view::records(&g, &view)?;
    let counts = format!(
        "{} entities, {} events, {} sources, {} relations",
        records.entities.len(),
        records.events.len(),
        records.sources.len(),
        records.relations.len()
    );
    let wrote = |to: &Path| {
        println!(
            "exported version {} ({counts}) to {}",
            g.version(),
            to.display()
        );
    };
    match (args.format, &args.out) {
        (ExportFormat::Seed | ExportFormat::Csv, None) => bail!(
            "--format {} writes a directory: give --out DIR",
            name(args.format)
        ),
        (ExportFormat::Seed, Some(dir)) => {
            for (rel, content) in seed::export(&records)? {
                write_file(&dir.join(rel), |out| out.write_all(content.as_bytes()))?;
            }
            wrote(dir);
        }
        (ExportFormat::Csv, Some(dir)) => {
            // Each file streams from the records to the disk: at 10⁶ nodes they are gigabytes.
            for format in [Format::CsvNodes, Format::CsvRelationships] {
                write_file(&dir.join(format.file_name()), |out| {
                    interchange::write(format, &records, &args.base_iri, out)
                })?;
            }
            wrote(dir);
        }
        (single, Some(path)) => {
            let format = single_format(single);
            write_file(path, |out| {
                interchange::write(format, &records, &args.base_iri, out)
            })?;
            wrote(path);
        }
        (single, None) => {
            let format = single_format(single);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            interchange::write(format, &records, &args.base_iri, &mut out)
                .and_then(|()| out.flush())
                .context("cannot write to standard output")?;
        }
    }
    Ok(())
}

fn name(f: ExportFormat) -> String {
    use clap::ValueEnum;
    f.to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

fn single_format(f: ExportFormat) -> Format {
    match f {
        ExportFormat::Jsonld => Format::JsonLd,
        ExportFormat::Turtle => Format::Turtle,
        ExportFormat::Ntriples => Format::NTriples,
        ExportFormat::Graphml => Format::GraphMl,
        ExportFormat::Cypher => Format::Cypher,
        ExportFormat::Dot => Format::Dot,
        ExportFormat::Csv | ExportFormat::Seed => {
            unreachable!("directory formats are written above")
        }
    }
}

/// Creates `path` (and its directory) and writes it through a buffer with `write`.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `newsgraph import`: reads the files, validates the result as a whole, and makes it the
/// data directory's snapshot. Exit 1 with every problem when the files do not read.
pub fn import(
    seed_source: &SeedSource,
    data_dir: &Path,
    args: &ImportArgs,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let progress = progress(args.quiet);
    progress.set_message("reading");
    let imported = match read_import(args) {
        Ok(imported) => imported,
        Err(problems) => {
            progress.finish_and_clear();
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("{} problem(s): nothing was imported", problems.len());
            return Ok(ExitCode::FAILURE);
        }
    };
    let rows = imported.records.sources.len()
        + imported.records.entities.len()
        + imported.records.events.len()
        + imported.records.relations.len();
    progress.set_message(format!("validating {rows} records"));
    progress.set_message("loading the data directory");
    let store = Store::open(seed_source, Some(data_dir))
        .with_context(|| format!("cannot open {}", data_dir.display()))?;
    let (graph, merged) = if args.replace {
        match interchange::build(&imported) {
            Ok(g) => (g, imported.records),
            Err(p) => {
                progress.finish_and_clear();
                eprintln!("{p}");
                eprintln!("nothing was imported");
                return Ok(ExitCode::FAILURE);
            }
        }
    } else {
        progress.set_message(format!("validating {rows} records with the graph"));
        match interchange::build_onto(seed::records_of(&store.graph()), imported) {
            Ok(built) => built,
            Err(p) => {
                progress.finish_and_clear();
                eprintln!("{p}");
                eprintln!("nothing was imported");
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    progress.set_message("writing the snapshot");
    let version = store.import(graph, &merged)?;
    progress.finish_and_clear();
    println!(
        "imported {rows} records into {} (version {version}) in {:.1} s",
        data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// A spinner with the current step, on a terminal only.
fn progress(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

fn read_import(args: &ImportArgs) -> Result<Imported, Vec<interchange::Problem>> {
    let unreadable = |path: &Path, e: std::io::Error| {
        vec![interchange::Problem {
            file: path.display().to_string(),
            line: None,
            column: None,
            reason: format!("cannot read: {e}"),
        }]
    };
    let read = |path: &Path| std::fs::read(path).map_err(|e| unreadable(path, e));
    match args.format {
        ImportFormat::Csv => {
            let (nodes, relationships) = csv_paths(&args.files);
            let (n, r) = (read(&nodes)?, read(&relationships)?);
            interchange::csv::read(
                (&nodes.display().to_string(), &n),
                (&relationships.display().to_string(), &r),
            )
        }
        ImportFormat::Turtle | ImportFormat::Ntriples => {
            let [file] = &args.files[..] else {
                return Err(vec![interchange::Problem {
                    file: args.files[1].display().to_string(),
                    line: None,
                    column: None,
                    reason: "RDF is read from one file".into(),
                }]);
            };
            let syntax = if args.format == ImportFormat::Turtle {
                interchange::rdf::RdfSyntax::Turtle
            } else {
                interchange::rdf::RdfSyntax::NTriples
            };
            let bytes = read(file)?;
            interchange::rdf::read(&bytes, syntax, &file.display().to_string(), &args.base_iri)
        }
    }
}

/// The nodes and relationships files: given both, or a directory holding both.
fn csv_paths(files: &[PathBuf]) -> (PathBuf, PathBuf) {
    match files {
        [dir] => (
            dir.join(interchange::csv::NODES),
            dir.join(interchange::csv::RELATIONSHIPS),
        ),
        [nodes, relationships, ..] => (nodes.clone(), relationships.clone()),
        [] => (
            PathBuf::from(interchange::csv::NODES),
            PathBuf::from(interchange::csv::RELATIONSHIPS),
        ),
    }
}
