//! The planner's SQL runs on a real PostgreSQL: a schema made by hand, the generated
//! migration pair applied (the main file in one transaction, the concurrent one statement by
//! statement), the catalog compared with the target made directly, then both rollbacks
//! applied and the catalog compared with the start.

mod support;

use std::collections::BTreeSet;

use dbward::schema_diff::model::{
    Body, ConstraintKind, Identity, Key, Kind, Object, PolicyCommand, Schema,
};
use dbward::schema_diff::{Statement, changes, render};
use support::TestDb;

fn key(kind: Kind, name: &str) -> Key {
    Key::new(kind, name)
}

struct Build(Schema);

impl Build {
    fn new() -> Build {
        Build(Schema::default())
    }

    fn add(&mut self, kind: Kind, name: &str, owner: Option<Key>, body: Body, deps: &[Key]) {
        self.0.insert(Object {
            key: key(kind, name),
            owner,
            body,
            depends_on: deps.iter().cloned().collect(),
        });
    }

    fn table(&mut self, name: &str, row_security: bool) {
        self.add(
            Kind::Table,
            name,
            None,
            Body::Table {
                partition_by: None,
                partition_of: None,
                unlogged: false,
                row_security,
                force_row_security: false,
            },
            &[],
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn column(
        &mut self,
        table: &str,
        column: &str,
        data_type: &str,
        not_null: bool,
        default: Option<&str>,
        identity: Option<Identity>,
        position: i16,
        deps: &[Key],
    ) {
        self.add(
            Kind::Column,
            &format!("{table}.{column}"),
            Some(key(Kind::Table, table)),
            Body::Column {
                table: table.into(),
                column: column.into(),
                data_type: data_type.into(),
                collation: None,
                not_null,
                default: default.map(String::from),
                identity,
                generated: None,
                position,
            },
            deps,
        );
    }

    fn constraint(
        &mut self,
        table: &str,
        name: &str,
        kind: ConstraintKind,
        def: &str,
        deps: &[Key],
    ) {
        self.add(
            Kind::Constraint,
            &format!("{table} {name}"),
            Some(key(Kind::Table, table)),
            Body::Constraint {
                table: table.into(),
                constraint: kind,
                definition: def.into(),
                validated: true,
            },
            deps,
        );
    }

    fn index(&mut self, table: &str, name: &str, create: &str, deps: &[Key]) {
        let owner = if table.contains("tag_counts") {
            key(Kind::MaterializedView, table)
        } else {
            key(Kind::Table, table)
        };
        self.add(
            Kind::Index,
            &format!("public.{name}"),
            Some(owner),
            Body::Index {
                table: table.into(),
                create: create.into(),
            },
            deps,
        );
    }

    fn comment(&mut self, on: &str, owner: Key, text: &str) {
        self.add(
            Kind::Comment,
            on,
            Some(owner),
            Body::Comment {
                on: on.into(),
                text: text.into(),
            },
            &[],
        );
    }
}

/// PUBLIC's built-in privilege on each function and type, as the catalog reader lists it.
fn with_defaults(mut schema: Schema) -> Schema {
    let defaults: Vec<Object> = schema
        .objects
        .values()
        .filter_map(|o| {
            let (privilege, word) = match &o.body {
                Body::Function { .. } => ("EXECUTE", "FUNCTION"),
                Body::Enum { .. } | Body::Domain { .. } | Body::Composite { .. } => {
                    ("USAGE", "TYPE")
                }
                _ => return None,
            };
            let on = format!("{word} {}", o.key.name);
            Some(Object {
                key: key(Kind::Grant, &format!("{on} TO PUBLIC")),
                owner: Some(o.key.clone()),
                body: Body::Grant {
                    on,
                    columns: vec![],
                    grantee: "PUBLIC".into(),
                    privileges: BTreeSet::from([privilege.to_string()]),
                    grantable: BTreeSet::new(),
                },
                depends_on: BTreeSet::new(),
            })
        })
        .collect();
    for grant in defaults {
        schema.insert(grant);
    }
    schema
}

fn col(name: &str) -> Key {
    key(Kind::Column, name)
}

const FROM_SQL: &str = "
CREATE TYPE public.mood AS ENUM ('ok');
CREATE TABLE public.profiles (id uuid NOT NULL, name text);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);
CREATE TABLE public.notes (id bigint NOT NULL, profile_id uuid, body text,
  mood public.mood DEFAULT 'ok'::public.mood);
CREATE INDEX notes_old_idx ON public.notes USING btree (id);
CREATE VIEW public.old_view AS SELECT notes.id FROM public.notes;
COMMENT ON TABLE public.profiles IS 'people';
INSERT INTO public.profiles VALUES ('00000000-0000-0000-0000-000000000001', 'Ann');
INSERT INTO public.notes VALUES (1, '00000000-0000-0000-0000-000000000001', 'hello', 'ok');
";

fn from_model() -> Schema {
    let mut b = Build::new();
    b.add(
        Kind::Type,
        "public.mood",
        None,
        Body::Enum {
            labels: vec!["ok".into()],
        },
        &[],
    );
    b.table("public.profiles", false);
    b.column("public.profiles", "id", "uuid", true, None, None, 1, &[]);
    b.column("public.profiles", "name", "text", false, None, None, 2, &[]);
    b.constraint(
        "public.profiles",
        "profiles_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.profiles.id")],
    );
    b.table("public.notes", false);
    b.column("public.notes", "id", "bigint", true, None, None, 1, &[]);
    b.column(
        "public.notes",
        "profile_id",
        "uuid",
        false,
        None,
        None,
        2,
        &[],
    );
    b.column("public.notes", "body", "text", false, None, None, 3, &[]);
    b.column(
        "public.notes",
        "mood",
        "public.mood",
        false,
        Some("'ok'::public.mood"),
        None,
        4,
        &[key(Kind::Type, "public.mood")],
    );
    b.index(
        "public.notes",
        "notes_old_idx",
        "CREATE INDEX notes_old_idx ON public.notes USING btree (id)",
        &[col("public.notes.id")],
    );
    b.add(
        Kind::View,
        "public.old_view",
        None,
        Body::View {
            query: " SELECT notes.id\n   FROM public.notes;".into(),
            options: vec![],
        },
        &[col("public.notes.id"), key(Kind::Table, "public.notes")],
    );
    b.comment(
        "TABLE public.profiles",
        key(Kind::Table, "public.profiles"),
        "people",
    );
    with_defaults(b.0)
}

