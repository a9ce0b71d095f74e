//! Tables at a fixed width (`COLUMNS`): nothing wider than the width, and no migration name,
//! job name, time, number or SQL fix cut across lines; `job history`'s detail as an object.

mod support;

use support::{Project, Run, TestDb, assert_code};

const WIDTHS: [usize; 2] = [80, 120];

/// `dbward ARGS` against `db` with `COLUMNS=width`.
fn at_width(project: &Project, db: &TestDb, width: usize, args: &[&str]) -> Run {
    Run::from(
        project
            .command(args)
            .env("DATABASE_URL", db.url())
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap(),
    )
}

/// Fails when a line of stdout is wider than `width` characters.
fn assert_fits(run: &Run, width: usize) {
    for line in run.stdout.lines() {
        assert!(
            line.chars().count() <= width,
            "a line wider than {width}:\n{line}\n{}",
            run.stdout
        );
    }
}

/// Fails unless some line of stdout holds `text` whole.
fn assert_on_one_line(run: &Run, text: &str) {
    assert!(
        run.stdout.lines().any(|line| line.contains(text)),
        "{text:?} is on no single line:\n{}",
        run.stdout
    );
}

/// The short form of a stored time `2026-11-29T23:45:17Z`: `11-29 23:45`.
fn short(at: &str) -> String {
    format!("{} {}", &at[5..10], &at[11..16])
}

const LONG_MIGRATION: &str = "add_read_notifications_retention_index_to_events";

#[test]
fn status_keeps_long_names_and_times_whole() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        &format!("001_{LONG_MIGRATION}.sql"),
        "create table events (id int);",
        "drop table events;",
    );
    project.migration(
        "002_users.sql",
        "create table users (id int);",
        "drop table users;",
    );
    assert_code(&project.dbward(&db, &["up", "--to", "1"]), 0);
    let json = project.dbward(&db, &["status", "--format", "json"]).json();
    let applied_at = json["migrations"][0]["applied_at"]
        .as_str()
        .unwrap()
        .to_string();
    for width in WIDTHS {
        let run = at_width(&project, &db, width, &["status"]);
        assert_code(&run, 0);
        assert_fits(&run, width);
        assert_on_one_line(&run, LONG_MIGRATION);
        assert!(
            run.stdout.contains(&applied_at) || run.stdout.contains(&short(&applied_at)),
            "{}",
            run.stdout
        );
        assert_on_one_line(&run, "002");
        assert_on_one_line(&run, ": 2 migrations, 1 pending");
    }
    // At 120 the table holds the full time; at 80 the rows become records, each field whole.
    let wide = at_width(&project, &db, 120, &["status"]);
    assert_on_one_line(&wide, &format!("┆ {LONG_MIGRATION} ┆"));
    assert_on_one_line(&wide, &applied_at);
    let narrow = at_width(&project, &db, 80, &["status"]);
    assert!(
        narrow.stdout.contains(&format!(
            "001 {LONG_MIGRATION}\n  state: applied\n  applied at: {applied_at}\n"
        )),
        "{}",
        narrow.stdout
    );
}

const JOBS: &str = "[jobs.read_notifications_retention]\nkind = \"retention\"\nschedule = \"daily\"\ntable = \"public.read_notifications\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\n\n[jobs.bump]\nkind = \"sql\"\nschedule = \"daily\"\nsql = \"update counters set n = n + 1 where name = 'visits'\"\n\n[jobs.broken]\nkind = \"sql\"\nschedule = \"daily\"\nsql = \"select 1 / 0\"\n";

#[test]
fn job_history_keeps_names_and_times_whole_and_gives_detail_as_fields() {
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "create table read_notifications (id int, created_at timestamptz not null);
             insert into read_notifications select g, now() - interval '40 days' from generate_series(1, 25) g;
             create table counters (name text primary key, n int not null);
             insert into counters values ('visits', 0);",
        )
        .unwrap();
    let project = Project::new();
    project.write("dbward.toml", JOBS);
    // `broken` fails (exit 1); the others still run.
    assert_code(
        &project.dbward(&db, &["job", "run", "--schedule", "daily"]),
        1,
    );

    let history = project.dbward(&db, &["job", "history", "--format", "json"]);
    assert_code(&history, 0);
    let runs = history.json()["runs"].as_array().unwrap().clone();
    let retention = runs
        .iter()
        .find(|r| r["job"] == "read_notifications_retention")
        .unwrap_or_else(|| panic!("{runs:#?}"));
    // The detail is the object `job run` gives, not a string holding it.
    assert!(retention["detail"].is_object(), "{retention:#?}");
    assert_eq!(retention["detail"]["removed"], 25);
    assert_eq!(retention["detail"]["table"], "public.read_notifications");
    let bump = runs.iter().find(|r| r["job"] == "bump").unwrap();
    assert_eq!(
        bump["detail"]["sql"],
        "update counters set n = n + 1 where name = 'visits'"
    );
    // A failed run's words are an object too.
    let broken = runs.iter().find(|r| r["job"] == "broken").unwrap();
    assert_eq!(broken["status"], "failed");
    assert!(
        broken["detail"]["error"]
            .as_str()
            .unwrap()
            .contains("division by zero"),
        "{broken:#?}"
    );
    let started = retention["started_at"].as_str().unwrap();

    for width in WIDTHS {
        let run = at_width(&project, &db, width, &["job", "history"]);
        assert_code(&run, 0);
        assert_fits(&run, width);
        assert_on_one_line(&run, "read_notifications_retention");
        assert!(
            run.stdout.contains(started) || run.stdout.contains(&short(started)),
            "{}",
            run.stdout
        );
        // The detail reads as fields, the job's SQL whole for pasting.
        assert_on_one_line(&run, "removed: 25");
        assert_on_one_line(&run, "table: public.read_notifications");
        assert_on_one_line(
            &run,
            "`update counters set n = n + 1 where name = 'visits'`",
        );
        assert!(!run.stdout.contains("{\""), "raw JSON:\n{}", run.stdout);
        assert!(run.stdout.contains("error: "), "{}", run.stdout);

        // `job list` too: the job names whole, a SQL job's statement on one line.
        let list = at_width(&project, &db, width, &["job", "list"]);
        assert_code(&list, 0);
        assert_fits(&list, width);
        assert_on_one_line(&list, "read_notifications_retention");
        assert_on_one_line(
            &list,
            "`update counters set n = n + 1 where name = 'visits'`",
        );
    }
}

