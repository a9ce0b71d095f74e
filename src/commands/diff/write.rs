//! `dbward diff --write NAME`: the next migration and its rollback, from the migrations'
//! schema to a live database's (or to a declared schema, `--from DIR`), proven on a
//! throw-away database before anything is written.
//!
//! The migrations are applied to a throw-away database: the start. The target is read from
//! the live database, or from another throw-away database the `.sql` files of DIR were run
//! on. The planner (`schema_diff`) gives the statements both ways; they run on the start's
//! database, whose catalog must then equal the target's, and back, when it must equal the
//! start's again. Only then are the files written, in the project's layout.

use std::path::{Path, PathBuf};

use super::super::{Context, new, operations};
use crate::config::Compat;
use crate::db::contents::{PLATFORM_SCHEMAS, schema_names};
use crate::db::history::History;
use crate::db::inventory::{self, Catalog, Scope};
use crate::db::schema_read::{self, ReadScope};
use crate::db::session::{Session, Sql};
use crate::db::trial;
use crate::error::{Error, ExitCode, Result};
use crate::migrate::layout::{GeneratedFiles, GeneratedSql, Role};
use crate::migrate::model::{Migration, Outcome, TransactionMode};
use crate::migrate::{directives, source, statements};
use crate::report::{GeneratedFileReport, GeneratedReport, GeneratedRole};
use crate::schema_diff::model::Schema;
use crate::schema_diff::{self, Changes, Pair, Statement};
use crate::secret::Secret;

/// What `--write` was asked for.
pub struct WriteRequest<'a> {
    pub name: &'a str,
    /// A folder of `.sql` files that declare the target schema; the live database when none.
    pub from: Option<&'a Path>,
    pub dry_run: bool,
}

pub fn run(ctx: &Context, request: &WriteRequest<'_>) -> Result<()> {
    let dirs = &ctx.settings.dirs;
    let name = new::clean_name(dirs.layout, request.name)?;
    // The declared files are found before any database is made.
    let declared = request
        .from
        .map(|dir| declared_files(dir).map(|files| (dir, files)))
        .transpose()?;
    let migrations = ctx.migrations()?;
    let start = operations::scratch_database(ctx)?;
    let proven = prove(ctx, &migrations, start.database.url(), declared.as_ref());
    let dropped = start.finish(ctx);
    let proven = proven?;
    dropped?;

    let (existing, _) = source::scan(dirs.layout, &dirs.migrations, Role::Migration);
    let files = layout_files(ctx, &existing, &name, &proven);
    let mut report = GeneratedReport {
        source: proven.source.clone(),
        dry_run: request.dry_run,
        files: Vec::new(),
        unwritten_rollbacks: Vec::new(),
        hazards: hazards(&proven.changes),
        possible_renames: proven.changes.possible_renames.clone(),
        statements: statement_count(&proven.changes),
        recorded: Some(Vec::new()),
        restated: proven.restated.clone(),
    };
    let mut writes: Vec<(PathBuf, String, GeneratedRole)> = Vec::new();
    for generated in &files {
        writes.push((
            dirs.migrations.join(&generated.migration.file),
            generated.migration.text.clone(),
            GeneratedRole::Migration,
        ));
        if let Some(rollback) = &generated.rollback {
            writes.push((
                dirs.rollbacks.join(&rollback.file),
                rollback.text.clone(),
                GeneratedRole::Rollback,
            ));
        }
        if let Some(text) = &generated.unwritten_rollback {
            report.unwritten_rollbacks.push(text.clone());
        }
    }
    if !request.dry_run {
        // Every path is checked before the first is written: nothing is left half made.
        if let Some((path, _, _)) = writes.iter().find(|(path, _, _)| path.exists()) {
            return Err(Error::io(path)(std::io::ErrorKind::AlreadyExists.into()));
        }
        for (path, text, _) in &writes {
            operations::write_new_file(path, text)?;
        }
        if proven.live && !files.is_empty() {
            let versions: Vec<_> = files.iter().map(|f| f.version).collect();
            report.recorded = record_if_unchanged(ctx, &proven, &versions)?;
        }
    }
    report.files = writes
        .into_iter()
        .map(|(path, text, role)| GeneratedFileReport {
            path: path.display().to_string(),
            role,
            text,
        })
        .collect();
    ctx.out.generated_migration(&report);
    Ok(())
}

