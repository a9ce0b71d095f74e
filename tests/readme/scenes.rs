//! A scene per console example of the README: the project and the database that make the
//! output it shows, set up for real, then the example's command line run on a terminal.

use std::path::Path;

use crate::screen::{self, Screen};
use crate::support::{self, Project, Run, assert_code};

/// A README command line (exactly as written, comment included), the exit code it must
/// give, and how to play it.
pub struct Scene {
    pub command: &'static str,
    pub code: i32,
    pub play: fn(&str) -> Screen,
}

pub const SCENES: &[Scene] = &[
    Scene {
        command: "dbward check                    # in tests/fixtures/blog_ai_duplicate_004",
        code: 2,
        play: duplicate_004,
    },
    Scene {
        command: "dbward validate",
        code: 0,
        play: validate_edited_rollback,
    },
    Scene {
        command: "dbward up",
        code: 1,
        play: up_failing,
    },
    Scene {
        command: "dbward adopt",
        code: 3,
        play: adopt_refused,
    },
    Scene {
        command: "dbward status",
        code: 0,
        play: status,
    },
    Scene {
        command: "dbward adopt --dry-run",
        code: 0,
        play: adopt,
    },
    Scene {
        command: "dbward seed",
        code: 0,
        play: seed,
    },
    Scene {
        command: "dbward seed                     # in a project with no fixtures",
        code: 0,
        play: seed_nothing,
    },
    Scene {
        command: "dbward verify --probe           # the Blog AI system at migration 012, with its fixtures",
        code: 3,
        play: verify_blog_ai,
    },
    Scene {
        command: "dbward check",
        code: 3,
        play: check,
    },
    Scene {
        command: "dbward ci                        # this repository's Blog AI project",
        code: 0,
        play: ci_blog_ai,
    },
    Scene {
        command: "dbward diff --write add_name --dry-run",
        code: 0,
        play: diff_write,
    },
];

/// The examples show a database named `app`: a fresh one on the tests' cluster, its URL
/// with the password, as a user's `DATABASE_URL` would hold it.
fn app_database() -> String {
    let cluster = support::cluster();
    let mut admin = postgres::Client::connect(&cluster.admin_url(), postgres::NoTls).unwrap();
    admin
        .batch_execute("DROP DATABASE IF EXISTS app WITH (FORCE)")
        .unwrap();
    admin.batch_execute("CREATE DATABASE app").unwrap();
    format!(
        "postgres://postgres:{}@127.0.0.1:{}/app",
        cluster.password, cluster.port
    )
}

/// `dbward ARGS` in `dir` against `url`, which must succeed: a step of setting the scene.
fn prepare(dir: &Path, url: &str, args: &[&str]) {
    let mut all = vec!["-C", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let run = Run::from(
        Project::new()
            .command(&all)
            .env("DATABASE_URL", url)
            .output()
            .unwrap(),
    );
    assert_code(&run, 0);
}

fn status(command: &str) -> Screen {
    let url = app_database();
    let project = Project::new();
    project
        .migration(
            "001_create_users.sql",
            "create table users (id bigint primary key, email text not null);\n",
            "drop table users;\n",
        )
        .migration(
            "002_add_index.sql",
            "create index users_email on users (email);\n",
            "drop index users_email;\n",
        );
    prepare(project.path(), &url, &["up", "--to", "001"]);
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

/// A sqlx project whose first two migrations sqlx applied, recorded with their SHA-384,
/// and the URL of its database.
fn sqlx_project() -> (Project, String) {
    let url = app_database();
    let project = Project::new();
    let files = [
        (
            "1_users.sql",
            "create table users (id bigint primary key);\n",
        ),
        (
            "2_posts.sql",
            "create table posts (id bigint primary key, user_id bigint references users);\n",
        ),
        ("3_tags.sql", "create table tags (name text primary key);\n"),
    ];
    project.write("dbward.toml", "layout = \"sqlx\"\n");
    for (file, sql) in files {
        project.write(&format!("migrations/{file}"), sql);
    }
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .batch_execute(
            "CREATE TABLE _sqlx_migrations (
                version BIGINT PRIMARY KEY,
                description TEXT NOT NULL,
                installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
                success BOOLEAN NOT NULL,
                checksum BYTEA NOT NULL,
                execution_time BIGINT NOT NULL
            )",
        )
        .unwrap();
    for (version, (_, sql)) in files.iter().enumerate().take(2) {
        let name = ["users", "posts"][version];
        client.batch_execute(sql).unwrap();
        client
            .execute(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, $2, true, sha384($3), 1000000)",
                &[&(version as i64 + 1), &name, &sql.as_bytes()],
            )
            .unwrap();
    }
    (project, url)
}