const TO_SQL: &str = r#"
CREATE SCHEMA private;
CREATE SCHEMA extensions;
CREATE EXTENSION citext WITH SCHEMA extensions;
CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN public.pos AS integer CONSTRAINT pos_check CHECK (VALUE > 0);
CREATE SEQUENCE public.counter AS bigint START WITH 10 INCREMENT BY 1;
CREATE FUNCTION private.is_owner(id uuid) RETURNS boolean LANGUAGE sql STABLE
  AS $function$select id is not null$function$;
CREATE FUNCTION private.touch() RETURNS trigger LANGUAGE plpgsql
  AS $function$begin return new; end$function$;
REVOKE ALL ON FUNCTION private.touch() FROM PUBLIC;
CREATE TABLE public.profiles (id uuid NOT NULL, full_name text DEFAULT ''::text NOT NULL,
  email extensions.citext);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW
  EXECUTE FUNCTION private.touch();
CREATE POLICY "owner's" ON public.profiles AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (private.is_owner(id));
CREATE TABLE public.notes (id bigint NOT NULL, profile_id uuid, body character varying(500),
  mood public.mood DEFAULT 'ok'::public.mood,
  n bigint DEFAULT nextval('public.counter'::regclass));
ALTER SEQUENCE public.counter OWNED BY public.notes.n;
ALTER TABLE public.notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id);
ALTER TABLE public.notes ADD CONSTRAINT notes_profile_id_fkey FOREIGN KEY (profile_id)
  REFERENCES public.profiles(id);
ALTER TABLE public.notes ADD CONSTRAINT notes_body_check CHECK ((length((body)::text) > 0));
CREATE INDEX notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL);
CREATE TABLE public.tags (id bigint NOT NULL GENERATED ALWAYS AS IDENTITY, label text NOT NULL,
  weight public.pos);
ALTER TABLE public.tags ADD CONSTRAINT tags_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX tags_lower_idx ON public.tags USING btree (lower(label));
CREATE VIEW public.note_view AS SELECT notes.id, notes.body FROM public.notes;
CREATE MATERIALIZED VIEW public.tag_counts AS SELECT count(*) AS n FROM public.tags;
CREATE INDEX tag_counts_n_idx ON public.tag_counts USING btree (n);
COMMENT ON TABLE public.profiles IS 'people''s profiles';
COMMENT ON COLUMN public.notes.body IS 'the text';
GRANT SELECT ON TABLE public.notes TO PUBLIC;
CREATE PUBLICATION feed FOR TABLE public.notes WITH (publish = 'insert, update');
"#;