/// Records the written migrations as applied in the live database, whose schema they
/// describe, so that it is not left with migrations to apply that are there already; unless
/// it changed since it was read (then it is said so, and nothing recorded). The versions
/// recorded, as text.
fn record_if_unchanged(
    ctx: &Context,
    proven: &Proven,
    versions: &[crate::migrate::model::Version],
) -> Result<Option<Vec<String>>> {
    let (mut live, _) = ctx.connect()?;
    let supabase = ctx.settings.compat == Compat::Supabase;
    let scope = Scope::drift(&proven.schemas, &ctx.settings.schema, supabase);
    let now = inventory::load(&mut live, &scope)?;
    drop(live);
    if !inventory::compare(&proven.wanted, &now).is_empty() {
        return Ok(None);
    }
    let migrations = ctx.migrations()?;
    let written: Vec<&Migration> = migrations
        .iter()
        .filter(|m| versions.contains(&m.version))
        .collect();
    operations::record_generated(ctx, &written)?;
    Ok(Some(
        written.iter().map(|m| m.version.to_string()).collect(),
    ))
}

/// The planner's statements and what they were proven against.
struct Proven {
    changes: Changes,
    /// `the local database`, `postgres://db.example.com/app`, `the .sql files of schema/`.
    source: String,
    /// The schemas compared, and the target's catalog in them.
    schemas: Vec<String>,
    wanted: Catalog,
    /// The target is a live database (not `--from`): the written migrations are recorded
    /// as applied there.
    live: bool,
    /// Constraints PostgreSQL stores in other words than the ones it printed and the
    /// migration gave it back (see [`check_equal`]).
    restated: Vec<String>,
}

/// Applies the migrations to the throw-away database at `start_url`, reads the target, plans
/// the statements and proves them there (see the module's doc).
fn prove(
    ctx: &Context,
    migrations: &[Migration],
    start_url: &str,
    from: Option<&(&Path, Vec<PathBuf>)>,
) -> Result<Proven> {
    let start_ctx = operations::context_on(ctx, Secret::new(start_url.to_string()));
    operations::apply(&start_ctx, migrations, None)?;
    let (mut start, _) = start_ctx.connect()?;
    match from {
        Some((dir, files)) => {
            let declared = operations::scratch_database(ctx)?;
            let proven = (|| {
                let declared_ctx =
                    operations::context_on(ctx, Secret::new(declared.database.url().to_string()));
                operations::prepare_empty(&declared_ctx)?;
                let (mut target, _) = declared_ctx.connect()?;
                run_declared_files(&mut target, files)?;
                let source = format!("the .sql files of {}", dir.display());
                plan_and_prove(ctx, &mut start, &mut target, source, false)
            })();
            let dropped = declared.finish(ctx);
            let proven = proven?;
            dropped?;
            Ok(proven)
        }
        None => {
            let (mut live, target) = ctx.connect()?;
            refuse_pending(ctx, &mut live, migrations)?;
            let source = match ctx.settings.database {
                crate::config::DatabaseChoice::Local => "the local database".to_string(),
                _ => target.describe(),
            };
            plan_and_prove(ctx, &mut start, &mut live, source, true)
        }
    }
}

/// A live database that lacks some of the migrations would make a migration that undoes
/// them: refused, with what to do.
fn refuse_pending(ctx: &Context, live: &mut Session, migrations: &[Migration]) -> Result<()> {
    let history = History::new(&ctx.settings.schema);
    history.check_owners(live)?;
    let applied: Vec<_> = history
        .load(live)?
        .into_iter()
        .filter(|a| a.outcome == Outcome::Succeeded)
        .map(|a| a.version)
        .collect();
    let pending = migrations
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .count();
    if pending > 0 {
        return Err(Error::Usage(format!(
            "the database has {} not applied: a migration made from it now would undo them; run `dbward up` first",
            crate::plural::count(pending, "migration", "migrations")
        )));
    }
    Ok(())
}

