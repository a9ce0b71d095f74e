//! `adopt` against a real PostgreSQL, through the real binary: each tool's history table is
//! made as that tool makes it and filled as it fills it (its own checksums, worked out
//! apart from dbward's code), the schema its files describe really applied, then adopted.

mod support;

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

// --- sqlx -------------------------------------------------------------------------------

/// `_sqlx_migrations` as sqlx makes it on PostgreSQL.
fn sqlx_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
                success BOOLEAN NOT NULL,
                checksum BYTEA NOT NULL,
                execution_time BIGINT NOT NULL
            );",
        )
        .unwrap();
}

/// A row as sqlx writes it: the SHA-384 (PostgreSQL's own) of the file's bytes.
fn sqlx_row(db: &TestDb, index: usize, success: bool) {
    let (version, name, text) = FILES[index];
    db.client()
        .execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES ($1, $2, $3, sha384($4), 1234567)",
            &[&i64::from(version), &name, &success, &text.as_bytes()],
        )
        .unwrap();
}

#[test]
fn sqlx_history_is_adopted_and_up_runs_only_what_sqlx_had_not() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 0, true);
    sqlx_row(&db, 1, true);
    adopt_then_up(&db, &project, "_sqlx_migrations", "users,posts", &["tags"]);

    // Adopting again (after `up` ran 3) finds both recorded already, and records nothing;
    // 3 is dbward's own.
    let again = project.dbward(&db, &["adopt", "--format", "json"]);
    assert_code(&again, 0);
    let doc = again.json();
    assert_eq!(doc["recorded"].as_array().unwrap().len(), 0, "{again:?}");
    assert_eq!(doc["already_recorded"], serde_json::json!([1, 2]));
    assert_eq!(doc["pending"], serde_json::json!([]));
    let table = project.dbward(&db, &["adopt"]);
    assert_code(&table, 0);
    assert!(
        table.stdout.contains(
            "nothing new to record from sqlx's _sqlx_migrations, 2 already recorded, 0 pending"
        ),
        "{table:?}"
    );
}

#[test]
fn sqlx_all_applied_then_up_does_nothing() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 3);
    for index in 0..3 {
        sqlx_row(&db, index, true);
    }
    adopt_then_up(&db, &project, "_sqlx_migrations", "users,posts,tags", &[]);
}

#[test]
fn sqlx_reversible_pairs_are_checked_by_their_up_file() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "layout = \"sqlx\"\n");
    let (_, _, users) = FILES[0];
    project.write("migrations/1_users.up.sql", users);
    project.write("migrations/1_users.down.sql", "drop table users;\n");
    sqlx_table(&db);
    apply_files(&db, 1);
    sqlx_row(&db, 0, true);
    adopt_then_up(&db, &project, "_sqlx_migrations", "users", &[]);
    // The rollback is dbward's to run now.
    let down = project.dbward(&db, &["down"]);
    assert_code(&down, 0);
    assert!(!db.table_exists("users"), "{down:?}");
}

#[test]
fn sqlx_failed_run_and_edited_file_are_refused_by_name() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 0, true);
    sqlx_row(&db, 1, false);
    let run = refused(&db, &project, &["sqlx records version 2 (posts) as failed"]);
    assert!(run.stderr.contains("1 reason(s)"), "{run:?}");

    // Fixed by hand, then the file is edited: a CRLF file saved with LF is another file
    // to sqlx (dbward's own checksum would not see it).
    db.client()
        .batch_execute("UPDATE _sqlx_migrations SET success = true")
        .unwrap();
    project.write(
        "migrations/2_posts.sql",
        FILES[1]
            .2
            .trim_start_matches('\u{feff}')
            .replace("\r\n", "\n"),
    );
    refused(
        &db,
        &project,
        &["migrations/2_posts.sql changed since sqlx applied version 2"],
    );
}

#[test]
fn json_names_every_refusal() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 1);
    sqlx_table(&db);
    apply_files(&db, 2);
    sqlx_row(&db, 1, true);
    sqlx_row(&db, 2, false);
    let run = project.dbward(&db, &["adopt", "--format", "json"]);
    assert_code(&run, 3);
    let error = &run.json()["error"];
    assert_eq!(error["kind"], "adopt_refused");
    assert_eq!(error["exit_code"], 3);
    let kinds: Vec<&str> = error["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["missing_file", "failed"]);
}

