//! A trigger on the platform's `auth.users` (not in the model) calling a project function.

use dbward::schema_diff::changes;
use dbward::schema_diff::model::{Body, ConstraintKind, Kind, PolicyCommand, Schema};

use crate::build::{Build, col, key, with_defaults};
use crate::catalog::{detail, made, run_in_transaction};

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