/// The `.sql` files of `dir`, in name order; refused when it is no folder or holds none.
fn declared_files(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--from {}: not a folder of .sql files",
            dir.display()
        )));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "sql") && path.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "--from {}: the folder holds no .sql file",
            dir.display()
        )));
    }
    Ok(files)
}

/// Runs each declared file in order: in a transaction of its own, or statement by statement
/// where its first lines say `-- dbward:no-transaction` (an index built `CONCURRENTLY`), as
/// `dbward up` would run it.
fn run_declared_files(target: &mut Session, files: &[PathBuf]) -> Result<()> {
    for path in files {
        let sql = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let failed = || Error::db(format!("running {}", path.display()));
        let mode = directives::read(&sql).map_or(TransactionMode::Transaction, |d| d.mode);
        match mode {
            TransactionMode::Transaction => {
                let mut tx = target
                    .transaction()
                    .map_err(Error::db("starting a transaction"))?;
                tx.batch_execute(&sql).map_err(failed())?;
                tx.commit().map_err(failed())?;
            }
            TransactionMode::NoTransaction => {
                let statements = statements::split(&sql).map_err(|problem| {
                    Error::Usage(format!("{}: {}", path.display(), problem.message))
                })?;
                for statement in statements {
                    target
                        .batch_execute(&sql[statement.range])
                        .map_err(failed())?;
                }
            }
        }
    }
    Ok(())
}

/// Reads both schemas, plans the statements, and proves them on `start`.
fn plan_and_prove(
    ctx: &Context,
    start: &mut Session,
    target: &mut Session,
    source: String,
    live: bool,
) -> Result<Proven> {
    let supabase = ctx.settings.compat == Compat::Supabase;
    let dbward_schema = ctx.settings.schema.as_str();
    let left_out: &[&str] = if supabase { &PLATFORM_SCHEMAS } else { &[] };
    let mut schemas = schema_names(start, dbward_schema, left_out)?;
    schemas.extend(schema_names(target, dbward_schema, left_out)?);
    schemas.sort();
    schemas.dedup();
    let read_scope = ReadScope {
        schemas: Some(&schemas),
        dbward_schema,
        supabase,
    };
    let scope = Scope::drift(&schemas, dbward_schema, supabase);
    let from: Schema = schema_read::read(start, &read_scope)?;
    let to: Schema = schema_read::read(target, &read_scope)?;
    let before = inventory::load(start, &scope)?;
    let wanted = inventory::load(target, &scope)?;
    let changes = schema_diff::changes(&from, &to);

    // Each migration is proven apart, as `ci` runs them: the second's rollback must give
    // back the state between the two.
    trial::run(start, &changes.main.up, TransactionMode::Transaction)?;
    let between = inventory::load(start, &scope)?;
    trial::run(
        start,
        &changes.concurrent.up,
        TransactionMode::NoTransaction,
    )?;
    let after_up = inventory::load(start, &scope)?;
    let up: Vec<&Statement> = changes
        .main
        .up
        .iter()
        .chain(&changes.concurrent.up)
        .collect();
    let mut restated = check_equal(
        &wanted,
        &after_up,
        &up,
        &format!("the migration did not give {source}'s schema"),
    )?;
    trial::run(
        start,
        &changes.concurrent.down,
        TransactionMode::NoTransaction,
    )?;
    let after_second_down = inventory::load(start, &scope)?;
    let second_down: Vec<&Statement> = changes.concurrent.down.iter().collect();
    restated.extend(check_equal(
        &between,
        &after_second_down,
        &second_down,
        "the rollback of the migration built outside a transaction did not give the state before it back",
    )?);
    trial::run(start, &changes.main.down, TransactionMode::Transaction)?;
    let after_down = inventory::load(start, &scope)?;
    let down: Vec<&Statement> = changes.main.down.iter().collect();
    restated.extend(check_equal(
        &before,
        &after_down,
        &down,
        "its rollback did not give the migrations' schema back",
    )?);
    Ok(Proven {
        changes,
        source,
        schemas,
        wanted,
        live,
        restated,
    })
}