#[test]
fn verify_keeps_a_sql_fix_on_one_line() {
    let db = TestDb::new();
    let project = Project::new();
    project.write("dbward.toml", "compat = \"supabase\"\n");
    project.migration(
        "001_schema.sql",
        "create table read_notifications (id int primary key, body text);\ngrant select on read_notifications to anon;",
        "drop table read_notifications;",
    );
    assert_code(&project.dbward(&db, &["up"]), 0);
    for width in WIDTHS {
        let run = at_width(&project, &db, width, &["verify"]);
        assert_code(&run, 3);
        assert_fits(&run, width);
        assert_on_one_line(&run, "rls_disabled_exposed");
        assert_on_one_line(&run, "public.read_notifications");
        assert_on_one_line(
            &run,
            "`ALTER TABLE \"public\".\"read_notifications\" ENABLE ROW LEVEL SECURITY`",
        );
    }
}

#[test]
fn without_columns_a_pipe_gets_each_row_on_one_line() {
    let db = TestDb::new();
    let project = Project::new();
    project.migration(
        &format!("001_{LONG_MIGRATION}.sql"),
        "create table events (id int);",
        "drop table events;",
    );
    let run = project.dbward(&db, &["status"]);
    assert_code(&run, 0);
    assert_on_one_line(&run, &format!("│ 001     ┆ {LONG_MIGRATION} ┆ pending"));
    assert_on_one_line(&run, ": 1 migration, 1 pending");
    let up = project.dbward(&db, &["up"]);
    assert_code(&up, 0);
    assert_on_one_line(&up, ": ran 1 migration in ");
}

#[test]
fn the_health_report_counts_long_running_queries_in_english() {
    let db = TestDb::new();
    let project = Project::new();
    project.write(
        "dbward.toml",
        "[jobs.health]\nkind = \"report\"\nschedule = \"daily\"\nlong_running = \"100ms\"\n",
    );
    // One query surely running long while the report looks.
    let url = db.url();
    let sleeper = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client.batch_execute("select pg_sleep(8)").unwrap();
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let run = project.dbward(&db, &["job", "run", "health", "-v"]);
    assert_code(&run, 0);
    let summary = run
        .stdout
        .lines()
        .find(|l| l.starts_with("health: health report: 8 sections, "))
        .unwrap_or_else(|| panic!("{run:?}"));
    let long = summary
        .split(", ")
        .nth(1)
        .unwrap()
        .split(" (")
        .next()
        .unwrap();
    let (n, words) = long.split_once(' ').unwrap();
    let n: u32 = n.parse().unwrap();
    assert!(n >= 1, "{summary}");
    let word = if n == 1 {
        "long-running query"
    } else {
        "long-running queries"
    };
    assert_eq!(words, word, "{summary}");
    // The report's tables fit too, the sleeping query's text whole on its line.
    for width in WIDTHS {
        let run = at_width(&project, &db, width, &["job", "run", "health"]);
        assert_code(&run, 0);
        assert_fits(&run, width);
        assert_on_one_line(&run, "select pg_sleep(8)");
    }
    sleeper.join().unwrap();
}

/// `text` without its terminal escapes (`ESC [ ... letter`), cut at every carriage return
/// and newline: the lines a terminal shows, one redraw each.
fn screen_lines(text: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        plain.push(c);
    }
    plain
        .split(['\r', '\n'])
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn the_retention_progress_bar_fits_an_80_column_terminal() {
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "create table read_notifications (id int, created_at timestamptz not null);
             insert into read_notifications select g, now() - interval '40 days' from generate_series(1, 20000) g;",
        )
        .unwrap();
    let project = Project::new();
    project.write(
        "dbward.toml",
        "[jobs.read_notifications_retention]\nkind = \"retention\"\nschedule = \"daily\"\ntable = \"public.read_notifications\"\ncolumn = \"created_at\"\nolder_than = \"30 days\"\nbatch_size = 500\npause = \"30ms\"\n",
    );
    // A terminal of 80 columns: `script` gives the run a pseudo-terminal.
    let command = format!(
        "stty cols 80 rows 24; exec {} job run read_notifications_retention",
        env!("CARGO_BIN_EXE_dbward")
    );
    let mut script = std::process::Command::new("script");
    script
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .current_dir(project.path())
        .env("DATABASE_URL", db.url())
        .env_remove("COLUMNS");
    let run = Run::from(script.output().unwrap());
    assert_code(&run, 0);
    let lines = screen_lines(&run.stdout);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("read_notifications_retention [") && l.contains(" rows, ")),
        "no progress bar drawn: {lines:#?}"
    );
    for line in &lines {
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
}