// --- refinery ---------------------------------------------------------------------------

fn refinery_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS refinery_schema_history(
                 version int4 PRIMARY KEY,
                 name VARCHAR(255),
                 applied_on VARCHAR(255),
                 checksum VARCHAR(255));",
        )
        .unwrap();
}

fn refinery_row(db: &TestDb, index: usize, checksum: &str) {
    let (version, name, _) = FILES[index];
    db.client()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES ($1, $2, '2026-11-30T01:02:03Z', $3)",
            &[&(version as i32), &name, &checksum],
        )
        .unwrap();
}

#[test]
fn refinery_history_is_adopted_with_its_checksums() {
    let db = TestDb::new();
    let project = project(Tool::Refinery, 3);
    refinery_table(&db);
    apply_files(&db, 3);
    for (index, checksum) in REFINERY.iter().enumerate() {
        refinery_row(&db, index, checksum);
    }
    adopt_then_up(
        &db,
        &project,
        "refinery_schema_history",
        "users,posts,tags",
        &[],
    );
}

#[test]
fn refinery_modified_file_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Refinery, 2);
    refinery_table(&db);
    apply_files(&db, 2);
    refinery_row(&db, 0, REFINERY[0]);
    refinery_row(&db, 1, REFINERY[0]);
    refused(
        &db,
        &project,
        &[&format!(
            "migrations/V2__posts.sql changed since refinery applied version 2: refinery's checksum {}",
            REFINERY[0]
        )],
    );
}

// --- golang-migrate ---------------------------------------------------------------------

fn golang_migrate_table(db: &TestDb, version: i64, dirty: bool) {
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS \"public\".\"schema_migrations\" (version bigint not null primary key, dirty boolean not null)",
        )
        .unwrap();
    client
        .execute(
            "INSERT INTO \"public\".\"schema_migrations\" (version, dirty) VALUES ($1, $2)",
            &[&version, &dirty],
        )
        .unwrap();
}

#[test]
fn golang_migrate_current_version_adopts_every_file_up_to_it() {
    let db = TestDb::new();
    let project = project(Tool::GolangMigrate, 3);
    apply_files(&db, 2);
    golang_migrate_table(&db, 2, false);
    adopt_then_up(&db, &project, "schema_migrations", "users,posts", &["tags"]);
}

#[test]
fn golang_migrate_dirty_and_missing_are_refused() {
    let db = TestDb::new();
    let project = project(Tool::GolangMigrate, 3);
    apply_files(&db, 2);
    golang_migrate_table(&db, 2, true);
    refused(
        &db,
        &project,
        &["golang-migrate marks version 2 dirty: a run stopped half-way"],
    );

    let db = TestDb::new();
    golang_migrate_table(&db, 4, false);
    refused(
        &db,
        &project,
        &["golang-migrate applied version 4, and no migration file has that version"],
    );
}

// --- dbmate -----------------------------------------------------------------------------

fn dbmate_table(db: &TestDb, versions: &[String]) {
    let mut client = db.client();
    client
        .batch_execute(
            "create table if not exists \"public\".schema_migrations (version varchar primary key)",
        )
        .unwrap();
    for version in versions {
        client
            .execute(
                "insert into \"public\".schema_migrations (version) values ($1)",
                &[version],
            )
            .unwrap();
    }
}

#[test]
fn dbmate_history_is_adopted() {
    let db = TestDb::new();
    let project = project(Tool::Dbmate, 3);
    apply_files(&db, 3);
    dbmate_table(
        &db,
        &(0..3).map(|i| Tool::Dbmate.version(i)).collect::<Vec<_>>(),
    );
    adopt_then_up(&db, &project, "schema_migrations", "users,posts,tags", &[]);
}

#[test]
fn dbmate_version_without_a_file_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Dbmate, 2);
    apply_files(&db, 2);
    dbmate_table(
        &db,
        &[
            Tool::Dbmate.version(0),
            Tool::Dbmate.version(1),
            "20240301120000".to_string(),
        ],
    );
    refused(
        &db,
        &project,
        &["dbmate applied version 20240301120000, and no migration file has that version"],
    );
}