fn to_model() -> Schema {
    let mut b = Build::new();
    b.add(Kind::Schema, "private", None, Body::Schema, &[]);
    b.add(Kind::Schema, "extensions", None, Body::Schema, &[]);
    b.add(
        Kind::Extension,
        "citext",
        None,
        Body::Extension {
            schema: "extensions".into(),
        },
        &[key(Kind::Schema, "extensions")],
    );
    b.add(
        Kind::Type,
        "public.mood",
        None,
        Body::Enum {
            labels: vec!["sad".into(), "ok".into(), "happy".into()],
        },
        &[],
    );
    b.add(
        Kind::Type,
        "public.pos",
        None,
        Body::Domain {
            create: "CREATE DOMAIN public.pos AS integer CONSTRAINT pos_check CHECK (VALUE > 0)"
                .into(),
        },
        &[],
    );
    b.add(
        Kind::Sequence,
        "public.counter",
        None,
        Body::Sequence {
            create: "CREATE SEQUENCE public.counter AS bigint START WITH 10 INCREMENT BY 1 MINVALUE 1 NO MAXVALUE CACHE 1".into(),
            owned_by: Some("public.notes.n".into()),
        },
        &[col("public.notes.n")],
    );
    let is_owner = "CREATE OR REPLACE FUNCTION private.is_owner(id uuid)\n RETURNS boolean\n LANGUAGE sql\n STABLE\nAS $function$select id is not null$function$\n";
    b.add(
        Kind::Function,
        "private.is_owner(uuid)",
        None,
        Body::Function {
            create: is_owner.into(),
            returns: Some("boolean".into()),
            procedure: false,
        },
        &[key(Kind::Schema, "private")],
    );
    let touch = "CREATE OR REPLACE FUNCTION private.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$begin return new; end$function$\n";
    b.add(
        Kind::Function,
        "private.touch()",
        None,
        Body::Function {
            create: touch.into(),
            returns: Some("trigger".into()),
            procedure: false,
        },
        &[key(Kind::Schema, "private")],
    );
    b.table("public.profiles", true);
    b.column("public.profiles", "id", "uuid", true, None, None, 1, &[]);
    b.column(
        "public.profiles",
        "full_name",
        "text",
        true,
        Some("''::text"),
        None,
        3,
        &[],
    );
    b.column(
        "public.profiles",
        "email",
        "extensions.citext",
        false,
        None,
        None,
        4,
        &[key(Kind::Extension, "citext")],
    );
    b.constraint(
        "public.profiles",
        "profiles_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.profiles.id")],
    );
    b.add(
        Kind::Trigger,
        "public.profiles profiles_touch",
        Some(key(Kind::Table, "public.profiles")),
        Body::Trigger {
            table: "public.profiles".into(),
            create: "CREATE TRIGGER profiles_touch BEFORE UPDATE ON public.profiles FOR EACH ROW EXECUTE FUNCTION private.touch()".into(),
        },
        &[key(Kind::Function, "private.touch()")],
    );
    b.add(
        Kind::Policy,
        "public.profiles \"owner's\"",
        Some(key(Kind::Table, "public.profiles")),
        Body::Policy {
            table: "public.profiles".into(),
            policy: "\"owner's\"".into(),
            permissive: true,
            command: PolicyCommand::Select,
            roles: vec!["PUBLIC".into()],
            using: Some("private.is_owner(id)".into()),
            with_check: None,
        },
        &[
            key(Kind::Function, "private.is_owner(uuid)"),
            col("public.profiles.id"),
        ],
    );
    b.table("public.notes", false);
    b.column("public.notes", "id", "bigint", true, None, None, 1, &[]);
    b.column(
        "public.notes",
        "profile_id",
        "uuid",
        false,
        None,
        None,
        2,
        &[],
    );
    b.column(
        "public.notes",
        "body",
        "character varying(500)",
        false,
        None,
        None,
        3,
        &[],
    );
    b.column(
        "public.notes",
        "mood",
        "public.mood",
        false,
        Some("'ok'::public.mood"),
        None,
        4,
        &[key(Kind::Type, "public.mood")],
    );
    b.column(
        "public.notes",
        "n",
        "bigint",
        false,
        Some("nextval('public.counter'::regclass)"),
        None,
        5,
        &[key(Kind::Sequence, "public.counter")],
    );
    b.constraint(
        "public.notes",
        "notes_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.notes.id")],
    );
    b.constraint(
        "public.notes",
        "notes_profile_id_fkey",
        ConstraintKind::ForeignKey,
        "FOREIGN KEY (profile_id) REFERENCES public.profiles(id)",
        &[col("public.notes.profile_id"), col("public.profiles.id")],
    );
    b.constraint(
        "public.notes",
        "notes_body_check",
        ConstraintKind::Check,
        "CHECK ((length((body)::text) > 0))",
        &[col("public.notes.body")],
    );
    b.index(
        "public.notes",
        "notes_body_idx",
        "CREATE INDEX notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL)",
        &[col("public.notes.body")],
    );
    b.table("public.tags", false);
    b.column(
        "public.tags",
        "id",
        "bigint",
        true,
        None,
        Some(Identity::Always),
        1,
        &[],
    );
    b.column("public.tags", "label", "text", true, None, None, 2, &[]);
    b.column(
        "public.tags",
        "weight",
        "public.pos",
        false,
        None,
        None,
        3,
        &[key(Kind::Type, "public.pos")],
    );
    b.constraint(
        "public.tags",
        "tags_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.tags.id")],
    );
    b.index(
        "public.tags",
        "tags_lower_idx",
        "CREATE UNIQUE INDEX tags_lower_idx ON public.tags USING btree (lower(label))",
        &[col("public.tags.label")],
    );
    b.add(
        Kind::View,
        "public.note_view",
        None,
        Body::View {
            query: " SELECT notes.id,\n    notes.body\n   FROM public.notes;".into(),
            options: vec![],
        },
        &[
            col("public.notes.id"),
            col("public.notes.body"),
            key(Kind::Table, "public.notes"),
        ],
    );
    b.add(
        Kind::MaterializedView,
        "public.tag_counts",
        None,
        Body::MaterializedView {
            query: " SELECT count(*) AS n\n   FROM public.tags;".into(),
        },
        &[key(Kind::Table, "public.tags")],
    );
    b.index(
        "public.tag_counts",
        "tag_counts_n_idx",
        "CREATE INDEX tag_counts_n_idx ON public.tag_counts USING btree (n)",
        &[],
    );
    b.comment(
        "TABLE public.profiles",
        key(Kind::Table, "public.profiles"),
        "people's profiles",
    );
    b.comment(
        "COLUMN public.notes.body",
        col("public.notes.body"),
        "the text",
    );
    b.add(
        Kind::Grant,
        "TABLE public.notes TO PUBLIC",
        Some(key(Kind::Table, "public.notes")),
        Body::Grant {
            on: "TABLE public.notes".into(),
            columns: vec![],
            grantee: "PUBLIC".into(),
            privileges: BTreeSet::from(["SELECT".to_string()]),
            grantable: BTreeSet::new(),
        },
        &[],
    );
    b.add(
        Kind::Publication,
        "feed",
        None,
        Body::Publication {
            all_tables: false,
            tables: BTreeSet::from(["public.notes".to_string()]),
            publish: "insert, update".into(),
        },
        &[key(Kind::Table, "public.notes")],
    );
    // The target takes EXECUTE on touch() back from PUBLIC.
    let mut schema = with_defaults(b.0);
    schema
        .objects
        .remove(&key(Kind::Grant, "FUNCTION private.touch() TO PUBLIC"));
    schema
}