/// Fails, naming every object that differs, unless the catalogs are the same. One kind of
/// difference is not a failure: a constraint whose definition, as PostgreSQL printed it on
/// the side wanted, is in one of the `statements` word for word. PostgreSQL does not always
/// read back what it prints the same way (`status IN ('a', 'b')` on a varchar column is
/// printed with an array cast it then stores as casts of each element, as a dump and
/// restore does too): the statement asked for exactly the wanted check. Those are returned,
/// to be said.
fn check_equal(
    expected: &Catalog,
    actual: &Catalog,
    statements: &[&Statement],
    what: &str,
) -> Result<Vec<String>> {
    let (restated, differences): (Vec<_>, Vec<_>) = inventory::compare(expected, actual)
        .into_iter()
        .partition(|d| match (&d.expected, &d.actual) {
            (Some(wanted), Some(_)) if d.kind == "constraint" => {
                statements.iter().any(|s| s.sql.contains(wanted.as_str()))
            }
            _ => false,
        });
    if differences.is_empty() {
        return Ok(restated
            .into_iter()
            .map(|d| {
                format!(
                    "{} {}: PostgreSQL stores `{}` as `{}`",
                    d.kind,
                    d.name,
                    d.expected.unwrap_or_default(),
                    d.actual.unwrap_or_default()
                )
            })
            .collect());
    }
    let listed: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
    Err(Error::StepFailed {
        message: format!(
            "nothing was written: on a throw-away database {what} ({}):\n{}",
            crate::plural::count(differences.len(), "object differs", "objects differ"),
            listed.join("\n")
        ),
        code: ExitCode::Failed,
    })
}

/// The migration in a transaction, then the one built outside any: each where it has
/// statements.
fn layout_files(
    ctx: &Context,
    existing: &[crate::migrate::layout::NumberedFile],
    name: &str,
    proven: &Proven,
) -> Vec<GeneratedFiles> {
    let dirs = &ctx.settings.dirs;
    let now = new::utc_timestamp();
    let mut existing = existing.to_vec();
    let mut files = Vec::new();
    let parts: [(&Pair, TransactionMode, String); 2] = [
        (
            &proven.changes.main,
            TransactionMode::Transaction,
            name.to_string(),
        ),
        (
            &proven.changes.concurrent,
            TransactionMode::NoTransaction,
            if proven.changes.main.is_empty() {
                name.to_string()
            } else {
                format!("{name}_concurrently")
            },
        ),
    ];
    for (pair, mode, name) in parts {
        if pair.is_empty() {
            continue;
        }
        let texts = |statements: &[Statement]| {
            statements
                .iter()
                .map(schema_diff::render_statement)
                .collect::<Vec<_>>()
        };
        let (up, down) = (texts(&pair.up), texts(&pair.down));
        let generated = dirs.layout.generated_files(
            &existing,
            &name,
            &now,
            GeneratedSql {
                up: &up,
                down: &down,
                mode,
                source: &proven.source,
            },
        );
        if let Some(file) = dirs
            .layout
            .generated_file(&dirs.migrations, &generated.migration.file)
        {
            existing.push(file);
        }
        files.push(generated);
    }
    files
}

fn hazards(changes: &Changes) -> Vec<String> {
    [&changes.main.up, &changes.concurrent.up]
        .into_iter()
        .flatten()
        .filter_map(|s| s.hazard.as_ref().map(|h| format!("{}: {h}", s.key)))
        .collect()
}

fn statement_count(changes: &Changes) -> usize {
    changes.main.up.len() + changes.concurrent.up.len()
}