// --- Flyway -----------------------------------------------------------------------------

/// `flyway_schema_history` as Flyway makes it on PostgreSQL, with its primary key and index.
fn flyway_table(db: &TestDb) {
    db.client()
        .batch_execute(
            "CREATE TABLE \"public\".\"flyway_schema_history\" (
                \"installed_rank\" INT NOT NULL,
                \"version\" VARCHAR(50),
                \"description\" VARCHAR(200) NOT NULL,
                \"type\" VARCHAR(20) NOT NULL,
                \"script\" VARCHAR(1000) NOT NULL,
                \"checksum\" INTEGER,
                \"installed_by\" VARCHAR(100) NOT NULL,
                \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),
                \"execution_time\" INTEGER NOT NULL,
                \"success\" BOOLEAN NOT NULL
            );
            ALTER TABLE \"public\".\"flyway_schema_history\" ADD CONSTRAINT \"flyway_schema_history_pk\" PRIMARY KEY (\"installed_rank\");
            CREATE INDEX \"flyway_schema_history_s_idx\" ON \"public\".\"flyway_schema_history\" (\"success\");",
        )
        .unwrap();
}

/// A row as Flyway writes it; `index` is FILES[index], or `None` for a repeatable.
fn flyway_row(
    db: &TestDb,
    rank: i32,
    index: Option<usize>,
    kind: &str,
    checksum: Option<i32>,
    success: bool,
) {
    let version = index.map(|i| Tool::Flyway.version(i));
    let (description, script) = match index {
        Some(i) => (
            FILES[i].1.to_string(),
            Tool::Flyway
                .file(i)
                .0
                .trim_start_matches("migrations/")
                .to_string(),
        ),
        None => ("views".to_string(), "R__views.sql".to_string()),
    };
    db.client()
        .execute(
            "INSERT INTO \"public\".\"flyway_schema_history\"
               (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
             VALUES ($1, $2, $3, $4, $5, $6, 'postgres', 12, $7)",
            &[&rank, &version, &description, &kind, &script, &checksum, &success],
        )
        .unwrap();
}

#[test]
fn flyway_history_is_adopted_with_its_checksums() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 3);
    // Flyway's mark that it made the schema, then a run per file (`1`, `1.1`, `2`).
    db.client()
        .batch_execute(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
             VALUES (1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '\"public\"', NULL, 'postgres', 0, true)",
        )
        .unwrap();
    for (index, crc) in FLYWAY_CRC.iter().enumerate() {
        flyway_row(&db, index as i32 + 2, Some(index), "SQL", Some(*crc), true);
    }
    adopt_then_up(
        &db,
        &project,
        "flyway_schema_history",
        "users,posts,tags",
        &[],
    );
}

#[test]
fn flyway_baseline_covers_the_files_below_it() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 2);
    flyway_row(&db, 1, Some(1), "BASELINE", None, true);
    adopt_then_up(
        &db,
        &project,
        "flyway_schema_history",
        "users,posts",
        &["tags"],
    );
}

#[test]
fn flyway_undone_version_is_not_applied() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 2);
    flyway_table(&db);
    apply_files(&db, 1);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[0]), true);
    flyway_row(&db, 2, Some(1), "SQL", Some(FLYWAY_CRC[1]), true);
    flyway_row(&db, 3, Some(1), "UNDO_SQL", None, true);
    adopt_then_up(&db, &project, "flyway_schema_history", "users", &["posts"]);
}

#[test]
fn flyway_failed_modified_and_repeatable_are_each_refused() {
    let db = TestDb::new();
    let project = project(Tool::Flyway, 3);
    flyway_table(&db);
    apply_files(&db, 2);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[1]), true);
    flyway_row(&db, 2, Some(1), "SQL", Some(FLYWAY_CRC[1]), false);
    flyway_row(&db, 3, None, "SQL", Some(7), true);
    let run = refused(
        &db,
        &project,
        &[
            "migrations/V1__users.sql changed since flyway applied version 1",
            "flyway records version 1.1 (posts) as failed",
            "repeatable migration `views`",
        ],
    );
    assert!(run.stderr.contains("3 reason(s)"), "{run:?}");
}

// --- Supabase CLI -----------------------------------------------------------------------