/// The catalog as a migration's author sees it, by name: what each object is, not where it
/// sits (column numbers and oids change when a column is dropped and added again).
const DETAIL: &str = r#"
with ns as (select oid from pg_namespace
  where nspname not like 'pg\_%' and nspname <> 'information_schema')
select 'schema ' || nspname from pg_namespace
 where oid in (select oid from ns) and nspname <> 'public'
union all select 'ext ' || extname || ' in ' || extnamespace::regnamespace::text from pg_extension
union all select format('rel %s %s persistence=%s rls=%s force=%s partition=%s %s', c.oid::regclass,
   c.relkind, c.relpersistence, c.relrowsecurity, c.relforcerowsecurity,
   pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid))
 from pg_class c where c.relnamespace in (select oid from ns) and c.relkind in ('r','v','m','S','p','i','I')
union all select format('column %s.%s %s notnull=%s default=%s identity=%s generated=%s',
   a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
   pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated)
 from pg_attribute a join pg_class c on c.oid = a.attrelid
 left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where c.relnamespace in (select oid from ns) and c.relkind in ('r','v','m','p') and a.attnum > 0
   and not a.attisdropped
union all select format('constraint %s %s %s valid=%s', conrelid::regclass, conname,
   pg_get_constraintdef(oid), convalidated) from pg_constraint where connamespace in (select oid from ns)
union all select format('index %s valid=%s', pg_get_indexdef(indexrelid), indisvalid) from pg_index
 where indrelid in (select oid from pg_class where relnamespace in (select oid from ns))
union all select format('enum %s %s', enumtypid::regtype, string_agg(enumlabel, ',' order by enumsortorder))
 from pg_enum group by enumtypid
union all select format('type %s %s acl=%s', oid::regtype, typtype,
   (select string_agg(x.privilege_type || ' to ' || x.grantee::regrole::text, ', ' order by 1)
    from aclexplode(coalesce(typacl, acldefault('T', typowner))) x where x.grantee <> typowner))
 from pg_type
 where typnamespace in (select oid from ns) and typtype in ('e','d','c') and typrelid = 0
union all select format('function %s returns %s: %s acl=%s', p.oid::regprocedure,
   pg_get_function_result(p.oid), p.prosrc,
   (select string_agg(x.privilege_type || ' to ' || x.grantee::regrole::text, ', ' order by 1)
    from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x where x.grantee <> p.proowner))
 from pg_proc p where pronamespace in (select oid from ns)
union all select 'trigger ' || pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
union all select format('policy %s on %s %s %s %s using=%s check=%s', polname, polrelid::regclass,
   polpermissive, polcmd, polroles::regrole[], pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid))
 from pg_policy
union all select format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) from pg_class c
 where c.relnamespace in (select oid from ns) and c.relkind in ('v','m')
union all select format('comment %s.%s %s', d.objoid::regclass, coalesce(a.attname, '-'), d.description)
 from pg_description d
 left join pg_attribute a on a.attrelid = d.objoid and a.attnum = d.objsubid and d.objsubid > 0
 where d.classoid = 'pg_class'::regclass
union all select format('grant %s %s to %s', c.oid::regclass, x.privilege_type, x.grantee::regrole)
 from pg_class c, aclexplode(c.relacl) x
 where c.relnamespace in (select oid from ns) and x.grantee <> c.relowner
union all select format('publication %s ins=%s upd=%s del=%s', pubname, pubinsert, pubupdate, pubdelete)
 from pg_publication
union all select format('published %s %s.%s', pubname, schemaname, tablename) from pg_publication_tables
union all select format('sequence %s.%s %s start=%s by=%s', schemaname, sequencename, data_type,
   start_value, increment_by) from pg_sequences
union all select format('owned %s by %s.%s', d.objid::regclass, d.refobjid::regclass, a.attname)
 from pg_depend d join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
 where d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
   and d.objid in (select oid from pg_class where relkind = 'S')
order by 1"#;

fn detail(db: &TestDb) -> Vec<String> {
    db.lines(DETAIL)
}

/// The main file as dbward runs it: one transaction.
fn run_in_transaction(db: &TestDb, statements: &[Statement]) {
    let sql = render(statements);
    db.client()
        .batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
}

/// The concurrent file: each statement on its own, outside a transaction.
fn run_each(db: &TestDb, statements: &[Statement]) {
    let mut client = db.client();
    for statement in statements {
        client
            .batch_execute(&statement.sql)
            .unwrap_or_else(|e| panic!("{e:?}\n{}", statement.sql));
    }
}

fn made(sql: &str) -> TestDb {
    let db = TestDb::new();
    db.client().batch_execute(sql).unwrap();
    db
}