fn adopt(command: &str) -> Screen {
    let (project, url) = sqlx_project();
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

/// The same, with 2_posts.sql edited since sqlx applied it.
fn adopt_refused(command: &str) -> Screen {
    let (project, url) = sqlx_project();
    project.write(
        "migrations/2_posts.sql",
        "create table posts (id bigint primary key, user_id bigint not null references users);\n",
    );
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

fn seed(command: &str) -> Screen {
    let url = app_database();
    let project = Project::new();
    project
        .migration(
            "001_people.sql",
            "create table people (id int primary key, name text not null);\n",
            "drop table people;\n",
        )
        .migration(
            "002_pets.sql",
            "create table pets (id int primary key, owner int not null references people);\n",
            "drop table pets;\n",
        )
        .write(
            "fixtures/001_people.sql",
            "insert into people values (1, 'Ada'), (2, 'Grace') on conflict do nothing;\n",
        )
        .write(
            "fixtures/002_pets.sql",
            "insert into pets values (1, 1) on conflict do nothing;\n",
        );
    prepare(project.path(), &url, &["up"]);
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

/// Migrations and no fixtures: nothing to seed, and no database needed to say so.
fn seed_nothing(command: &str) -> Screen {
    let project = Project::new();
    project.migration(
        "001_people.sql",
        "create table people (id int primary key, name text not null);\n",
        "drop table people;\n",
    );
    screen::run(project.path(), command, &[])
}

/// This repository's own project, as its README section says: up to 012, seeded.
fn verify_blog_ai(command: &str) -> Screen {
    let url = app_database();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    prepare(repository, &url, &["up", "--to", "012"]);
    prepare(repository, &url, &["seed"]);
    screen::run(repository, command, &[("DATABASE_URL", &url)])
}

fn check(command: &str) -> Screen {
    let project = Project::new();
    project
        .migration(
            "001_notes.sql",
            "create table notes (id int primary key, body text not null);\n",
            "drop table notes;\n",
        )
        .migration(
            "002_index.sql",
            "create index notes_body on notes (body);\n",
            "drop index notes_body;\n",
        );
    screen::run(project.path(), command, &[])
}

/// A copy of this repository's project, run on its own local cluster (which `ci` needs for
/// its throw-away database), destroyed afterwards.
fn ci_blog_ai(command: &str) -> Screen {
    let project = Project::new();
    let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["migrations", "rollbacks", "fixtures"] {
        for entry in std::fs::read_dir(repository.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            project.write(&format!("{folder}/{name}"), std::fs::read(&path).unwrap());
        }
    }
    project.write(
        "dbward.toml",
        std::fs::read(repository.join("dbward.toml")).unwrap(),
    );
    let shown = screen::run(project.path(), command, &[]);
    let destroyed = project.run(&["local", "destroy"]);
    assert_code(&destroyed, 0);
    shown
}

/// The Blog AI document's numbering, kept with its duplicate 004.
fn duplicate_004(command: &str) -> Screen {
    let project =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blog_ai_duplicate_004");
    screen::run(&project, command, &[])
}

/// Two migrations applied, then the second one's rollback edited.
fn validate_edited_rollback(command: &str) -> Screen {
    let url = app_database();
    let project = Project::new();
    project
        .migration(
            "001_users.sql",
            "create table users (id bigint primary key);\n",
            "drop table users;\n",
        )
        .migration(
            "002_posts.sql",
            "create table posts (id bigint primary key, user_id bigint references users);\n",
            "drop table posts;\n",
        );
    prepare(project.path(), &url, &["up"]);
    project.write("rollbacks/002_posts.sql", "drop table if exists posts;\n");
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

/// A second migration that names a table no migration made, on line 4.
fn up_failing(command: &str) -> Screen {
    let url = app_database();
    let project = Project::new();
    project
        .migration(
            "001_notes.sql",
            "create table notes (id bigint primary key, body text);\n",
            "drop table notes;\n",
        )
        .migration(
            "002_bad.sql",
            "-- copies the notes into the archive\n-- (which no migration created)\n\ninsert into missing_table\nselect * from notes;\n",
            "delete from missing_table;\n",
        );
    screen::run(project.path(), command, &[("DATABASE_URL", &url)])
}

/// A table given a column and an index by hand, after its migration ran.
fn diff_write(command: &str) -> Screen {
    let url = app_database();
    let project = Project::new();
    project.migration(
        "001_create_users.sql",
        "create table users (id bigint primary key, email text not null);\n",
        "drop table users;\n",
    );
    prepare(project.path(), &url, &["up"]);
    let mut app = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    app.batch_execute(
        "alter table users add column name text; create index users_email on users (email);",
    )
    .unwrap();
    let screen = screen::run(project.path(), command, &[("DATABASE_URL", &url)]);
    let _ = Run::from(project.command(&["local", "destroy"]).output().unwrap());
    screen
}
