//! `importCsv`: the two CSV files of `newsgraph export --format csv` (or of
//! `GET /export?format=csv-nodes` and `csv-relationships`) as one all-or-nothing write. The
//! files are read by the same reader as the command line's import; each record becomes the
//! change that adds it, and the batch is applied like `applyChanges`: one journal record, one
//! version, nothing applied when anything is refused. Every problem names its file's line.

use async_graphql::{ID, InputObject, SimpleObject};

use super::user_errors::{UserError, UserErrorCode};
use super::{check_access, commit, touched_ids};
use crate::api::ApiError;
use crate::interchange::{self, Imported, Origin, Problem};
use crate::store::{Change, StoreError};

/// The two files, as text.
#[derive(InputObject)]
pub struct ImportCsvInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// `nodes.csv`: a header, then a row per source, entity and event.
    pub nodes: String,
    /// `relationships.csv`: a header, then a row per relation (empty: none).
    #[graphql(default)]
    pub relationships: String,
}

/// What `importCsv` did.
#[derive(SimpleObject)]
pub struct ImportCsvPayload {
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
    /// The graph version the import produced; null when it was refused.
    pub version: Option<u64>,
    /// How many records were imported: all of them, or none when refused.
    pub imported: usize,
    /// Ids of the nodes and relations touched.
    pub touched_ids: Vec<ID>,
    /// What is wrong (the field is `nodes` or `relationships`; the message starts with the
    /// file, line and column); empty when the import was applied.
    pub user_errors: Vec<UserError>,
}

/// The names problems give the two files.
const NODES: &str = interchange::csv::NODES;
const RELATIONSHIPS: &str = interchange::csv::RELATIONSHIPS;

fn field_of(file: &str) -> Option<Vec<String>> {
    let field = if file == RELATIONSHIPS {
        "relationships"
    } else {
        "nodes"
    };
    Some(vec![field.to_string()])
}

fn from_problem(p: &Problem) -> UserError {
    UserError {
        field: field_of(&p.file),
        message: p.to_string(),
        code: UserErrorCode::Invalid,
    }
}

/// The records as the changes that add them, each with where its record came from.
fn changes_of(imported: Imported) -> (Vec<Change>, Vec<Origin>) {
    let Imported { records, origins } = imported;
    let mut changes = Vec::new();
    changes.extend(
        records
            .sources
            .into_iter()
            .map(|source| Change::AddSource { source }),
    );
    changes.extend(
        records
            .entities
            .into_iter()
            .map(|entity| Change::AddEntity { entity }),
    );
    changes.extend(
        records
            .events
            .into_iter()
            .map(|event| Change::AddEvent { event }),
    );
    changes.extend(
        records
            .relations
            .into_iter()
            .map(|relation| Change::AddRelation { relation }),
    );
    let mut places = origins.sources;
    places.extend(origins.entities);
    places.extend(origins.events);
    places.extend(origins.relations);
    (changes, places)
}

pub(super) async fn import_csv(
    ctx: &async_graphql::Context<'_>,
    input: ImportCsvInput,
) -> Result<ImportCsvPayload, ApiError> {
    let writer = check_access(ctx)?;
    let cmid = input.client_mutation_id;
    let refused = |user_errors| ImportCsvPayload {
        client_mutation_id: cmid.clone(),
        version: None,
        imported: 0,
        touched_ids: vec![],
        user_errors,
    };
    let read = interchange::csv::read(
        (NODES, input.nodes.as_bytes()),
        (RELATIONSHIPS, input.relationships.as_bytes()),
    );
    let imported = match read {
        Ok(imported) => imported,
        Err(problems) => return Ok(refused(problems.iter().map(from_problem).collect())),
    };
    let (changes, places) = changes_of(imported);
    let n = changes.len();
    if n == 0 {
        return Ok(refused(vec![UserError {
            field: field_of(NODES),
            message: "nothing to import: the files hold no records".into(),
            code: UserErrorCode::Invalid,
        }]));
    }
    Ok(match commit(ctx, writer, changes, cmid.clone()).await? {
        Ok(applied) => ImportCsvPayload {
            client_mutation_id: cmid.clone(),
            version: Some(applied.event.version),
            imported: n,
            touched_ids: touched_ids(&applied),
            user_errors: vec![],
        },
        Err(StoreError::Rejected {
            message,
            change,
            error,
        }) => {
            let place = places.get(change);
            let at = place.map_or_else(String::new, |o| format!("{}:{}: ", o.file, o.line));
            refused(vec![UserError {
                field: field_of(place.map_or(NODES, |o| o.file.as_str())),
                message: format!("{at}{message}"),
                code: error.problem.into(),
            }])
        }
        Err(StoreError::Invalid(message)) => refused(vec![UserError {
            field: None,
            message,
            code: UserErrorCode::Invalid,
        }]),
        Err(other) => return Err(ApiError::Internal(other.to_string())),
    })
}