#[test]
fn supabase_history_is_adopted() {
    let db = TestDb::new();
    let project = project(Tool::Supabase, 3);
    apply_files(&db, 3);
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS supabase_migrations;
             CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
             ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
             ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;",
        )
        .unwrap();
    for (index, (_, name, text)) in FILES.iter().enumerate() {
        let statements = vec![text.trim_start_matches('\u{feff}').trim().to_string()];
        client
            .execute(
                "INSERT INTO supabase_migrations.schema_migrations(version, name, statements) VALUES($1, $2, $3)",
                &[&Tool::Supabase.version(index), name, &statements],
            )
            .unwrap();
    }
    adopt_then_up(
        &db,
        &project,
        "supabase_migrations.schema_migrations",
        "users,posts,tags",
        &[],
    );
}

// --- goose ------------------------------------------------------------------------------

#[test]
fn goose_history_is_adopted_by_each_versions_newest_row() {
    let db = TestDb::new();
    let project = project(Tool::Goose, 3);
    apply_files(&db, 2);
    let mut client = db.client();
    client
        .batch_execute(
            "CREATE TABLE goose_db_version (
                id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
                version_id bigint NOT NULL,
                is_applied boolean NOT NULL,
                tstamp timestamp NOT NULL DEFAULT now()
            )",
        )
        .unwrap();
    // goose's start mark, 1 to 3 up, then 3 down again.
    for (version, applied) in [(0i64, true), (1, true), (2, true), (3, true), (3, false)] {
        client
            .execute(
                "INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)",
                &[&version, &applied],
            )
            .unwrap();
    }
    adopt_then_up(&db, &project, "goose_db_version", "users,posts", &["tags"]);
}

// --- choosing the tool ------------------------------------------------------------------

#[test]
fn two_histories_need_from_and_none_is_an_error() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 3);
    let none = project.dbward(&db, &["adopt"]);
    assert_code(&none, 2);
    assert!(
        none.stderr
            .contains("no other tool's history is in this database"),
        "{none:?}"
    );

    sqlx_table(&db);
    flyway_table(&db);
    apply_files(&db, 1);
    sqlx_row(&db, 0, true);
    flyway_row(&db, 1, Some(0), "SQL", Some(FLYWAY_CRC[0]), true);
    let both = project.dbward(&db, &["adopt"]);
    assert_code(&both, 2);
    assert!(
        both.stderr.contains("--from sqlx or --from flyway"),
        "{both:?}"
    );
    let goose = project.dbward(&db, &["adopt", "--from", "goose"]);
    assert_code(&goose, 2);
    assert!(
        goose
            .stderr
            .contains("goose's history table goose_db_version is not in this database"),
        "{goose:?}"
    );
    let sqlx = project.dbward(&db, &["adopt", "--from", "sqlx", "--format", "json"]);
    assert_code(&sqlx, 0);
    assert_eq!(sqlx.json()["tool"], "sqlx");
    assert_eq!(history_names(&db), "users");
}

#[test]
fn a_dbward_history_that_disagrees_is_refused() {
    let db = TestDb::new();
    let project = project(Tool::Sqlx, 1);
    // dbward applied 1 itself; the file was edited since, and sqlx ran the edited one.
    assert_code(&project.dbward(&db, &["up"]), 0);
    project.write("migrations/1_users.sql", FILES[1].2);
    sqlx_table(&db);
    sqlx_row(&db, 1, true);
    db.client()
        .batch_execute("UPDATE _sqlx_migrations SET version = 1")
        .unwrap();
    let run = project.dbward(&db, &["adopt"]);
    assert_code(&run, 3);
    assert!(
        run.stderr.contains(
            "dbward's history already records migration 1, with another checksum than migrations/1_users.sql's"
        ),
        "{run:?}"
    );
    assert_eq!(adopted_events(&db), "");
}

#[test]
fn help_names_the_tools_and_has_examples() {
    let project = Project::new();
    let help = project.run(&["adopt", "--help"]);
    assert_code(&help, 0);
    for said in [
        "Example",
        "dbward adopt --dry-run",
        "_sqlx_migrations",
        "goose_db_version",
    ] {
        assert!(help.stdout.contains(said), "{said}: {}", help.stdout);
    }
    assert_code(&project.run(&["adopt", "--from", "liquibase"]), 2);
}
