//! `adopt` against a real PostgreSQL, through the real binary: each tool's history table is
//! made as that tool makes it and filled as it fills it (its own checksums, worked out
//! apart from dbward's code), the schema its files describe really applied, then adopted.

#[path = "../support/mod.rs"]
mod support;

mod choosing;
mod dbmate;
mod flyway;
mod golang_migrate;
mod goose;
mod refinery;
mod sqlx;
mod supabase;

use support::{Project, Run, TestDb, assert_code};

/// Three migrations: the second with a byte-order mark and CRLF line ends, as a Windows
/// editor writes them, so that each tool's checksum is seen to take the file as it is.
const FILES: [(u32, &str, &str); 3] = [
    (
        1,
        "users",
        "create table users (id bigint primary key, email text not null);\n",
    ),
    (
        2,
        "posts",
        "\u{feff}create table posts (\r\n  id bigint primary key,\r\n  user_id bigint references users\r\n);\r\n",
    ),
    (3, "tags", "create table tags (id bigint primary key);\n"),
];

/// Flyway's checksums of FILES (CRC-32 of the lines without their breaks or the BOM, as a
/// signed int), worked out with zlib apart from this code.
const FLYWAY_CRC: [i32; 3] = [-916105345, 577043615, -1283041310];

/// refinery's checksums of FILES as `V{n}__{name}.sql` (SipHash-1-3 of name, version as
/// int4, text), worked out with a SipHash written apart from this code.
const REFINERY: [&str; 3] = [
    "13746460374659958088",
    "18303809300728929762",
    "5339357996875888889",
];

/// A tool whose history is adopted, and so whose file names the project has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Sqlx,
    Refinery,
    GolangMigrate,
    Dbmate,
    Flyway,
    Supabase,
    Goose,
}

impl Tool {
    /// The version of FILES[index] as the tool writes it in its history (Flyway's second
    /// is `1.1`, from `V1_1__posts.sql`).
    fn version(self, index: usize) -> String {
        let n = index + 1;
        match self {
            Tool::Dbmate | Tool::Supabase => format!("2024010100000{n}"),
            Tool::Flyway => ["1", "1.1", "2"][index].to_string(),
            _ => n.to_string(),
        }
    }

    /// FILES[index] as a file of the tool's layout, written from its documentation: the
    /// path and the text (goose and dbmate keep both ways in one file).
    fn file(self, index: usize) -> (String, String) {
        let (_, name, text) = FILES[index];
        let n = index + 1;
        let plain = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        match self {
            Tool::Sqlx => (format!("migrations/{n}_{name}.sql"), text.to_string()),
            Tool::Refinery => (format!("migrations/V{n}__{name}.sql"), text.to_string()),
            Tool::Flyway => {
                let version = self.version(index).replace('.', "_");
                (
                    format!("migrations/V{version}__{name}.sql"),
                    text.to_string(),
                )
            }
            Tool::GolangMigrate => (format!("migrations/{n:06}_{name}.up.sql"), text.to_string()),
            Tool::Supabase => (
                format!("supabase/migrations/{}_{name}.sql", self.version(index)),
                text.to_string(),
            ),
            Tool::Dbmate => (
                format!("db/migrations/{}_{name}.sql", self.version(index)),
                format!("-- migrate:up\n{plain}\n-- migrate:down\ndrop table {name};\n"),
            ),
            Tool::Goose => (
                format!("migrations/{n:05}_{name}.sql"),
                format!("-- +goose Up\n{plain}\n-- +goose Down\ndrop table {name};\n"),
            ),
        }
    }

    fn layout(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Dbmate => "dbmate",
            Tool::Flyway => "flyway",
            Tool::Supabase => "supabase",
            Tool::Goose => "goose",
        }
    }
}

/// The first `count` FILES as a project of `tool`'s layout, named in dbward.toml.
fn project(tool: Tool, count: usize) -> Project {
    let project = Project::new();
    project.write("dbward.toml", format!("layout = \"{}\"\n", tool.layout()));
    if tool == Tool::Supabase {
        project.write("supabase/config.toml", "project_id = \"demo\"\n");
    }
    for index in 0..count {
        let (path, text) = tool.file(index);
        project.write(&path, text);
    }
    project
}

/// Runs the first `count` files as the tool did (the schema really is there).
fn apply_files(db: &TestDb, count: usize) {
    let mut client = db.client();
    for (_, _, text) in &FILES[..count] {
        client
            .batch_execute(text.trim_start_matches('\u{feff}'))
            .unwrap();
    }
}

/// The names dbward's history records, in version order.
fn history_names(db: &TestDb) -> String {
    db.scalar(
        "SELECT coalesce(string_agg(name, ',' ORDER BY version), '') FROM dbward.schema_history",
    )
}

/// The names of the migrations an `adopted` event was logged for.
fn adopted_events(db: &TestDb) -> String {
    db.scalar(
        "SELECT coalesce(string_agg(h.name, ',' ORDER BY h.version), '')
           FROM dbward.schema_events e JOIN dbward.schema_history h USING (version)
          WHERE e.event = 'adopted'",
    )
}

/// The tool's table, row by row, to show it is left as it was.
fn table_rows(db: &TestDb, table: &str) -> Vec<String> {
    db.lines(&format!(
        "SELECT row_to_json(t)::text FROM {table} AS t ORDER BY 1"
    ))
}

/// The names of the migrations a run made with `--format json` applied.
fn applied_names(run: &Run) -> Vec<String> {
    run.json()["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps: {run:?}"))
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

/// Adopts (exit 0, `recorded` recorded with an event each, the tool's table untouched),
/// then `up` runs exactly `then_up`.
fn adopt_then_up(db: &TestDb, project: &Project, table: &str, recorded: &str, then_up: &[&str]) {
    let before = table_rows(db, table);
    let dry = project.dbward(db, &["adopt", "--dry-run", "--format", "json"]);
    assert_code(&dry, 0);
    assert_eq!(dry.json()["dry_run"], true);
    assert_eq!(
        db.scalar("SELECT to_regclass('dbward.schema_history') IS NULL"),
        "t",
        "a dry run makes nothing: {dry:?}"
    );
    let run = project.dbward(db, &["adopt"]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("left as it was"), "{run:?}");
    assert_eq!(history_names(db), recorded);
    assert_eq!(adopted_events(db), recorded);
    assert_eq!(table_rows(db, table), before, "{table} is left as it was");
    let up = project.dbward(db, &["up", "--format", "json"]);
    assert_code(&up, 0);
    assert_eq!(applied_names(&up), then_up, "{up:?}");
    let again = project.dbward(db, &["up", "--format", "json"]);
    assert_code(&again, 0);
    assert_eq!(applied_names(&again), Vec::<String>::new());
}

/// A refused adoption: exit 3, each case named, dbward's history not even made.
fn refused(db: &TestDb, project: &Project, says: &[&str]) -> Run {
    let run = project.dbward(db, &["adopt"]);
    assert_code(&run, 3);
    for said in says {
        assert!(run.stderr.contains(said), "`{said}` not in {run:#?}");
    }
    assert_eq!(
        db.scalar("SELECT count(*) FROM dbward.schema_history"),
        "0",
        "nothing recorded"
    );
    run
}
