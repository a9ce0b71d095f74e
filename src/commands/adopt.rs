//! `adopt`: take over a database another tool migrated. Its history is read, matched with
//! the project's files (pure, `migrate/adopt.rs`) and recorded in dbward's, all in one
//! transaction under the migration lock, or not at all. The tool's table is only read.

use super::Context;
use super::migrate;
use crate::db::foreign;
use crate::db::history::Event;
use crate::error::{Error, Result};
use crate::migrate::adopt::{self, LocalFile, Match};
use crate::migrate::foreign::{self as tools, Tool};
use crate::migrate::model::Migration;
use crate::report::{AdoptReport, AdoptedRow};

pub fn run(ctx: &Context, from: Option<Tool>, dry_run: bool) -> Result<()> {
    let migrations = ctx.migrations()?;
    // The tools hashed the files as they are on disk, before dbward's BOM and CRLF
    // normalisation: their checksums are taken of these bytes.
    let raw = migrations
        .iter()
        .map(|m| std::fs::read(&m.up.path).map_err(Error::io(&m.up.path)))
        .collect::<Result<Vec<Vec<u8>>>>()?;
    let files: Vec<LocalFile<'_>> = migrations
        .iter()
        .zip(&raw)
        .map(|(migration, raw)| LocalFile { migration, raw })
        .collect();
    let (mut db, target) = migrate::connect(ctx)?;
    // A dry run makes nothing, not even dbward's own tables.
    let history_there = if dry_run {
        db.check_owners()?;
        db.history_exists()?
    } else {
        migrate::prepare(ctx, &mut db)?;
        true
    };
    let (mut tx, history, (tool, rows, recorded)) = db.begin_locked(async |c, h| {
        let found = foreign::present_in(c).await?;
        let tool = tools::choose(from, &found).map_err(Error::Usage)?;
        let rows = foreign::read_in(c, tool).await?;
        let recorded = if history_there {
            h.load_in(c).await?
        } else {
            Vec::new()
        };
        Ok((tool, rows, recorded))
    })?;
    // A row's version is read as the project's layout reads its files' (Flyway's `1.1`).
    let layout = ctx.settings.dirs.layout;
    let adoption = adopt::plan(tool, &rows, &files, &recorded, |v| layout.parse_version(v))
        .map_err(Error::AdoptRefused)?;
    let chosen: Vec<&Migration> = adoption.record.iter().map(|m| m.migration).collect();
    if dry_run {
        tx.rollback().map_err(Error::db("ending the dry run"))?;
    } else {
        history.record_as_applied(&mut tx, &chosen, Event::Adopted, |m| {
            format!(
                "recorded as applied by `dbward adopt`: {tool}'s {} has version {}",
                tool.table(),
                m.version
            )
        })?;
        tx.commit().map_err(Error::db("committing the adoption"))?;
    }
    ctx.out.adopt(&AdoptReport {
        database: target.describe(),
        tool,
        table: tool.table().to_string(),
        dry_run,
        recorded: adoption.record.iter().map(adopted_row).collect(),
        already_recorded: adoption.already_recorded,
        pending: adoption.pending,
    });
    Ok(())
}

fn adopted_row(matched: &Match<'_>) -> AdoptedRow {
    AdoptedRow {
        version: matched.migration.version,
        name: matched.migration.name.clone(),
        file: matched.migration.up.path.display().to_string(),
        reason: matched.reason,
    }
}