#[test]
fn the_generated_pair_takes_the_schema_there_and_back_on_postgres() {
    let db = made(FROM_SQL);
    let target = made(&format!(
        "{FROM_SQL}\nDROP VIEW public.old_view;\nDROP TABLE public.notes, public.profiles;\nDROP TYPE public.mood;\n{TO_SQL}"
    ));
    let start = detail(&db);
    let plan = changes(&from_model(), &to_model());

    run_in_transaction(&db, &plan.main.up);
    run_each(&db, &plan.concurrent.up);
    assert_eq!(detail(&db), detail(&target));
    // The rows survived: the note's text, its mood, its new column filled from the sequence.
    assert_eq!(
        db.scalar("select body || ' ' || mood || ' ' || n from public.notes"),
        "hello ok 10"
    );
    // The new index was built concurrently, and the new keys validated, in the second file.
    assert_eq!(
        plan.concurrent
            .up
            .iter()
            .map(|s| s.sql.as_str())
            .collect::<Vec<_>>(),
        [
            "ALTER TABLE public.notes VALIDATE CONSTRAINT notes_body_check;",
            "ALTER TABLE public.notes VALIDATE CONSTRAINT notes_profile_id_fkey;",
            "CREATE INDEX CONCURRENTLY notes_body_idx ON public.notes USING btree (body) WHERE (body IS NOT NULL);"
        ]
    );
    assert_eq!(
        plan.possible_renames,
        ["public.profiles: name dropped, email, full_name added"]
    );

    run_each(&db, &plan.concurrent.down);
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
    assert_eq!(
        db.scalar("select body || ' ' || mood from public.notes"),
        "hello ok"
    );
}

#[test]
fn a_schema_made_from_nothing_and_dropped_to_nothing_runs() {
    let db = made("");
    let target = made(TO_SQL);
    let start = detail(&db);
    let plan = changes(&Schema::default(), &to_model());
    assert!(plan.concurrent.is_empty());
    run_in_transaction(&db, &plan.main.up);
    assert_eq!(detail(&db), detail(&target));
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
}

impl Build {
    fn function(&mut self, name: &str, create: &str, returns: &str, deps: &[Key]) {
        self.add(
            Kind::Function,
            name,
            None,
            Body::Function {
                create: create.into(),
                returns: Some(returns.into()),
                procedure: false,
            },
            deps,
        );
    }

    fn view(&mut self, name: &str, query: &str, deps: &[Key]) {
        self.add(
            Kind::View,
            name,
            None,
            Body::View {
                query: query.into(),
                options: vec![],
            },
            deps,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn policy(
        &mut self,
        table: &str,
        name: &str,
        command: PolicyCommand,
        using: Option<&str>,
        check: Option<&str>,
        deps: &[Key],
    ) {
        self.add(
            Kind::Policy,
            &format!("{table} {name}"),
            Some(key(Kind::Table, table)),
            Body::Policy {
                table: table.into(),
                policy: name.into(),
                permissive: true,
                command,
                roles: vec!["PUBLIC".into()],
                using: using.map(String::from),
                with_check: check.map(String::from),
            },
            deps,
        );
    }

    fn grant(&mut self, table: &str, privileges: &[&str]) {
        self.add(
            Kind::Grant,
            &format!("TABLE {table} TO PUBLIC"),
            Some(key(Kind::Table, table)),
            Body::Grant {
                on: format!("TABLE {table}"),
                columns: vec![],
                grantee: "PUBLIC".into(),
                privileges: privileges.iter().map(|p| p.to_string()).collect(),
                grantable: BTreeSet::new(),
            },
            &[],
        );
    }
}

fn function_text(name: &str, returns: &str, language: &str, body: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION {name}\n RETURNS {returns}\n LANGUAGE {language}\nAS $function$\
         {body}$function$\n"
    )
}

const FROM_APP: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done', 'gone');
CREATE DOMAIN app.short AS text CONSTRAINT short_check CHECK ((length(VALUE) < 10));
CREATE SEQUENCE app.ticket_seq AS integer START WITH 1 INCREMENT BY 1;
CREATE FUNCTION app.next_ticket() RETURNS integer LANGUAGE sql
  AS $function$select nextval('app.ticket_seq')::integer$function$;
CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql
  AS $function$begin return new; end$function$;
CREATE TABLE app.tasks (id integer DEFAULT app.next_ticket() NOT NULL, title text,
  status app.status DEFAULT 'new'::app.status, code app.short, score integer,
  doubled integer GENERATED ALWAYS AS ((score * 2)) STORED);
ALTER TABLE app.tasks ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);
ALTER TABLE app.tasks ADD CONSTRAINT tasks_status_check CHECK ((status IS NOT NULL));
CREATE INDEX tasks_title_idx ON app.tasks USING btree (title);
CREATE VIEW app.open_tasks AS SELECT tasks.id, tasks.title, tasks.status FROM app.tasks
  WHERE (tasks.status = 'new'::app.status);
CREATE VIEW app.open_count AS SELECT count(*) AS n FROM app.open_tasks;
CREATE TRIGGER tasks_stamp BEFORE INSERT ON app.tasks FOR EACH ROW EXECUTE FUNCTION app.stamp();
ALTER TABLE app.tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY readers ON app.tasks AS PERMISSIVE FOR SELECT TO PUBLIC USING ((score > 0));
CREATE POLICY writers ON app.tasks AS PERMISSIVE FOR INSERT TO PUBLIC WITH CHECK (true);
GRANT SELECT, INSERT ON TABLE app.tasks TO PUBLIC;
CREATE PUBLICATION pub FOR TABLE app.tasks WITH (publish = 'insert');
"#;

