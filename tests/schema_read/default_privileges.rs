//! Default privileges, per schema and for every schema, and the role the session runs as.

use dbward::schema_diff::model::{Body, DefaultObjects, Kind};
use support::TestDb;

use super::{body, read_schema, setup, strings, support};

#[test]
fn default_privileges_are_read_with_the_role_that_defines_them() {
    let db = TestDb::new();
    setup(
        &db,
        "do $$ begin
           if not exists (select from pg_roles where rolname = 'dp_reader') then create role dp_reader nologin; end if;
         end $$;
         create schema app;
         alter default privileges in schema app grant select on tables to dp_reader;
         alter default privileges grant execute on functions to dp_reader with grant option;",
    );
    let schemas = strings(&["public", "app"]);
    let schema = read_schema(&db, Some(&schemas), false);
    let user = db.scalar("select quote_ident(current_user)");
    assert_eq!(schema.creator.as_deref(), Some(user.as_str()));
    let in_app = format!("FOR ROLE {user} IN SCHEMA app ON TABLES TO dp_reader");
    assert_eq!(
        body(&schema, Kind::DefaultPrivilege, &in_app),
        Body::DefaultPrivilege {
            role: user.clone(),
            schema: Some("app".into()),
            on: DefaultObjects::Tables,
            grantee: "dp_reader".into(),
            privileges: ["SELECT".to_string()].into(),
            grantable: Default::default(),
        }
    );
    let everywhere = format!("FOR ROLE {user} ON FUNCTIONS TO dp_reader");
    assert_eq!(
        body(&schema, Kind::DefaultPrivilege, &everywhere),
        Body::DefaultPrivilege {
            role: user.clone(),
            schema: None,
            on: DefaultObjects::Functions,
            grantee: "dp_reader".into(),
            privileges: ["EXECUTE".to_string()].into(),
            grantable: ["EXECUTE".to_string()].into(),
        }
    );
    // The global entry also holds PostgreSQL's own default, EXECUTE to PUBLIC: not a grant
    // of the project's, so no rollback takes it back.
    let public = format!("FOR ROLE {user} ON FUNCTIONS TO PUBLIC");
    assert!(
        schema
            .get(&super::key(Kind::DefaultPrivilege, &public))
            .is_none()
    );
}
