//! Running generated files on the test cluster and reading back what they made.

use dbward::schema_diff::{Statement, render};

use crate::support::TestDb;

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

pub fn detail(db: &TestDb) -> Vec<String> {
    db.lines(DETAIL)
}

/// The main file as dbward runs it: one transaction.
pub fn run_in_transaction(db: &TestDb, statements: &[Statement]) {
    let sql = render(statements);
    db.client()
        .batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"));
}

/// The concurrent file: each statement on its own, outside a transaction.
pub fn run_each(db: &TestDb, statements: &[Statement]) {
    let mut client = db.client();
    for statement in statements {
        client
            .batch_execute(&statement.sql)
            .unwrap_or_else(|e| panic!("{e:?}\n{}", statement.sql));
    }
}

pub fn made(sql: &str) -> TestDb {
    let db = TestDb::new();
    db.client().batch_execute(sql).unwrap();
    db
}