const TO_APP: &str = r#"
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'done');
CREATE DOMAIN app.short AS text CONSTRAINT short_check CHECK ((length(VALUE) < 20));
CREATE SEQUENCE app.ticket_seq AS bigint START WITH 1 INCREMENT BY 2;
CREATE FUNCTION app.next_ticket() RETURNS bigint LANGUAGE sql
  AS $function$select nextval('app.ticket_seq')$function$;
CREATE FUNCTION app.stamp() RETURNS trigger LANGUAGE plpgsql
  AS $function$begin new.title := coalesce(new.title, 'untitled'); return new; end$function$;
CREATE TABLE app.tasks (id integer DEFAULT app.next_ticket() NOT NULL,
  title text DEFAULT 'untitled'::text NOT NULL,
  status app.status DEFAULT 'new'::app.status, code app.short, score bigint,
  doubled bigint GENERATED ALWAYS AS ((score * 2)) STORED);
ALTER TABLE app.tasks ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);
ALTER TABLE app.tasks ADD CONSTRAINT tasks_status_check CHECK ((status IS NOT NULL));
CREATE INDEX tasks_title_idx ON app.tasks USING btree (title, id);
CREATE INDEX tasks_status_idx ON app.tasks USING btree (status);
CREATE VIEW app.open_tasks AS SELECT tasks.id, tasks.title, tasks.status FROM app.tasks
  WHERE (tasks.status = 'new'::app.status);
CREATE VIEW app.open_count AS SELECT count(*) AS n FROM app.open_tasks;
CREATE TRIGGER tasks_stamp BEFORE INSERT OR UPDATE ON app.tasks FOR EACH ROW
  EXECUTE FUNCTION app.stamp();
ALTER TABLE app.tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY readers ON app.tasks AS PERMISSIVE FOR SELECT TO PUBLIC USING ((score > 1));
CREATE POLICY writers ON app.tasks AS PERMISSIVE FOR INSERT TO PUBLIC
  WITH CHECK ((title IS NOT NULL));
GRANT SELECT, UPDATE ON TABLE app.tasks TO PUBLIC;
CREATE TABLE app.log (id integer NOT NULL GENERATED BY DEFAULT AS IDENTITY, msg text);
CREATE TABLE app.events (at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2026 PARTITION OF app.events
  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE PUBLICATION pub FOR TABLE app.tasks, app.log WITH (publish = 'insert, delete');
"#;

fn app_model(target: bool) -> Schema {
    let mut b = Build::new();
    let pick = |a: &'static str, b: &'static str| if target { b } else { a };
    b.add(Kind::Schema, "app", None, Body::Schema, &[]);
    let labels: &[&str] = if target {
        &["new", "done"]
    } else {
        &["new", "done", "gone"]
    };
    b.add(
        Kind::Type,
        "app.status",
        None,
        Body::Enum {
            labels: labels.iter().map(|l| l.to_string()).collect(),
        },
        &[],
    );
    b.add(
        Kind::Type,
        "app.short",
        None,
        Body::Domain {
            create: format!(
                "CREATE DOMAIN app.short AS text CONSTRAINT short_check CHECK ((length(VALUE) < {}))",
                pick("10", "20")
            ),
        },
        &[],
    );
    b.add(
        Kind::Sequence,
        "app.ticket_seq",
        None,
        Body::Sequence {
            create: pick(
                "CREATE SEQUENCE app.ticket_seq AS integer START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 CACHE 1",
                "CREATE SEQUENCE app.ticket_seq AS bigint START WITH 1 INCREMENT BY 2 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1",
            )
            .into(),
            owned_by: None,
        },
        &[],
    );
    b.function(
        "app.next_ticket()",
        &function_text(
            "app.next_ticket()",
            pick("integer", "bigint"),
            "sql",
            pick(
                "select nextval('app.ticket_seq')::integer",
                "select nextval('app.ticket_seq')",
            ),
        ),
        pick("integer", "bigint"),
        &[],
    );
    b.function(
        "app.stamp()",
        &function_text(
            "app.stamp()",
            "trigger",
            "plpgsql",
            pick(
                "begin return new; end",
                "begin new.title := coalesce(new.title, 'untitled'); return new; end",
            ),
        ),
        "trigger",
        &[],
    );
    b.add(
        Kind::Table,
        "app.tasks",
        None,
        Body::Table {
            partition_by: None,
            partition_of: None,
            unlogged: false,
            row_security: true,
            force_row_security: target,
        },
        &[],
    );
    let t = "app.tasks";
    b.column(
        t,
        "id",
        "integer",
        true,
        Some("app.next_ticket()"),
        None,
        1,
        &[key(Kind::Function, "app.next_ticket()")],
    );
    if target {
        b.column(
            t,
            "title",
            "text",
            true,
            Some("'untitled'::text"),
            None,
            2,
            &[],
        );
    } else {
        b.column(t, "title", "text", false, None, None, 2, &[]);
    }
    b.column(
        t,
        "status",
        "app.status",
        false,
        Some("'new'::app.status"),
        None,
        3,
        &[key(Kind::Type, "app.status")],
    );
    b.column(
        t,
        "code",
        "app.short",
        false,
        None,
        None,
        4,
        &[key(Kind::Type, "app.short")],
    );
    b.column(
        t,
        "score",
        pick("integer", "bigint"),
        false,
        None,
        None,
        5,
        &[],
    );
    b.add(
        Kind::Column,
        "app.tasks.doubled",
        Some(key(Kind::Table, t)),
        Body::Column {
            table: t.into(),
            column: "doubled".into(),
            data_type: pick("integer", "bigint").into(),
            collation: None,
            not_null: false,
            default: None,
            identity: None,
            generated: Some("(score * 2)".into()),
            position: 6,
        },
        &[col("app.tasks.score")],
    );
    b.constraint(
        t,
        "tasks_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("app.tasks.id")],
    );
    b.constraint(
        t,
        "tasks_status_check",
        ConstraintKind::Check,
        "CHECK ((status IS NOT NULL))",
        &[col("app.tasks.status")],
    );
    b.add(
        Kind::Index,
        "app.tasks_title_idx",
        Some(key(Kind::Table, t)),
        Body::Index {
            table: t.into(),
            create: format!(
                "CREATE INDEX tasks_title_idx ON app.tasks USING btree ({})",
                pick("title", "title, id")
            ),
        },
        &[col("app.tasks.title")],
    );
    if target {
        b.add(
            Kind::Index,
            "app.tasks_status_idx",
            Some(key(Kind::Table, t)),
            Body::Index {
                table: t.into(),
                create: "CREATE INDEX tasks_status_idx ON app.tasks USING btree (status)".into(),
            },
            &[col("app.tasks.status")],
        );
    }
    b.view(
        "app.open_tasks",
        " SELECT tasks.id,\n    tasks.title,\n    tasks.status\n   FROM app.tasks\n  WHERE (tasks.status = 'new'::app.status);",
        &[
            col("app.tasks.id"),
            col("app.tasks.title"),
            col("app.tasks.status"),
            key(Kind::Type, "app.status"),
        ],
    );
    b.view(
        "app.open_count",
        " SELECT count(*) AS n\n   FROM app.open_tasks;",
        &[key(Kind::View, "app.open_tasks")],
    );
    b.add(
        Kind::Trigger,
        "app.tasks tasks_stamp",
        Some(key(Kind::Table, t)),
        Body::Trigger {
            table: t.into(),
            create: format!(
                "CREATE TRIGGER tasks_stamp BEFORE {} ON app.tasks FOR EACH ROW EXECUTE FUNCTION app.stamp()",
                pick("INSERT", "INSERT OR UPDATE")
            ),
        },
        &[key(Kind::Function, "app.stamp()")],
    );
    b.policy(
        t,
        "readers",
        PolicyCommand::Select,
        Some(pick("(score > 0)", "(score > 1)")),
        None,
        &[col("app.tasks.score")],
    );
    b.policy(
        t,
        "writers",
        PolicyCommand::Insert,
        None,
        Some(pick("true", "(title IS NOT NULL)")),
        &if target {
            vec![col("app.tasks.title")]
        } else {
            vec![]
        },
    );
    b.grant(
        t,
        if target {
            &["SELECT", "UPDATE"]
        } else {
            &["INSERT", "SELECT"]
        },
    );
    let mut published = BTreeSet::from([t.to_string()]);
    if target {
        b.table("app.log", false);
        b.column(
            "app.log",
            "id",
            "integer",
            true,
            None,
            Some(Identity::ByDefault),
            1,
            &[],
        );
        b.column("app.log", "msg", "text", false, None, None, 2, &[]);
        b.add(
            Kind::Table,
            "app.events",
            None,
            Body::Table {
                partition_by: Some("RANGE (at)".into()),
                partition_of: None,
                unlogged: false,
                row_security: false,
                force_row_security: false,
            },
            &[],
        );
        b.column("app.events", "at", "date", true, None, None, 1, &[]);
        b.add(
            Kind::Table,
            "app.events_2026",
            None,
            Body::Table {
                partition_by: None,
                partition_of: Some((
                    "app.events".into(),
                    "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')".into(),
                )),
                unlogged: false,
                row_security: false,
                force_row_security: false,
            },
            &[key(Kind::Table, "app.events")],
        );
        // The partition's column, as the catalog lists it, comes from the parent.
        b.column("app.events_2026", "at", "date", true, None, None, 1, &[]);
        published.insert("app.log".into());
    }
    b.add(
        Kind::Publication,
        "pub",
        None,
        Body::Publication {
            all_tables: false,
            tables: published.clone(),
            publish: pick("insert", "insert, delete").into(),
        },
        &published
            .iter()
            .map(|t| key(Kind::Table, t))
            .collect::<Vec<_>>(),
    );
    with_defaults(b.0)
}

#[test]
fn changes_in_place_and_objects_made_again_run_there_and_back() {
    let db = made(FROM_APP);
    db.client()
        .batch_execute(
            "INSERT INTO app.tasks (title, status, code, score) VALUES ('a', 'done', 'x', 3)",
        )
        .unwrap();
    let target = made(TO_APP);
    let start = detail(&db);
    let plan = changes(&app_model(false), &app_model(true));

    run_in_transaction(&db, &plan.main.up);
    run_each(&db, &plan.concurrent.up);
    assert_eq!(detail(&db), detail(&target));
    assert_eq!(
        db.scalar("select title || ' ' || status || ' ' || score || ' ' || doubled from app.tasks"),
        "a done 3 6"
    );
    let concurrent: Vec<&str> = plan.concurrent.up.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(
        concurrent,
        [
            "ALTER TABLE app.tasks VALIDATE CONSTRAINT tasks_status_check;",
            "CREATE INDEX CONCURRENTLY tasks_status_idx ON app.tasks USING btree (status);",
            "CREATE INDEX CONCURRENTLY tasks_title_idx ON app.tasks USING btree (title, id);",
        ]
    );
    let up = render(&plan.main.up);
    for hazard in [
        "-- hazard: enum type app.status is made again: every column of it is rewritten",
        "-- hazard: drops column app.tasks.code and its data",
        "-- hazard: changing the type of app.tasks.score rewrites app.tasks",
        "-- hazard: SET NOT NULL scans app.tasks",
    ] {
        assert!(up.contains(hazard), "{hazard} not in\n{up}");
    }

    run_each(&db, &plan.concurrent.down);
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
    assert_eq!(
        db.scalar("select title || ' ' || status || ' ' || score || ' ' || doubled from app.tasks"),
        "a done 3 6"
    );
}

/// What the platform makes (Supabase's `auth`): there on both sides, not in the model.
const PLATFORM: &str = r#"
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY, email text);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $function$select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid$function$;
"#;

const SIGN_UP: &str = r#"
CREATE TABLE public.profiles (id uuid NOT NULL, email text);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY (id);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_id_fkey FOREIGN KEY (id)
  REFERENCES auth.users(id) ON DELETE CASCADE;
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Own profile" ON public.profiles AS PERMISSIVE FOR SELECT TO PUBLIC
  USING ((auth.uid() = id));
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path TO ''
  AS $function$begin insert into public.profiles (id, email) values (new.id, new.email); return new; end$function$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW
  EXECUTE FUNCTION public.handle_new_user();
"#;

fn sign_up_model() -> Schema {
    let mut b = Build::new();
    b.table("public.profiles", true);
    b.column("public.profiles", "id", "uuid", true, None, None, 1, &[]);
    b.column(
        "public.profiles",
        "email",
        "text",
        false,
        None,
        None,
        2,
        &[],
    );
    b.constraint(
        "public.profiles",
        "profiles_pkey",
        ConstraintKind::PrimaryKey,
        "PRIMARY KEY (id)",
        &[col("public.profiles.id")],
    );
    // auth.users is not read: nothing of it is a key here.
    b.constraint(
        "public.profiles",
        "profiles_id_fkey",
        ConstraintKind::ForeignKey,
        "FOREIGN KEY (id) REFERENCES auth.users(id) ON DELETE CASCADE",
        &[col("public.profiles.id")],
    );
    b.policy(
        "public.profiles",
        "\"Own profile\"",
        PolicyCommand::Select,
        Some("(auth.uid() = id)"),
        None,
        &[col("public.profiles.id")],
    );
    b.function(
        "public.handle_new_user()",
        "CREATE OR REPLACE FUNCTION public.handle_new_user()\n RETURNS trigger\n LANGUAGE plpgsql\n SECURITY DEFINER\n SET search_path TO ''\nAS $function$begin insert into public.profiles (id, email) values (new.id, new.email); return new; end$function$\n",
        "trigger",
        &[],
    );
    b.add(
        Kind::Trigger,
        "auth.users on_auth_user_created",
        Some(key(Kind::Table, "auth.users")),
        Body::Trigger {
            table: "auth.users".into(),
            create: "CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user()".into(),
        },
        &[key(Kind::Function, "public.handle_new_user()")],
    );
    with_defaults(b.0)
}

#[test]
fn a_trigger_on_the_platform_s_table_calling_a_project_function_runs_both_ways() {
    let db = made(PLATFORM);
    let target = made(&format!("{PLATFORM}{SIGN_UP}"));
    let start = detail(&db);
    let plan = changes(&Schema::default(), &sign_up_model());
    let up: Vec<&str> = plan.main.up.iter().map(|s| s.sql.as_str()).collect();
    let function = up
        .iter()
        .position(|s| s.starts_with("CREATE OR REPLACE FUNCTION public.handle_new_user()"))
        .unwrap();
    let trigger = up
        .iter()
        .position(|s| s.starts_with("CREATE TRIGGER on_auth_user_created"))
        .unwrap();
    assert!(function < trigger, "{up:#?}");
    run_in_transaction(&db, &plan.main.up);
    assert_eq!(detail(&db), detail(&target));
    // The trigger works: a sign-up makes a profile.
    db.client()
        .batch_execute(
            "INSERT INTO auth.users VALUES ('00000000-0000-0000-0000-000000000002', 'b@x')",
        )
        .unwrap();
    assert_eq!(db.scalar("select email from public.profiles"), "b@x");
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
}

#[test]
fn the_second_schema_is_made_from_nothing_and_dropped_again() {
    let db = made("");
    let target = made(TO_APP);
    let start = detail(&db);
    let plan = changes(&Schema::default(), &app_model(true));
    run_in_transaction(&db, &plan.main.up);
    assert_eq!(detail(&db), detail(&target));
    run_in_transaction(&db, &plan.main.down);
    assert_eq!(detail(&db), start);
}
